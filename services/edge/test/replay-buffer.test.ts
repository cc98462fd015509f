import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { ReplayProgress } from '../src/resume/replay-progress.js';
import { logEntry } from './unit-fixtures.js';

describe('ReplayProgress (live events held back while history is written)', () => {
  it('hands back only the held events the replay did not reach itself', () => {
    const replay = new ReplayProgress(['demo:a'], 10, 100);
    assert.equal(replay.holds('demo:a'), true);
    assert.equal(replay.holds('demo:b'), false);
    for (const offset of [11, 12, 13]) replay.hold(logEntry(offset, 'demo:a'));
    replay.reached = 12;
    assert.deepEqual(replay.takeHeld().map((e) => e.offset), [13]);
    assert.deepEqual(replay.takeHeld(), [], 'taken once');
  });

  it('past its limit drops what it held (the replay reads those anyway) until the replay is finishing', () => {
    const replay = new ReplayProgress(['demo:a'], 0, 2);
    for (const offset of [1, 2, 3]) replay.hold(logEntry(offset, 'demo:a'));
    replay.reached = 0;
    assert.deepEqual(replay.takeHeld().map((e) => e.offset), [3], 'the first two were dropped at the limit');

    replay.finishing = true;
    for (const offset of [4, 5, 6, 7]) replay.hold(logEntry(offset, 'demo:a'));
    assert.deepEqual(replay.takeHeld().map((e) => e.offset), [4, 5, 6, 7], 'once finishing, nothing is dropped');
  });
});
