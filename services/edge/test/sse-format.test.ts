import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { SseEncoder, sseMessage } from '../src/sse-format.js';

describe('SSE message format', () => {
  const event = { op: 'event', id: 'e1', topic: 'w:t', type: 'edit', msg: { text: 'a\nb\r\nc' }, cursor: '1a.00ff00ff' };

  it('writes an event as id: cursor, event: type, data: the frame on one line', () => {
    const frame = JSON.stringify(event);
    assert.equal(sseMessage(frame), `id: 1a.00ff00ff\nevent: edit\ndata: ${frame}\n\n`);
  });

  it('names other frames wikicast.<op>, with an id only when given one', () => {
    const welcome = JSON.stringify({ op: 'welcome', cid: 'WS1', edge: 'e', cursor: '5.00000000' });
    assert.equal(sseMessage(welcome), `event: wikicast.welcome\ndata: ${welcome}\n\n`);
    assert.equal(sseMessage(welcome, '5.00000000'), `id: 5.00000000\nevent: wikicast.welcome\ndata: ${welcome}\n\n`);
  });

  it('leaves out a field whose value would break the message', () => {
    const frame = JSON.stringify({ ...event, type: 'two\nlines' });
    assert.equal(sseMessage(frame), `id: 1a.00ff00ff\ndata: ${frame}\n\n`);
  });

  it('encodes each distinct frame once and gives every reader the same text', () => {
    const encoder = new SseEncoder();
    const frame = JSON.stringify(event);
    const first = encoder.encode(frame);
    assert.equal(encoder.encode(frame), first);
    assert.notEqual(encoder.encode(JSON.stringify({ ...event, type: 'new' })), first);
  });
});
