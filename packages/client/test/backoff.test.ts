import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_BACKOFF, fullJitterDelay } from '../src/backoff.js';

const options = { baseMs: 100, maxMs: 5_000 };

test('the ceiling doubles per attempt from baseMs and stops at maxMs', () => {
  const almostOne = () => 0.999_999;
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 6, 7].map((attempt) => fullJitterDelay(attempt, options, almostOne)),
    [99, 199, 399, 799, 1599, 3199, 4999, 4999],
  );
});

test('full jitter: the delay is uniform between 0 and the ceiling', () => {
  assert.equal(fullJitterDelay(3, options, () => 0), 0);
  assert.equal(fullJitterDelay(3, options, () => 0.5), 400);
  for (let i = 0; i < 1000; i++) {
    const delay = fullJitterDelay(i % 12, options);
    assert.ok(delay >= 0 && delay < Math.min(options.maxMs, options.baseMs * 2 ** (i % 12)), `delay ${delay}`);
  }
});

test('odd attempts are tolerated: negative counts as 0, huge ones do not overflow', () => {
  assert.equal(fullJitterDelay(-3, options, () => 0.5), 50);
  assert.equal(fullJitterDelay(10_000, options, () => 0.5), 2500);
  assert.equal(fullJitterDelay(Number.MAX_SAFE_INTEGER, DEFAULT_BACKOFF, () => 0.5), DEFAULT_BACKOFF.maxMs / 2);
});

test('the defaults: first retry within 500 ms, never more than 30 s', () => {
  assert.ok(fullJitterDelay(0) < 500);
  assert.ok(fullJitterDelay(50) < 30_000);
});
