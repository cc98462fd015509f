import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { SseEncoder, sseControl, sseEvent } from '../src/transport/sse-format.js';
import { logEntry } from './unit-fixtures.js';

describe('SSE message format', () => {
  const entry = logEntry(46, 'w:t', { msg: { text: 'a\nb\r\nc' } });

  it('writes an event as id: cursor, event: type, data: the frame on one line', () => {
    assert.equal(sseEvent(entry), `id: ${entry.cursor}\nevent: edit\ndata: ${entry.frame}\n\n`);
  });

  it('names other frames wikicast.<op>, with an id only when given one', () => {
    const welcome = { op: 'welcome', cid: 'WS1', edge: 'e', cursor: '5.00000000' } as const;
    const text = JSON.stringify(welcome);
    assert.equal(sseControl(welcome), `event: wikicast.welcome\ndata: ${text}\n\n`);
    assert.equal(sseControl(welcome, '5.00000000'), `id: 5.00000000\nevent: wikicast.welcome\ndata: ${text}\n\n`);
  });

  it('leaves out a field whose value would break the message', () => {
    const twoLines = logEntry(47, 'w:t', { type: 'two\nlines' });
    assert.equal(sseEvent(twoLines), `id: ${twoLines.cursor}\ndata: ${twoLines.frame}\n\n`);
  });

  it('never names an event after a control message', () => {
    const spoof = logEntry(48, 'w:t', { type: 'wikicast.reset' });
    assert.equal(sseEvent(spoof), `id: ${spoof.cursor}\ndata: ${spoof.frame}\n\n`);
  });

  it('encodes each distinct entry once and gives every reader the same text', () => {
    const encoder = new SseEncoder();
    const first = encoder.encode(entry);
    assert.equal(encoder.encode(entry), first);
    assert.notEqual(encoder.encode(logEntry(49, 'w:t', { type: 'new' })), first);
  });
});
