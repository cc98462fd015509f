import { strict as assert } from 'node:assert';
import { it } from 'node:test';
import { TokenBucket, WikiRateLimiter } from '../src/rate-limiter.js';

it('spends a burst, then refills at the rate, and says how long to wait', () => {
  let now = 0;
  const bucket = new TokenBucket(10, 20, () => now);
  assert.equal(bucket.take(20), 0);
  assert.equal(bucket.take(1), 1, 'empty: wait at least a second');
  now = 500;
  assert.equal(bucket.take(5), 0, 'half a second refilled 5');
  assert.equal(bucket.take(30), 2, 'more than the burst: the wait for a full bucket');
  now = 10_000;
  assert.equal(bucket.take(20), 0, 'never more than the burst');
  assert.equal(bucket.take(1), 1);
});

it('keeps one bucket per wiki and can be turned off', () => {
  const now = 0;
  const limiter = new WikiRateLimiter(1, 2, () => now);
  assert.equal(limiter.take('a', 2), 0);
  assert.ok(limiter.take('a', 1) > 0);
  assert.equal(limiter.take('b', 2), 0);
  const off = new WikiRateLimiter(0, 1, () => now);
  assert.equal(off.take('a', 1_000_000), 0);
});
