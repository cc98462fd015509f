import { strict as assert } from 'node:assert';
import { after, before, it } from 'node:test';
import { waitFor } from '@wikicast/test/support';
import { startHarness, type IngestHarness } from './harness.js';

let h: IngestHarness;
before(async () => {
  h = await startHarness('rate', { WIKICAST_INGEST_RATE_PER_WIKI: '1', WIKICAST_INGEST_RATE_BURST: '10' });
});
after(async () => {
  await h?.cleanup();
});

it('limits each wiki on its own with 429 and Retry-After, and lets it publish again once refilled', async () => {
  const burst = await h.post(Array.from({ length: 10 }, () => ({ topic: 'rate', type: 'burst' })));
  assert.equal(burst.status, 202, JSON.stringify(burst.body));
  // Five at once: the bucket refills one a second, which a burst slow to confirm on a loaded
  // machine may have earned back, but not five.
  const over = await h.post(Array.from({ length: 5 }, () => ({ topic: 'rate', type: 'over' })));
  assert.equal(over.status, 429);
  assert.equal(over.body.code, 'rate_limited');
  assert.ok(Number(over.headers.get('retry-after')) >= 1);
  const other = await h.post({ topic: 'rate', type: 'other-wiki' }, { token: await h.token(h.otherWiki) });
  assert.equal(other.status, 202, 'another wiki has its own bucket');
  await waitFor('the bucket to refill', async () => (await h.post({ topic: 'rate', type: 'refilled' })).status === 202, { intervalMs: 100 });
  const log = await h.topology.readLog({ expect: 12 });
  assert.equal(log.filter((e) => e.event.type === 'over').length, 0, 'a limited request publishes nothing');
});
