import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { RecentEvents } from '../src/resume/recent-events.js';
import { logEntry } from './unit-fixtures.js';

describe('RecentEvents (the in-memory ring for resumes)', () => {
  it('finds events by offset although offsets skip (invalid messages), and lists what follows one', () => {
    const ring = new RecentEvents(10);
    for (const offset of [3, 4, 7, 8, 12]) ring.push(logEntry(offset));
    assert.equal(ring.at(7)?.offset, 7);
    assert.equal(ring.at(5), undefined, 'an offset that was never an event');
    assert.deepEqual([...ring.after(4)].map((e) => e.offset), [7, 8, 12]);
    assert.deepEqual([...ring.after(12)], []);
    assert.deepEqual([...ring.after(5)], [], 'after an offset not held: nothing, never a guess');
  });

  it('remembers undeliverable messages within the span it holds, for resumes across them', () => {
    const ring = new RecentEvents(3);
    for (const offset of [1, 2]) ring.push(logEntry(offset));
    ring.noteUndeliverable(3, 'demo:a', 'too deep');
    for (const offset of [4, 5, 6]) ring.push(logEntry(offset));
    assert.deepEqual(ring.undeliverableBetween(2, 6), [{ offset: 3, topic: 'demo:a', reason: 'too deep' }]);
    assert.deepEqual(ring.undeliverableBetween(3, 6), [], 'only after the resume point');
    ring.noteUndeliverable(7, 'demo:b', 'x');
    assert.deepEqual(ring.undeliverableBetween(0, 9).map((u) => u.offset), [7], 'older than memory holds: pruned');
  });

  it('keeps the newest `capacity` events once it wraps around', () => {
    const ring = new RecentEvents(3);
    for (let offset = 0; offset < 7; offset++) ring.push(logEntry(offset));
    assert.equal(ring.size, 3);
    assert.equal(ring.at(3), undefined, 'the oldest are gone');
    assert.deepEqual([...ring.after(4)].map((e) => e.offset), [5, 6]);
  });
});
