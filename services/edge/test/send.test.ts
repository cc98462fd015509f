import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { closeConnectionsNamed, signToken, testWiki, waitFor, type TestClient } from '@wikicast/test/support';
import { metricValue, setupEdgeWorld, subscribe, wikiEvent, type EdgeWorld } from './harness.js';

/** Client sends on the real RabbitMQ, across two edges: routing by `to`, `from`, rights, acks after confirms, rate limits. */
describe('edge sends', () => {
  const wiki = testWiki('sendwiki');
  const other = testWiki('sendother', { public: true });
  let world: EdgeWorld;

  before(async () => {
    // A rate high enough for the reconnect test's stream of sends; the rate-limit test starts its own edge.
    world = await setupEdgeWorld('edge-send', [wiki, other], 2, { WIKICAST_EDGE_SEND_RATE: '1000', WIKICAST_EDGE_SEND_BURST: '1000' });
  });
  after(async () => {
    await world?.cleanup();
  });

  async function client(options: Parameters<typeof signToken>[1] = {}, edge = 0): Promise<TestClient> {
    const connection = await world.connect({ token: await signToken(wiki, { sub: 'Sender', ...options }) }, world.edges[edge]);
    await connection.next((f) => f.op === 'welcome', 'welcome');
    return connection;
  }

  /** Sends an `op: send` frame and waits for its ack or error. */
  async function send(sender: TestClient, frame: Record<string, unknown>): Promise<Record<string, unknown>> {
    const ref = `send-${randomUUID()}`;
    sender.send({ op: 'send', ...frame, ref });
    return sender.next((f) => (f.op === 'ack' || f.op === 'error') && f.ref === ref, `the answer to send ${ref}`);
  }

  it('delivers a send with `to` only to that client id, on another edge', async () => {
    const topic = `${wiki.id}:direct`;
    const a = await client({ cid: 'WSsendA', send: ['*'] }, 0);
    const b = await client({ cid: 'WSsendB' }, 1);
    const c = await client({ cid: 'WSsendC' }, 1);
    const d = await client({ cid: 'WSsendD' }, 0);
    for (const reader of [b, c, d]) await subscribe(reader, [topic]);

    const ack = await send(a, { topic, type: 'note', msg: { text: 'for B' }, to: ['WSsendB'] });
    assert.equal(ack.op, 'ack', JSON.stringify(ack));
    assert.match(String(ack.id), /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'a UUIDv7');
    const got = await b.next((f) => f.id === ack.id, 'the direct event at B');
    assert.equal(got.topic, topic);
    assert.equal(got.type, 'note');
    assert.equal(got.from, 'WSsendA');
    assert.equal(got.wiki, wiki.id);
    assert.deepEqual(got.to, ['WSsendB']);
    assert.deepEqual(got.msg, { text: 'for B' });
    assert.equal(typeof got.cursor, 'string');

    const sentinel = wikiEvent(wiki.id, topic, { type: 'sentinel' });
    await world.publish(sentinel);
    for (const reader of [b, c, d]) await reader.next((f) => f.id === sentinel.id, 'the sentinel');
    assert.deepEqual(b.events().map((e) => e.id), [ack.id, sentinel.id]);
    assert.deepEqual(c.events().map((e) => e.id), [sentinel.id], 'C, on the same topic and edge as B, did not get it');
    assert.deepEqual(d.events().map((e) => e.id), [sentinel.id], "D, on the sender's edge, did not get it");
  });

  it("takes the seed's frame without op (topic = type, `to` as a string) and never trusts its `from`", async () => {
    const sender = await client({ cid: 'WSseed1', send: ['FooDataChanged'] }, 0);
    const reader = await client({ cid: 'WSseedR' }, 1);
    const target = await client({ cid: 'WSseedT' }, 1);
    await subscribe(reader, ['FooDataChanged']);
    await subscribe(target, [`${wiki.id}:FooDataChanged`]);

    sender.send({ type: 'FooDataChanged', msg: { page: 7 }, from: 'WSforged' });
    const ack = await sender.next((f) => f.op === 'ack' || f.op === 'error', 'the answer to the seed frame');
    assert.equal(ack.op, 'ack', JSON.stringify(ack));
    assert.equal(ack.ref, undefined, 'the seed frame has no ref');
    const got = await reader.next((f) => f.id === ack.id, 'the seed event');
    assert.equal(got.topic, `${wiki.id}:FooDataChanged`, 'a bare name is scoped to the wiki');
    assert.equal(got.type, 'FooDataChanged');
    assert.equal(got.from, 'WSseed1', "the sender's real cid, not the forged one");
    assert.deepEqual(got.msg, { page: 7 });
    assert.equal(got.to, undefined);

    sender.send({ type: 'FooDataChanged', msg: 'just you', to: 'WSseedT' });
    const direct = await sender.next((f) => f.op === 'ack' && f.id !== ack.id, 'the answer to the seed frame with `to`');
    await target.next((f) => f.id === direct.id, 'the seed event with `to` at its target');
    const marker = wikiEvent(wiki.id, `${wiki.id}:FooDataChanged`, { type: 'marker' });
    await world.publish(marker);
    await reader.next((f) => f.id === marker.id, 'the marker');
    assert.deepEqual(reader.events().map((e) => e.id), [ack.id, marker.id], 'the direct one reached only its target');

    const forged = await send(sender, { topic: 'FooDataChanged', type: 'FooDataChanged', from: 'WSforged' });
    assert.equal(forged.code, 'invalid_frame', '`from` is no field of an op: send frame');
  });

  it("refuses sends outside the token's patterns, from anonymous readers and to other wikis, publishing nothing", async () => {
    const topic = `${wiki.id}:guarded`;
    const reader = await client({ cid: 'WSguardR' });
    await subscribe(reader, [topic]);
    const typed = await client({ send: ['allowed-*'] });
    const byTopic = await client({ send: [`${wiki.id}:guarded`] });
    const readOnly = await client();
    const anonymous = await world.connect({ wiki: other.id });
    await anonymous.next((f) => f.op === 'welcome', 'welcome');

    const refusals = [
      await send(typed, { topic, type: 'other' }),
      // A pattern governs the topic: a matching type opens no other topic.
      await send(typed, { topic, type: 'allowed-1' }),
      await send(byTopic, { topic: `${wiki.id}:elsewhere`, type: 'x' }),
      await send(readOnly, { topic, type: 'allowed-1' }),
      await send(anonymous, { topic: 'guarded', type: 'x' }),
    ];
    assert.deepEqual(refusals.map((r) => r.code), ['forbidden', 'forbidden', 'forbidden', 'forbidden', 'forbidden'], JSON.stringify(refusals));
    assert.equal((await send(typed, { topic: `${other.id}:guarded`, type: 'allowed-1' })).code, 'foreign_topic');
    assert.equal((await send(typed, { topic: 'has space', type: 'allowed-1' })).code, 'invalid_topic');

    // The seed's send: topic = type, which the bare pattern allows.
    const guardedReader = await client({ cid: 'WSguardT' });
    await subscribe(guardedReader, [`${wiki.id}:allowed-1`]);
    const byType = await send(typed, { type: 'allowed-1' });
    const topicMatch = await send(byTopic, { topic: 'guarded', type: 'anything' });
    assert.equal(byType.op, 'ack', JSON.stringify(byType));
    assert.equal(topicMatch.op, 'ack', JSON.stringify(topicMatch));
    await reader.next((f) => f.id === topicMatch.id, 'the allowed event on the guarded topic');
    await guardedReader.next((f) => f.id === byType.id, 'the seed-style send on its own topic');
    assert.deepEqual(reader.events().map((e) => e.id), [topicMatch.id], 'nothing refused was published');
  });

  it("refuses sends to the wiki's own topics whatever the patterns, and subscriptions to another user's own topic", async () => {
    const owned = ['recentchange', 'page:12', `${wiki.id}:user:Alice`, 'user:Sender'];
    const sender = await client({ send: ['*'] });
    const answers = [];
    for (const topic of owned) answers.push(await send(sender, { topic, type: 'edit', msg: { comment: 'forged' } }));
    assert.deepEqual(answers.map((a) => a.code), owned.map(() => 'forbidden'), JSON.stringify(answers));
    assert.match(String(answers[0]?.message), /only the wiki publishes there/);

    // Alice may read her own topic; Bob and an anonymous reader may not, by WebSocket or SSE.
    const alice = await world.connect({ token: await signToken(wiki, { sub: 'Alice' }) });
    await subscribe(alice, ['user:Alice']);
    const bob = await world.connect({ token: await signToken(wiki, { sub: 'Bob' }) });
    await bob.next((f) => f.op === 'welcome', 'welcome');
    bob.send({ op: 'subscribe', topics: ['recentchange', 'user:Alice'], ref: 'peek' });
    const refused = await bob.next((f) => f.op === 'error' && f.ref === 'peek', 'the refusal');
    assert.equal(refused.code, 'forbidden');
    assert.match(String(refused.message), /only that user may subscribe/);
    const sse = await fetch(`${world.edges[0]!.url}/v1/sse?topics=user:Alice&token=${await signToken(wiki, { sub: 'Bob' })}`);
    assert.equal(sse.status, 403);
    assert.equal(((await sse.json()) as { code: string }).code, 'forbidden');

    // What the wiki publishes on Alice's topic reaches Alice; Bob's refused frame subscribed him to nothing.
    const notice = wikiEvent(wiki.id, `${wiki.id}:user:Alice`, { type: 'watch', audience: { users: ['Alice'] } });
    const open = wikiEvent(wiki.id, `${wiki.id}:recentchange`, { type: 'edit' });
    await world.publish(notice);
    await world.publish(open);
    await alice.next((f) => f.id === notice.id, 'the notice at Alice');
    await subscribe(bob, ['recentchange']);
    const after = wikiEvent(wiki.id, `${wiki.id}:recentchange`, { type: 'edit' });
    await world.publish(after);
    await bob.next((f) => f.id === after.id, 'the later change at Bob');
    assert.ok(!bob.events().some((e) => e.id === notice.id), "Alice's notice never reached Bob");
  });

  it('acks only what RabbitMQ confirmed: acked events are in the stream, and every send is answered when the broker connection drops', async () => {
    const sender = await client({ send: ['*'] }, 0);
    const first = await send(sender, { topic: 'confirmed', type: 'check' });
    assert.equal(first.op, 'ack');
    const log = await world.topology.readLog();
    assert.ok(log.some((entry) => entry.event.id === first.id), 'the acked event is in the stream when the ack arrives');

    // Sends every few ms while RabbitMQ closes the edge's connection and the edge reconnects.
    const refs: string[] = [];
    const unavailable = (): boolean => sender.frames.some((f) => f.op === 'error' && f.code === 'unavailable');
    const sending = setInterval(() => {
      const ref = `drop-${refs.length}`;
      refs.push(ref);
      sender.send({ op: 'send', topic: 'confirmed', type: 'burst', ref });
    }, 5);
    try {
      assert.ok((await closeConnectionsNamed(`${world.topology.prefix}-edge-edge1`)) >= 1, "the edge's broker connection was closed");
      await waitFor('a send refused while the edge reconnects', unavailable);
    } finally {
      clearInterval(sending);
    }
    const answers = await Promise.all(refs.map((ref) => sender.next((f) => f.ref === ref, `the answer to ${ref}`, 20_000)));
    for (const answer of answers) {
      assert.ok(answer.op === 'ack' || (answer.op === 'error' && answer.code === 'unavailable'), JSON.stringify(answer));
    }
    const acked = answers.filter((a) => a.op === 'ack').map((a) => a.id);
    const stored = new Set((await world.topology.readLog()).map((entry) => entry.event.id));
    assert.deepEqual(acked.filter((id) => !stored.has(id)), [], 'every acked event is stored');

    // The edge reconnects, and sends are acked again.
    await waitFor('a send acked after the reconnect', async () => (await send(sender, { topic: 'confirmed', type: 'after' })).op === 'ack', { intervalMs: 100 });
  });

  it('closes a connection that sends faster than its rate with rate_limited and 4008', async () => {
    const edge = await world.startEdge({ WIKICAST_EDGE_SEND_RATE: '2', WIKICAST_EDGE_SEND_BURST: '5' });
    const connection = await world.connect({ token: await signToken(wiki, { sub: 'Flood', send: ['*'] }) }, edge);
    await connection.next((f) => f.op === 'welcome', 'welcome');
    for (let n = 0; n < 20; n++) connection.send({ op: 'send', topic: 'flood', type: 'f', ref: n });
    const refusal = await connection.next((f) => f.op === 'error', 'the rate_limited error');
    assert.equal(refusal.code, 'rate_limited');
    assert.equal(refusal.ref, 5, 'the first send over the burst');
    assert.equal(await connection.closed(), 4008);
    assert.ok(connection.frames.filter((f) => f.op === 'ack').length <= 5, 'no send over the burst was acked');
    await waitFor('the rate_limited disconnect to be counted', async () => (await metricValue(edge, 'wikicast_edge_disconnects_total', { reason: 'rate_limited' })) === 1);
  });
});
