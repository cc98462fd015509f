import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { signToken, testWiki, waitFor, type TestClient } from '@wikicast/test/support';
import { metricValue, setupEdgeWorld, subscribe, wikiEvent, type EdgeWorld } from './harness.js';

/** Token expiry (close 4001) and `{"op":"auth"}` refreshes on live connections, on the real RabbitMQ. */
describe('edge token refresh and expiry', () => {
  const wiki = testWiki('authwiki', { public: true });
  const other = testWiki('authother');
  let world: EdgeWorld;

  before(async () => {
    world = await setupEdgeWorld('edge-auth', [wiki, other]);
  });
  after(async () => {
    await world?.cleanup();
  });

  async function open(query: Record<string, string>): Promise<TestClient> {
    const client = await world.connect(query);
    await client.next((f) => f.op === 'welcome', 'welcome');
    return client;
  }

  it('closes a connection whose token expires with token_expired and 4001', async () => {
    const before = await metricValue(world.edges[0]!, 'wikicast_edge_disconnects_total', { reason: 'token_expired' });
    const client = await open({ token: await signToken(wiki, { sub: 'Short', ttlS: 2 }) });
    assert.equal(await client.closed(8_000), 4001);
    const error = client.frames.find((f) => f.op === 'error');
    assert.equal(error?.code, 'token_expired');
    await waitFor('the token_expired disconnect to be counted', async () =>
      (await metricValue(world.edges[0]!, 'wikicast_edge_disconnects_total', { reason: 'token_expired' })) === before + 1,
    );
  });

  it('keeps a connection open past the old expiry once a new token replaced it', async () => {
    const short = await signToken(wiki, { sub: 'Refresh', cid: 'WSrefresh', ttlS: 3 });
    const refreshed = await open({ token: short });
    const control = await open({ token: short });
    refreshed.send({ op: 'auth', token: await signToken(wiki, { sub: 'Refresh', cid: 'WSrefresh', ttlS: 300 }), ref: 'auth-1' });
    assert.equal(await control.closed(8_000), 4001, 'the same token without a refresh expired');
    const answer = await subscribe(refreshed, ['after-expiry']);
    assert.equal(answer.op, 'subscribed', 'the refreshed connection still answers');
    assert.equal(refreshed.closeCode, null);
    assert.deepEqual(refreshed.frames.filter((f) => f.op === 'error'), [], 'the refresh was not refused');
  });

  it("applies the new token's rights to the frames that follow it", async () => {
    const client = await open({ token: await signToken(wiki, { sub: 'Rights', send: [] }) });
    client.send({ op: 'send', topic: 'rights', type: 't', ref: 'before' });
    client.send({ op: 'auth', token: await signToken(wiki, { sub: 'Rights', send: ['rights'] }) });
    client.send({ op: 'send', topic: 'rights', type: 't', ref: 'after' });
    const first = await client.next((f) => f.ref === 'before', 'the answer to the first send');
    const second = await client.next((f) => f.ref === 'after', 'the answer to the second send');
    assert.equal(first.code, 'forbidden');
    assert.equal(second.op, 'ack', JSON.stringify(second));
  });

  it('lets an anonymous reader authenticate, keeping its client id', async () => {
    const client = await open({ wiki: wiki.id });
    const cid = String(client.frames[0]!.cid);
    client.send({ op: 'send', topic: 'anon', type: 't', ref: 'anonymous' });
    client.send({ op: 'auth', token: await signToken(wiki, { sub: 'Later', send: ['*'] }) });
    client.send({ op: 'send', topic: 'anon', type: 't', ref: 'signed-in' });
    assert.equal((await client.next((f) => f.ref === 'anonymous', 'the anonymous send')).code, 'forbidden');
    const ack = await client.next((f) => f.ref === 'signed-in', 'the signed-in send');
    assert.equal(ack.op, 'ack', JSON.stringify(ack));
    const reader = await open({ token: await signToken(wiki, { sub: 'Reader' }) });
    await subscribe(reader, ['anon']);
    client.send({ op: 'send', topic: 'anon', type: 't', ref: 'seen' });
    const seen = await client.next((f) => f.ref === 'seen', 'the third send');
    assert.equal((await reader.next((f) => f.id === seen.id, 'the event')).from, cid);
  });

  it("drops the previous user's own topic when a refresh changes the user, and says so", async () => {
    const alice = await open({ token: await signToken(wiki, { sub: 'Alice' }) });
    const stillAlice = await open({ token: await signToken(wiki, { sub: 'Alice' }) });
    assert.equal((await subscribe(alice, ['user:Alice', 'page:7'])).op, 'subscribed');
    assert.equal((await subscribe(stillAlice, ['user:Alice'])).op, 'subscribed');
    alice.send({ op: 'auth', token: await signToken(wiki, { sub: 'Bob' }) });
    const dropped = await alice.next((f) => f.op === 'unsubscribed', 'the dropped subscription');
    assert.deepEqual(dropped, { op: 'unsubscribed', topics: [`${wiki.id}:user:Alice`] });
    const refusal = await alice.next((f) => f.op === 'error', 'why it was dropped');
    assert.equal(refusal.code, 'forbidden');
    assert.match(String(refusal.message), /user:Alice/);
    // No audience on purpose: such an event reaches a topic's subscribers by broadcast, unchecked.
    const privateEvent = wikiEvent(wiki.id, `${wiki.id}:user:Alice`);
    const pageEvent = wikiEvent(wiki.id, `${wiki.id}:page:7`);
    await world.publish(privateEvent, pageEvent);
    await stillAlice.next((f) => f.id === privateEvent.id, "Alice's event at a connection that is still Alice's");
    // Stream order: the page event comes after the private one, so this is past where it would be.
    await alice.next((f) => f.id === pageEvent.id, 'the page event');
    assert.deepEqual(alice.frames.filter((f) => f.id === privateEvent.id), [], "Alice's event reached the connection that became Bob's");
    assert.equal((await subscribe(alice, ['user:Bob'])).op, 'subscribed', "the new user's own topic");
  });

  it('renames a presence member whose user changed, and leaves the presence a narrower claim no longer names', async () => {
    const topic = `${wiki.id}:page:9`;
    const watcher = await open({ token: await signToken(wiki, { sub: 'Carol' }) });
    const member = await open({ token: await signToken(wiki, { sub: 'Alice' }) });
    assert.equal((await subscribe(watcher, ['page:9'], { presence: true })).op, 'subscribed');
    assert.equal((await subscribe(member, ['page:9', 'page:10'], { presence: true })).op, 'subscribed');
    await watcher.next((f) => f.op === 'join' && (f.member as { user?: string }).user === 'Alice', "Alice's join");

    member.send({ op: 'auth', token: await signToken(wiki, { sub: 'Bob', presence: ['page:9'] }) });
    const cid = String(member.frames[0]!.cid);
    await watcher.next((f) => f.op === 'leave' && f.topic === topic && (f.member as { cid?: string }).cid === cid, 'the old name leaving');
    const joined = await watcher.next((f) => f.op === 'join' && f.topic === topic && (f.member as { user?: string }).user === 'Bob', 'the new name joining');
    assert.deepEqual(joined.member, { cid, user: 'Bob' });
    const leaves = watcher.frames.filter((f) => f.op === 'leave' && f.topic === topic);
    assert.deepEqual(leaves.map((f) => f.member), [{ cid, user: 'Alice' }], 'one leave, under the old name');
    const refusal = await member.next((f) => f.op === 'error', 'the presence the new claim does not name');
    assert.equal(refusal.code, 'forbidden');
    assert.match(String(refusal.message), /page:10/);
    watcher.send({ op: 'presence', topics: ['page:9', 'page:10'], ref: 'who' });
    const page9 = await watcher.next((f) => f.op === 'presence' && f.topic === topic, 'who is on page 9');
    const page10 = await watcher.next((f) => f.op === 'presence' && f.topic === `${wiki.id}:page:10`, 'who is on page 10');
    assert.deepEqual((page9.members as Array<{ user: string }>).map((m) => m.user).sort(), ['Bob', 'Carol']);
    assert.deepEqual(page10.members, []);
    assert.equal(member.frames.some((f) => f.op === 'unsubscribed'), false, 'page 10 is still readable: only its presence is gone');
  });

  it("refuses another wiki's token, another client id and bad tokens, keeping the connection and its token", async () => {
    const client = await open({ token: await signToken(wiki, { sub: 'Keep', cid: 'WSkeep', send: ['*'] }) });
    const refusals: Array<[string, string]> = [
      [await signToken(other, { sub: 'Keep', cid: 'WSkeep' }), 'forbidden'],
      [await signToken(wiki, { sub: 'Keep', cid: 'WSsomeoneElse' }), 'forbidden'],
      [await signToken(wiki, { sub: 'Keep', cid: 'WSkeep', ttlS: -60 }), 'unauthorized'],
      [await signToken(wiki, { sub: 'Keep', secret: 'x'.repeat(40) }), 'unauthorized'],
      ['not-a-jwt', 'unauthorized'],
    ];
    for (const [n, [token, code]] of refusals.entries()) {
      client.send({ op: 'auth', token, ref: `auth-${n}` });
      const answer = await client.next((f) => f.ref === `auth-${n}`, `the answer to auth ${n}`);
      assert.equal(answer.op, 'error');
      assert.equal(answer.code, code, `auth ${n}: ${String(answer.message)}`);
    }
    client.send({ op: 'send', topic: 'kept', type: 't', ref: 'still' });
    assert.equal((await client.next((f) => f.ref === 'still', 'a send with the kept token')).op, 'ack');
    assert.equal(client.closeCode, null);
  });
});
