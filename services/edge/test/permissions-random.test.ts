import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { signToken, testWiki, type TestClient } from '@wikicast/test/support';
import { setupEdgeWorld, subscribe, wikiEvent, type EdgeWorld } from './harness.js';

const USERS = ['Ann', 'Ben', 'Cai', 'Dee', 'Eve'];
const GROUPS = ['sysop', 'user', 'bot', 'bureaucrat'];
const CIDS = ['WSp0', 'WSp1', 'WSp2', 'WSp3', 'WSp4', 'WSp5', 'WSp6', 'WSp7', 'WSp8', 'WSp9', 'WSp10', 'WSnobody'];
const EVENTS = 400;

interface Reader {
  /** Token `sub`; absent: a token without a user. */
  user?: string;
  groups: string[];
  cid: string;
}

interface Restriction {
  to?: string[];
  audience?: { users?: string[]; groups?: string[] };
}

const subset = <T>(values: readonly T[]) => fc.uniqueArray(fc.constantFrom(...values), { maxLength: values.length });
const reader: fc.Arbitrary<Reader> = fc.record({ user: fc.option(fc.constantFrom(...USERS), { nil: undefined }), groups: subset(GROUPS), cid: fc.constant('') });
const restriction: fc.Arbitrary<Restriction> = fc.record(
  {
    // Repeated client ids and ids nobody holds, as a producer may send them.
    to: fc.array(fc.constantFrom(...CIDS), { minLength: 1, maxLength: 4 }),
    audience: fc.record({ users: subset(USERS), groups: subset(GROUPS) }, { requiredKeys: [] }),
  },
  { requiredKeys: [] },
);

/**
 * Who may read an event, written from SPEC's words rather than from permissions.ts: `to` names
 * the client ids that get it; `audience` the users and groups that may read it, and an audience
 * naming nobody reaches nobody.
 */
function allowed(who: Reader, event: Restriction): boolean {
  if (event.to !== undefined && !event.to.some((cid) => cid === who.cid)) return false;
  if (event.audience === undefined) return true;
  const byName = who.user !== undefined && (event.audience.users ?? []).some((name) => name === who.user);
  const byGroup = (event.audience.groups ?? []).some((group) => who.groups.some((own) => own === group));
  return byName || byGroup;
}

describe('restricted events reach exactly the readers allowed to read them', () => {
  const wiki = testWiki('permwiki');
  let world: EdgeWorld;

  before(async () => {
    world = await setupEdgeWorld('edge-perms', [wiki], 2);
  });
  after(async () => {
    await world?.cleanup();
  });

  it('for random `to` and `audience` across many connections on two edges', async () => {
    const seed = Date.now();
    const topic = `${wiki.id}:private`;
    // Eleven readers with their own client ids, and a twelfth sharing WSp0 (one client, two tabs).
    const readers = fc.sample(reader, { numRuns: 11, seed }).map((r, i) => ({ ...r, cid: `WSp${i}` }));
    readers.push({ ...fc.sample(reader, { numRuns: 1, seed: seed + 1 })[0]!, cid: 'WSp0' });
    const clients: TestClient[] = [];
    for (const [i, r] of readers.entries()) {
      const token = await signToken(wiki, { ...(r.user !== undefined ? { sub: r.user } : {}), groups: r.groups, cid: r.cid });
      const client = await world.connect({ token }, world.edges[i % 2]);
      await client.next((f) => f.op === 'welcome', 'welcome');
      assert.equal((await subscribe(client, [topic])).op, 'subscribed');
      clients.push(client);
    }
    const restrictions = fc.sample(restriction, { numRuns: EVENTS, seed: seed + 2 });
    const events = restrictions.map((r, n) => wikiEvent(wiki.id, topic, { msg: { n }, ...r }));
    const sentinel = wikiEvent(wiki.id, topic, { type: 'sentinel' });
    for (let i = 0; i < events.length; i += 100) await world.publish(...events.slice(i, i + 100));
    await world.publish(sentinel);

    for (const [i, client] of clients.entries()) {
      await client.next((f) => f.id === sentinel.id, `the sentinel (reader ${i})`);
      const got = client.events().map((e) => e.id).filter((id) => id !== sentinel.id);
      const expected = events.filter((_, n) => allowed(readers[i]!, restrictions[n]!)).map((e) => e.id);
      const leaked = got.filter((id) => !expected.includes(String(id)));
      assert.deepEqual(leaked, [], `reader ${i} ${JSON.stringify(readers[i])} got events it may not read (seed ${seed})`);
      assert.deepEqual(got, expected, `reader ${i} ${JSON.stringify(readers[i])} got every event it may read, in order (seed ${seed})`);
    }
    const delivered = clients.reduce((sum, c) => sum + c.events().length - 1, 0);
    assert.ok(delivered > 0 && delivered < EVENTS * clients.length, `${delivered} deliveries: some allowed, some not`);
  });
});
