import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { signToken, testWiki, type Frame, type TestClient } from '@wikicast/test/support';
import { metricValue, setupEdgeWorld, subscribe, type EdgeWorld } from './harness.js';
import { EXPIRY_MS } from '../src/presence/presence-bus.js';

/** How long a join or leave may take to reach another edge's members (issue 18: within 1 s). */
const PROPAGATION_MS = 1000;
/** SPEC: a dead edge's members are gone for everyone within 15 s; this edge's bound (docs/presence.md). */
const DEAD_EDGE_BOUND_MS = EXPIRY_MS + 1000;

/** Presence across edges on the real RabbitMQ (SPEC "Presence", docs/presence.md). */
describe('presence', () => {
  const wiki = testWiki('presencewiki', { public: true });
  const other = testWiki('presenceother', { public: true });
  let world: EdgeWorld;

  before(async () => {
    world = await setupEdgeWorld('edge-presence', [wiki, other], 2);
  });
  after(async () => {
    await world?.cleanup();
  });

  /** A connection with a token of `user` (`null`: a token without a user, an anonymous reader's). */
  async function member(user: string | null, edge = 0, otherWiki = false, claims: { presence?: string[] } = {}): Promise<TestClient> {
    const target = otherWiki ? other : wiki;
    const query: Record<string, string> = { token: await signToken(target, { ...(user === null ? {} : { sub: user }), ...claims }) };
    const client = await world.connect(query, world.edges[edge]);
    await client.next((f) => f.op === 'welcome', 'welcome');
    return client;
  }

  async function join(client: TestClient, topic: string): Promise<void> {
    const answer = await subscribe(client, [topic], { presence: true });
    assert.equal(answer.op, 'subscribed', JSON.stringify(answer));
  }

  async function presence(client: TestClient, topic: string): Promise<Frame> {
    const ref = `p-${Math.random()}`;
    client.send({ op: 'presence', topics: [topic], ref });
    return client.next((f) => (f.op === 'presence' || f.op === 'error') && f.ref === ref, `the presence of ${topic}`);
  }

  const named = (frame: Frame): string[] => ((frame.members as Array<{ user: string }>) ?? []).map((m) => m.user).sort();

  it("shows each member the others' joins across edges within a second, its own first, and leaves on close", async () => {
    const topic = `${wiki.id}:page:1`;
    const alice = await member('Alice', 0);
    await join(alice, 'page:1');
    const own = await alice.next((f) => f.op === 'join', "Alice's own join");
    assert.deepEqual(own, { op: 'join', topic, member: { cid: own.member && (own.member as { cid: string }).cid, user: 'Alice' }, anonymous: 0 });

    const bob = await member('Bob', 1);
    const started = Date.now();
    await join(bob, 'page:1');
    const seen = await alice.next((f) => f.op === 'join' && (f.member as { user?: string }).user === 'Bob', "Bob's join at Alice", PROPAGATION_MS);
    assert.ok(Date.now() - started <= PROPAGATION_MS, `took ${Date.now() - started} ms`);
    assert.equal(seen.topic, topic);
    // Bob's edge learned Alice from the other edge's snapshot or join.
    assert.deepEqual(named(await presence(bob, 'page:1')), ['Alice', 'Bob']);

    bob.close();
    const left = await alice.next((f) => f.op === 'leave' && (f.member as { user?: string }).user === 'Bob', "Bob's leave at Alice", PROPAGATION_MS);
    assert.equal(left.topic, topic);
    assert.deepEqual(named(await presence(alice, 'page:1')), ['Alice']);
  });

  it('counts anonymous members without listing them, and unsubscribing leaves', async () => {
    const watcher = await member('Watcher', 0);
    await join(watcher, 'page:2');
    const anonymous = await member(null, 1);
    await join(anonymous, 'page:2');
    const ownJoin = await anonymous.next((f) => f.op === 'join' && f.anonymous === 1, 'the anonymous member sees its own join');
    assert.ok(typeof (ownJoin.member as { cid?: string }).cid === 'string', 'with its own cid');
    const seen = await watcher.next((f) => f.op === 'join' && f.anonymous === 1, 'the anonymous join at Watcher', PROPAGATION_MS);
    assert.deepEqual(seen.member, {}, 'neither cid nor user');
    const state = await presence(watcher, 'page:2');
    assert.deepEqual(state.members, [{ cid: (watcher.frames.find((f) => f.op === 'welcome')!.cid as string), user: 'Watcher' }]);
    assert.equal(state.anonymous, 1);
    assert.equal(state.total, 2);

    anonymous.send({ op: 'unsubscribe', topics: ['page:2'], ref: 'u' });
    await watcher.next((f) => f.op === 'leave' && f.anonymous === 0, 'the anonymous leave', PROPAGATION_MS);
  });

  it("refuses presence of another wiki's topic and of another user's own topic; another wiki's members are never shown", async () => {
    const stranger = await member('Stranger', 0, true);
    const foreign = await presence(stranger, `${wiki.id}:page:1`);
    assert.equal(foreign.op, 'error');
    assert.equal(foreign.code, 'foreign_topic');
    stranger.send({ op: 'subscribe', topics: [`${wiki.id}:page:1`], presence: true, ref: 'join-foreign' });
    assert.equal((await stranger.next((f) => f.ref === 'join-foreign', 'the refused join')).code, 'foreign_topic');
    // The same page number on its own wiki is another topic: nobody of the first wiki is in it.
    assert.deepEqual(named(await presence(stranger, 'page:1')), []);

    const nosy = await member('Nosy', 1);
    const refused = await presence(nosy, 'user:Alice');
    assert.equal(refused.code, 'forbidden');
  });

  it("keeps to the pages the token's presence claim names, and gives connections without a token none", async () => {
    const reader = await member('Reader', 0, false, { presence: ['page:5', 'page:5:editing'] });
    assert.equal((await presence(reader, 'page:5')).op, 'presence');
    assert.equal((await presence(reader, `${wiki.id}:page:5:editing`)).op, 'presence');
    const elsewhere = await presence(reader, 'page:6');
    assert.equal(elsewhere.code, 'forbidden');
    assert.match(String(elsewhere.message), /presence claim/);
    reader.send({ op: 'subscribe', topics: ['page:5', 'page:6'], presence: true, ref: 'both' });
    assert.equal((await reader.next((f) => f.ref === 'both', 'the answer')).code, 'forbidden', 'all or nothing');

    const tokenless = await world.connect({ wiki: wiki.id });
    await tokenless.next((f) => f.op === 'welcome', 'welcome');
    assert.equal((await presence(tokenless, 'page:5')).code, 'forbidden');
    tokenless.send({ op: 'subscribe', topics: ['page:5'], ref: 'plain' });
    assert.equal((await tokenless.next((f) => f.ref === 'plain', 'the answer')).op, 'subscribed', 'it may still read the events');
  });

  it("drops a killed edge's members within the bound, and an edge started later knows the members", async () => {
    const topic = 'page:3';
    const stay = await member('Stays', 0);
    await join(stay, topic);
    const doomed = await member('Doomed', 1);
    await join(doomed, topic);
    await stay.next((f) => f.op === 'join' && (f.member as { user?: string }).user === 'Doomed', "Doomed's join", PROPAGATION_MS);

    const killedAt = Date.now();
    world.edges[1]!.child.kill('SIGKILL');
    await stay.next((f) => f.op === 'leave' && (f.member as { user?: string }).user === 'Doomed', "Doomed's leave after the kill", DEAD_EDGE_BOUND_MS + 2000);
    const took = Date.now() - killedAt;
    assert.ok(took <= DEAD_EDGE_BOUND_MS, `the dead edge's members went after ${took} ms`);

    const late = await world.startEdge();
    const newcomer = await member('Newcomer', world.edges.indexOf(late));
    assert.deepEqual(named(await presence(newcomer, topic)), ['Stays']);
    assert.ok((await metricValue(late, 'wikicast_edge_presence_members', { scope: 'cluster' })) >= 1);
  });
});
