import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { signToken, testWiki, waitFor, type TestClient, type TestWiki } from '@wikicast/test/support';
import { setupEdgeWorld, subscribe, wikiEvent, type EdgeWorld } from './harness.js';

/** SIGHUP on a serving edge: the wikis file is re-read, nothing else is interrupted. */
describe('edge SIGHUP reloads the wikis file', () => {
  const kept = testWiki('hupkept');
  const removed = testWiki('hupremoved');
  const rotated = testWiki('huprotated');
  const added = testWiki('hupadded');
  let world: EdgeWorld;

  before(async () => {
    world = await setupEdgeWorld('edge-hup', [kept, removed, rotated]);
  });
  after(async () => {
    await world?.cleanup();
  });

  const logged = (msg: string): number => world.edges[0]!.logs.filter((l) => l.msg === msg).length;
  const writeWikis = (wikis: readonly TestWiki[] | string): void =>
    writeFileSync(world.env.WIKICAST_WIKIS_FILE!, typeof wikis === 'string' ? wikis : JSON.stringify(wikis));

  async function reader(of: TestWiki): Promise<TestClient> {
    const client = await world.connect({ token: await signToken(of) });
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

    writeWikis([kept, { ...rotated, secret: 'n'.repeat(40) }, added]);
    edge.child.kill('SIGHUP');
    await waitFor('the reload', () => logged('wikis file reloaded') === 1);

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
