import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { LiveLog } from '../src/resume/live-log.js';
import { logEntry } from './unit-fixtures.js';

describe("LiveLog (the edge's live position)", () => {
  it('moves its head with every message consumed, events and undeliverable ones, and keeps the newest cursor', () => {
    const live = new LiveLog(10);
    assert.deepEqual([live.head, live.cursor], [null, null]);
    const first = logEntry(4);
    live.append(first);
    live.skip(5, 'demo:a', 'too deep');
    assert.equal(live.head, 5);
    assert.equal(live.cursor, first.cursor, 'the cursor names an event, never an undeliverable message');
    assert.deepEqual(live.recent.undeliverableBetween(4, 5).map((u) => u.topic), ['demo:a']);
  });

  it('lets a resume wait for a position it has not reached, and gives up after the timeout', async () => {
    const live = new LiveLog(10);
    live.append(logEntry(1));
    assert.equal(await live.reach(1, 1_000), true, 'already there');
    const waiting = live.reach(3, 5_000);
    live.append(logEntry(2));
    live.append(logEntry(3));
    assert.equal(await waiting, true);
    assert.equal(await live.reach(9, 20), false);
  });
});
