import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { decodeCursor } from '@wikicast/protocol';
import { signToken, testWiki, type TestClient } from '@wikicast/test/support';
import { metricValue, setupEdgeWorld, subscribe, wikiEvent, type EdgeWorld } from './harness.js';

/** Live delivery on the real RabbitMQ: subscribe, cursors, topic scoping, restricted events. */
describe('edge live delivery', () => {
  const wiki = testWiki('delwiki');
  const other = testWiki('delother');
  let world: EdgeWorld;

  before(async () => {
    world = await setupEdgeWorld('edge-delivery', [wiki, other]);
  });
  after(async () => {
    await world?.cleanup();
  });

  async function reader(options: Parameters<typeof signToken>[1] = {}): Promise<TestClient> {
    const client = await world.connect({ token: await signToken(wiki, { sub: 'Reader', ...options }) });
    await client.next((f) => f.op === 'welcome', 'welcome');
    return client;
  }

  it('welcomes with cid, edge and cursor; a token cid is kept', async () => {
    const assigned = await reader();
    const welcome = assigned.frames[0]!;
    assert.equal(welcome.op, 'welcome');
    assert.match(String(welcome.cid), /^WS[0-9a-f]{12}$/);
    assert.equal(welcome.edge, 'edge1');
    assert.ok(welcome.cursor === null || typeof welcome.cursor === 'string');
    const named = await reader({ cid: 'WSfixed1' });
    assert.equal(named.frames[0]!.cid, 'WSfixed1');
  });

  it('delivers to subscribers with a cursor, in order, and nothing to others', async () => {
    const topic = `${wiki.id}:recentchange`;
    const a = await reader();
    const b = await reader();
    const bystander = await reader();
    const answer = await subscribe(a, [topic]);
    assert.deepEqual(answer.topics, [topic]);
    assert.equal((await subscribe(b, ['recentchange'])).op, 'subscribed', 'a bare name is scoped to the wiki');
    await subscribe(bystander, [`${wiki.id}:elsewhere`]);

    const events = Array.from({ length: 25 }, (_, n) => wikiEvent(wiki.id, topic, { msg: { n } }));
    const sentinel = wikiEvent(wiki.id, `${wiki.id}:elsewhere`, { type: 'sentinel' });
    await world.publish(...events, sentinel);

    for (const client of [a, b]) {
      await client.next((f) => f.id === events.at(-1)!.id, 'the last event');
      const got = client.events();
      assert.deepEqual(got.map((e) => e.id), events.map((e) => e.id));
      const offsets = got.map((e) => decodeCursor(String(e.cursor))!.offset);
      assert.deepEqual([...offsets].sort((x, y) => x - y), offsets, 'cursors follow stream order');
      assert.equal(got[0]!.type, 'edit');
      assert.deepEqual(got[3]!.msg, { n: 3 });
    }
    assert.deepEqual(a.events().map((e) => e.cursor), b.events().map((e) => e.cursor));
    await bystander.next((f) => f.id === sentinel.id, 'the sentinel');
    assert.deepEqual(bystander.events().map((e) => e.id), [sentinel.id]);
  });

  it('stops delivering after unsubscribe', async () => {
    const topic = `${wiki.id}:unsub`;
    const client = await reader();
    await subscribe(client, [topic, `${wiki.id}:keep`]);
    client.send({ op: 'unsubscribe', topics: [topic], ref: 7 });
    const answer = await client.next((f) => f.op === 'unsubscribed', 'unsubscribed');
    assert.deepEqual(answer, { op: 'unsubscribed', topics: [topic], ref: 7 });
    const dropped = wikiEvent(wiki.id, topic);
    const kept = wikiEvent(wiki.id, `${wiki.id}:keep`);
    await world.publish(dropped, kept);
    await client.next((f) => f.id === kept.id, 'the kept event');
    assert.deepEqual(client.events().map((e) => e.id), [kept.id]);
  });

  it("refuses another wiki's topics and invalid names, subscribing to none of the frame", async () => {
    const client = await reader();
    const foreign = await subscribe(client, [`${wiki.id}:ok`, `${other.id}:recentchange`]);
    assert.equal(foreign.op, 'error');
    assert.equal(foreign.code, 'foreign_topic');
    const invalid = await subscribe(client, ['has space']);
    assert.equal(invalid.code, 'invalid_topic');
    client.send('{"op":"subscribe"');
    assert.equal((await client.next((f) => f.code === 'bad_json', 'bad_json')).op, 'error');
    client.send({ op: 'nope', ref: 'r1' });
    assert.equal((await client.next((f) => f.ref === 'r1', 'invalid_frame')).code, 'invalid_frame');

    const leak = wikiEvent(wiki.id, `${wiki.id}:ok`);
    const marker = wikiEvent(wiki.id, `${wiki.id}:marker`);
    await subscribe(client, ['marker']);
    await world.publish(leak, marker);
    await client.next((f) => f.id === marker.id, 'the marker');
    assert.deepEqual(client.events().map((e) => e.id), [marker.id], 'the refused frame subscribed nothing');
  });

  it('delivers `to` events only to those client ids and audience events only to their readers', async () => {
    const topic = `${wiki.id}:private`;
    const alice = await reader({ sub: 'Alice', cid: 'WSalice' });
    const bob = await reader({ sub: 'Bob', cid: 'WSbob', groups: ['sysop'] });
    const carol = await reader({ sub: 'Carol', cid: 'WScarol', groups: ['user'] });
    for (const client of [alice, bob, carol]) await subscribe(client, [topic]);
    const toAlice = wikiEvent(wiki.id, topic, { to: ['WSalice'] });
    const sysops = wikiEvent(wiki.id, topic, { audience: { groups: ['sysop'] } });
    const carolOnly = wikiEvent(wiki.id, topic, { audience: { users: ['Carol'] } });
    const nobody = wikiEvent(wiki.id, topic, { audience: {} });
    const all = wikiEvent(wiki.id, topic);
    await world.publish(toAlice, sysops, carolOnly, nobody, all);
    for (const client of [alice, bob, carol]) await client.next((f) => f.id === all.id, 'the public event');
    assert.deepEqual(alice.events().map((e) => e.id), [toAlice.id, all.id]);
    assert.deepEqual(bob.events().map((e) => e.id), [sysops.id, all.id]);
    assert.deepEqual(carol.events().map((e) => e.id), [carolOnly.id, all.id]);
  });

  it('skips invalid stream messages without stopping', async () => {
    const topic = `${wiki.id}:robust`;
    const client = await reader();
    await subscribe(client, [topic]);
    const good = wikiEvent(wiki.id, topic);
    await world.publish({ not: 'an event' }, wikiEvent(wiki.id, topic, { ts: 'yesterday' }), good);
    await client.next((f) => f.id === good.id, 'the valid event');
    assert.deepEqual(client.events().map((e) => e.id), [good.id]);
    assert.ok((await metricValue(world.edges[0]!, 'wikicast_edge_invalid_stream_messages_total')) >= 2);
  });

  it('exposes SPEC metrics', async () => {
    const edge = world.edges[0]!;
    const text = await (await fetch(`${edge.url}/metrics`)).text();
    for (const name of [
      'wikicast_edge_connections',
      'wikicast_edge_deliveries_total',
      'wikicast_edge_delivery_lag_seconds_bucket',
      'wikicast_edge_disconnects_total',
      'wikicast_edge_replayed_events_total',
    ]) {
      assert.ok(text.includes(name), `${name} is exported`);
    }
    assert.ok((await metricValue(edge, 'wikicast_edge_connections', { transport: 'ws' })) >= 3);
    assert.ok((await metricValue(edge, 'wikicast_edge_deliveries_total')) >= 50);
    assert.ok((await metricValue(edge, 'wikicast_edge_delivery_lag_seconds_count')) >= 25);
    assert.equal((await fetch(`${edge.url}/healthz`)).status, 200);
    assert.equal((await fetch(`${edge.url}/nope`)).status, 404);
  });
});
