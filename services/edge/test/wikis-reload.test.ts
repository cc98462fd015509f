import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { signToken, testKey, testWiki, waitFor, withKeys, type TestClient, type TestKey, type TestWiki, type WikisFileEntry } from '@wikicast/test/support';
import { setupEdgeWorld, subscribe, wikiEvent, type EdgeWorld } from './harness.js';

/** SIGHUP on a serving edge: the wikis file is re-read, nothing else is interrupted. */
describe('edge SIGHUP reloads the wikis file', () => {
  const kept = testWiki('hupkept');
  const removed = testWiki('hupremoved');
  const rotated = testWiki('huprotated');
  const added = testWiki('hupadded');
  const keyed = testWiki('hupkeyed');
  /** The key `keyed` signed with before it named keys, given an id by the rotation. */
  const oldKey: TestKey = { kid: 'old', secret: keyed.secret };
  const newKey = testKey('new');
  let world: EdgeWorld;

  before(async () => {
    world = await setupEdgeWorld('edge-hup', [kept, removed, rotated, keyed]);
  });
  after(async () => {
    await world?.cleanup();
  });

  const logged = (msg: string): number => world.edges[0]!.logs.filter((l) => l.msg === msg).length;
  const writeWikis = (wikis: readonly WikisFileEntry[] | string): void =>
    writeFileSync(world.env.WIKICAST_WIKIS_FILE!, typeof wikis === 'string' ? wikis : JSON.stringify(wikis));

  async function reload(): Promise<void> {
    const before = logged('wikis file reloaded');
    world.edges[0]!.child.kill('SIGHUP');
    await waitFor('the reload', () => logged('wikis file reloaded') === before + 1);
  }

  async function reader(of: TestWiki, key?: TestKey): Promise<TestClient> {
    const client = await world.connect({ token: await signToken(of, key === undefined ? {} : { key }) });
    await client.next((f) => f.op === 'welcome', 'welcome');
    assert.equal((await subscribe(client, [`${of.id}:news`])).op, 'subscribed');
    return client;
  }

  async function refused(of: TestWiki): Promise<void> {
    const client = await world.connect({ token: await signToken(of) });
    assert.equal(await client.closed(), 1008);
    assert.equal(client.frames.at(-1)?.code, 'unauthorized');
  }

  it('keeps serving its clients, takes added wikis, and closes the connections of removed or re-keyed ones', async () => {
    const edge = world.edges[0]!;
    const stays = await reader(kept);
    const ofRemoved = await reader(removed);
    const ofRotated = await reader(rotated);
    await refused(added);

    writeWikis([kept, { ...rotated, secret: 'n'.repeat(40) }, added, keyed]);
    await reload();

    assert.equal(await ofRemoved.closed(), 1008);
    assert.equal(ofRemoved.frames.at(-1)?.code, 'unauthorized');
    assert.equal(await ofRotated.closed(), 1008);
    const fresh = await reader(added);
    await refused(removed);

    await world.publish(wikiEvent(kept.id, `${kept.id}:news`, { type: 'after-hup' }), wikiEvent(added.id, `${added.id}:news`, { type: 'after-hup' }));
    await stays.next((f) => f.op === 'event' && f.type === 'after-hup', 'an event after the reload');
    await fresh.next((f) => f.op === 'event' && f.type === 'after-hup', 'an event on the added wiki');
    assert.equal(stays.closeCode, null, 'a connection of an unchanged wiki stays open');
    assert.equal(edge.child.exitCode, null);
  });

  it("keeps every connection through a rotation that keeps the old key, and closes only those of a key once it is removed", async () => {
    const edge = world.edges[0]!;
    const unnamed = await reader(keyed);
    writeWikis([kept, added, withKeys(keyed, [newKey, oldKey])]);
    await reload();
    const signedOld = await reader(keyed, oldKey);
    const signedNew = await reader(keyed, newKey);
    await world.publish(wikiEvent(keyed.id, `${keyed.id}:news`, { type: 'mid-rotation' }));
    for (const client of [unnamed, signedOld, signedNew]) await client.next((f) => f.op === 'event' && f.type === 'mid-rotation', 'an event mid-rotation');
    assert.equal(logged('connection closed by a wikis reload'), 2, 'only the two of the first test');

    writeWikis([kept, added, withKeys(keyed, [newKey])]);
    await reload();
    for (const client of [unnamed, signedOld]) {
      assert.equal(await client.closed(), 1008, 'signed with the removed key');
      assert.match(String(client.frames.at(-1)?.message), /the key that signed this token was removed/);
    }
    await world.publish(wikiEvent(keyed.id, `${keyed.id}:news`, { type: 'after-removal' }));
    await signedNew.next((f) => f.op === 'event' && f.type === 'after-removal', 'an event after the old key was removed');
    assert.equal(signedNew.closeCode, null);
    const refusedOld = await world.connect({ token: await signToken(keyed, { key: oldKey }) });
    assert.equal(await refusedOld.closed(), 1008);
    assert.match(String(refusedOld.frames.at(-1)?.message), /has no key "old"/);
    assert.equal(edge.child.exitCode, null);
  });

  it('keeps the wikis it had when the file is broken, and keeps serving', async () => {
    const edge = world.edges[0]!;
    const stays = await reader(added);
    writeWikis('[{"id": "broken"');
    edge.child.kill('SIGHUP');
    await waitFor('the failed reload to be logged', () => logged('wikis file reload failed; keeping the wikis loaded before') === 1);

    assert.equal((await fetch(`${edge.url}/readyz`)).status, 200);
    const another = await reader(added);
    await world.publish(wikiEvent(added.id, `${added.id}:news`, { type: 'after-bad-hup' }));
    await stays.next((f) => f.op === 'event' && f.type === 'after-bad-hup', 'an event after the failed reload');
    await another.next((f) => f.op === 'event' && f.type === 'after-bad-hup', 'an event on a connection made after it');
    assert.equal(stays.closeCode, null);
    assert.equal(edge.child.exitCode, null);
  });
});
