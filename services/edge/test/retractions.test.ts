import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { RetractControl } from '@wikicast/protocol';
import { Retractions } from '../src/retraction/retractions.js';
import { logEntry } from './unit-fixtures.js';

const DAY_MS = 86_400_000;

function retraction(fields: Partial<RetractControl>, atMs = Date.now()): RetractControl {
  return { op: 'retract', id: randomUUID(), wiki: 'demo', ts: new Date(atMs).toISOString(), ...fields };
}

const edit = (revision: number) => ({ type: 'edit', comment: 'summary', user: 'Alice', length: { old: 1, new: 2 }, revision: { old: revision - 1, new: revision } });
const log = (id: number) => ({ type: 'log', log_id: id, log_type: 'move', comment: 'why', user: 'Bob', title: 'A', namespace: 0, page_id: 3, log_params: { target: 'B' } });

describe('Retractions', () => {
  it('redacts what each retraction hides, accumulating bits, and leaves everything else the same object', () => {
    const retractions = new Retractions(7 * DAY_MS);
    const entry = logEntry(1, 'demo:recentchange', { msg: edit(10) });
    const other = logEntry(2, 'demo:recentchange', { msg: edit(11) });
    assert.equal(retractions.redact(entry), entry, 'nothing retracted yet');

    assert.ok(retractions.note(retraction({ revisions: [{ id: 10, hidden: 2 }] })));
    const once = retractions.redact(entry);
    assert.deepEqual(once.event.msg, { ...edit(10), comment: '', commenthidden: true });
    assert.equal(JSON.parse(once.frame).msg.commenthidden, true, 'the frame is built again');
    assert.equal(once.cursor, entry.cursor);
    assert.equal(retractions.redact(once), once, 'a redacted entry is not redacted again');
    assert.equal(retractions.redact(other), other);

    retractions.note(retraction({ revisions: [{ id: 10, hidden: 4 | 1 }] }));
    const twice = retractions.redact(once);
    const { length: _length, ...rest } = edit(10);
    assert.deepEqual(twice.event.msg, { ...rest, comment: '', commenthidden: true, user: null, userhidden: true, texthidden: true });
  });

  it("redacts a log entry's target and details, on its own wiki's change topics only", () => {
    const retractions = new Retractions(7 * DAY_MS);
    retractions.note(retraction({ logs: [{ id: 5, hidden: 1 }] }));
    const redacted = retractions.redact(logEntry(1, 'demo:recentchange', { msg: log(5) }));
    assert.deepEqual(redacted.event.msg, { type: 'log', log_id: 5, log_type: 'move', comment: 'why', user: 'Bob', title: null, namespace: null, page_id: null, texthidden: true });
    const elsewhere = logEntry(2, 'other:recentchange', { wiki: 'other', msg: log(5) });
    assert.equal(retractions.redact(elsewhere), elsewhere);
    const sent = logEntry(3, 'demo:chat', { msg: log(5), from: 'WSabc' });
    assert.equal(retractions.redact(sent), sent);
    // The wiki names the editing browser in `from` on a page's topic: still the wiki's change.
    const fromEditor = logEntry(4, 'demo:page:3', { msg: log(5), from: 'WSeditor' });
    assert.notEqual(retractions.redact(fromEditor), fromEditor);
  });

  it('forgets retractions older than it keeps them, and ignores ones read back from further', () => {
    const retractions = new Retractions(DAY_MS);
    const now = Date.now();
    assert.equal(retractions.note(retraction({ revisions: [{ id: 1, hidden: 2 }] }, now - 2 * DAY_MS), now), false);
    retractions.note(retraction({ revisions: [{ id: 2, hidden: 2 }] }, now - DAY_MS / 2), now);
    assert.equal(retractions.size, 1);
    const entry = logEntry(1, 'demo:recentchange', { msg: edit(2) });
    assert.notEqual(retractions.redact(entry), entry);
    retractions.note(retraction({ revisions: [{ id: 3, hidden: 2 }] }, now + DAY_MS), now + DAY_MS);
    assert.equal(retractions.size, 1, 'the first one was forgotten a day after it');
    assert.equal(retractions.redact(entry), entry);
  });
});
