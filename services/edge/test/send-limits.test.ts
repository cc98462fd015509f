import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { waitFor } from '@wikicast/test/support';
import { SendRateLimiter } from '../src/frames/send-rate.js';
import { TokenExpiry } from '../src/access/token-expiry.js';

describe('SendRateLimiter', () => {
  it('allows a burst, then the rate, per key', () => {
    let now = 0;
    const limiter = new SendRateLimiter<object>(2, 3, () => now);
    const a = {};
    const b = {};
    assert.deepEqual([1, 2, 3, 4].map(() => limiter.allow(a)), [true, true, true, false]);
    assert.equal(limiter.allow(b), true, 'each key has its own bucket');
    now += 499;
    assert.equal(limiter.allow(a), false, 'not quite one send refilled');
    now += 1;
    assert.equal(limiter.allow(a), true);
    now += 60_000;
    assert.deepEqual([1, 2, 3, 4].map(() => limiter.allow(a)), [true, true, true, false], 'refills no further than the burst');
  });
});

describe('TokenExpiry', () => {
  it('fires once at expiry; a new watch replaces the timer; forget and anonymous never fire', async () => {
    const expired: string[] = [];
    const expiry = new TokenExpiry<string>((key) => expired.push(key));
    const now = Date.now();
    expiry.watch('soon', now + 20);
    expiry.watch('refreshed', now + 20);
    expiry.watch('refreshed', now + 60_000);
    expiry.watch('closed', now + 20);
    expiry.forget('closed');
    expiry.watch('anonymous', null);
    expiry.watch('past', now - 1_000);
    assert.equal(expiry.size, 3);
    await waitFor('the expired keys', () => expired.length === 2);
    assert.deepEqual(expired.sort(), ['past', 'soon']);
    assert.equal(expiry.size, 1, 'only the refreshed key is still watched');
    expiry.forget('refreshed');
    assert.equal(expiry.size, 0);
  });
});
