import { strict as assert } from 'node:assert';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { signToken, SseReader, testWiki, waitFor, type ServiceProcess, type SseMessage, type TokenOptions } from '@wikicast/test/support';
import { metricValue, setupEdgeWorld, wikiEvent, type EdgeWorld } from './harness.js';

/** `GET /v1/sse` on the real RabbitMQ: the stream format, permissions, refusals, disconnects and resume. */
describe('edge SSE', () => {
  const wiki = testWiki('ssewiki');
  const open = testWiki('ssepublic', { public: true });
  const other = testWiki('sseother');
  let world: EdgeWorld;
  const readers: SseReader[] = [];

  before(async () => {
    world = await setupEdgeWorld('edge-sse', [wiki, open, other], 0);
    await world.startEdge({ WIKICAST_EDGE_SSE_HEARTBEAT_S: '1' });
  });
  after(async () => {
    for (const reader of readers) reader.close();
    await world?.cleanup();
  });

  function sseUrl(query: Record<string, string>, edge: ServiceProcess = world.edges[0]!): string {
    return `${edge.url}/v1/sse?${new URLSearchParams(query).toString()}`;
  }

  /** Opens a stream and waits for its headers (and, for a 200, for `welcome`). */
  async function sse(query: Record<string, string>, options: { headers?: Record<string, string>; edge?: ServiceProcess } = {}): Promise<SseReader> {
    const reader = new SseReader(sseUrl(query, options.edge), options.headers);
    readers.push(reader);
    await reader.opened;
    if (reader.status === 200) await reader.next((m) => m.event === 'wikicast.subscribed', 'subscribed');
    return reader;
  }

  async function tokenReader(topics: string[], claims: TokenOptions = {}, extra: Record<string, string> = {}): Promise<SseReader> {
    return sse({ topics: topics.join(','), token: await signToken(wiki, { sub: 'Reader', ...claims }), ...extra });
  }

  const byId = (id: string) => (m: SseMessage) => m.json.id === id;
  const idsOn = (reader: SseReader, topic: string): string[] => reader.events().filter((e) => e.topic === topic).map((e) => String(e.id));

  it('streams events as id: cursor, event: type, data: the event frame', async () => {
    const topic = `${wiki.id}:recentchange`;
    const reader = await tokenReader(['recentchange'], { cid: 'WSssefmt' });
    assert.equal(reader.headers!.get('content-type'), 'text/event-stream');
    assert.equal(reader.headers!.get('cache-control'), 'no-cache');
    const welcome = reader.messages[0]!;
    assert.equal(welcome.event, 'wikicast.welcome');
    assert.deepEqual({ op: welcome.json.op, cid: welcome.json.cid, edge: welcome.json.edge }, { op: 'welcome', cid: 'WSssefmt', edge: 'edge1' });
    assert.deepEqual(reader.messages[1]!.json, { op: 'subscribed', topics: [topic] }, 'a bare name is scoped to the wiki');

    const events = Array.from({ length: 5 }, (_, n) => wikiEvent(wiki.id, topic, { type: n % 2 ? 'edit' : 'new', msg: { n, text: 'two\nlines' } }));
    await world.publish(...events);
    await reader.next(byId(events[4]!.id), 'the last event');
    const got = reader.messages.filter((m) => m.json.op === 'event');
    assert.deepEqual(got.map((m) => m.json.id), events.map((e) => e.id));
    for (const [n, message] of got.entries()) {
      assert.equal(message.id, message.json.cursor, 'id is the cursor');
      assert.equal(message.event, events[n]!.type);
      assert.deepEqual(message.json.msg, { n, text: 'two\nlines' });
      assert.equal(message.json.topic, topic);
    }
  });

  it('delivers audience and `to` events only to the readers they allow', async () => {
    const topic = `${wiki.id}:private`;
    const alice = await tokenReader([topic], { sub: 'Alice', cid: 'WSssealice' });
    const bob = await tokenReader([topic], { sub: 'Bob', cid: 'WSssebob', groups: ['sysop'] });
    const anon = await sse({ topics: `${open.id}:private`, wiki: open.id });
    const toAlice = wikiEvent(wiki.id, topic, { to: ['WSssealice'] });
    const sysops = wikiEvent(wiki.id, topic, { audience: { groups: ['sysop'] } });
    const nobody = wikiEvent(wiki.id, topic, { audience: {} });
    const all = wikiEvent(wiki.id, topic);
    const openAudience = wikiEvent(open.id, `${open.id}:private`, { audience: { users: ['Alice'] } });
    const openAll = wikiEvent(open.id, `${open.id}:private`);
    await world.publish(toAlice, sysops, nobody, all, openAudience, openAll);
    for (const reader of [alice, bob]) await reader.next(byId(all.id), 'the public event');
    await anon.next(byId(openAll.id), "the public wiki's public event");
    assert.deepEqual(idsOn(alice, topic), [toAlice.id, all.id]);
    assert.deepEqual(idsOn(bob, topic), [sysops.id, all.id]);
    assert.deepEqual(anon.events().map((e) => e.id), [openAll.id], 'an anonymous reader is in no audience');
  });

  it('refuses before the stream starts: 401 without a valid token, 400 bad topics, 403 foreign topics', async () => {
    const refusal = async (query: Record<string, string>): Promise<[number, unknown]> => {
      const reader = await sse(query);
      assert.equal(reader.headers!.get('content-type'), 'application/json');
      return [reader.status, reader.body!.code];
    };
    const token = await signToken(wiki, { sub: 'Reader' });
    const before = await metricValue(world.edges[0]!, 'wikicast_edge_disconnects_total', { reason: 'unauthorized' });
    assert.deepEqual(await refusal({ topics: 'x', wiki: wiki.id }), [401, 'unauthorized'], 'anonymous on a non-public wiki');
    assert.deepEqual(await refusal({ topics: 'x' }), [401, 'unauthorized'], 'neither token nor wiki');
    assert.deepEqual(await refusal({ topics: 'x', token: await signToken(wiki, { secret: other.secret }) }), [401, 'unauthorized']);
    assert.deepEqual(await refusal({ topics: 'x', token: await signToken(wiki, { ttlS: -60 }) }), [401, 'unauthorized'], 'expired');
    assert.deepEqual(await refusal({ topics: `ok,${other.id}:recentchange`, token }), [403, 'foreign_topic']);
    assert.deepEqual(await refusal({ topics: 'has space', token }), [400, 'invalid_topic']);
    assert.deepEqual(await refusal({ token }), [400, 'invalid_topic'], 'no topics');
    assert.deepEqual(await refusal({ topics: `${other.id}:x`, wiki: open.id }), [403, 'foreign_topic'], 'anonymous readers are scoped too');
    assert.equal(await metricValue(world.edges[0]!, 'wikicast_edge_disconnects_total', { reason: 'unauthorized' }), before + 4);
  });

  it('counts a reader that goes away in the connection gauge and the disconnects', async () => {
    const edge = world.edges[0]!;
    const connections = () => metricValue(edge, 'wikicast_edge_connections', { transport: 'sse' });
    const base = await connections();
    const closedBefore = await metricValue(edge, 'wikicast_edge_disconnects_total', { reason: 'client_closed' });
    const reader = await tokenReader([`${wiki.id}:gone`]);
    assert.equal(await connections(), base + 1);
    reader.close();
    await waitFor('the gauge to drop', async () => (await connections()) === base);
    assert.equal(await metricValue(edge, 'wikicast_edge_disconnects_total', { reason: 'client_closed' }), closedBefore + 1);
  });

  it('sends comment heartbeats', async () => {
    const reader = await tokenReader([`${wiki.id}:quiet`]);
    await waitFor('a heartbeat', () => reader.comments.includes('ping'), { timeoutMs: 5_000 });
  });

  it('resumes from Last-Event-ID (or ?since= / ?lastEventId=) with exactly the missed events, then live', async () => {
    const topic = `${wiki.id}:resume`;
    const first = await tokenReader([topic]);
    const seen = Array.from({ length: 5 }, () => wikiEvent(wiki.id, topic));
    await world.publish(...seen);
    const last = await first.next(byId(seen[4]!.id), 'the last seen event');
    first.close();
    const missed = Array.from({ length: 7 }, () => wikiEvent(wiki.id, topic));
    await world.publish(...missed, wikiEvent(wiki.id, `${wiki.id}:elsewhere`));

    const resumed = [
      await sse({ topics: topic, token: await signToken(wiki) }, { headers: { 'last-event-id': last.id! } }),
      await tokenReader([topic], {}, { since: last.id! }),
      await tokenReader([topic], {}, { lastEventId: last.id! }),
    ];
    const live = wikiEvent(wiki.id, topic);
    await world.publish(live);
    for (const reader of resumed) {
      await reader.next(byId(live.id), 'the live event after the replay');
      assert.deepEqual(idsOn(reader, topic), [...missed.map((e) => e.id), live.id]);
      assert.equal(reader.messages[0]!.id, null, "a resuming reader's welcome leaves its id as it was");
    }
  });

  it("gives a fresh reader the edge's position as its first id, so a reconnect before any event misses nothing", async () => {
    const topic = `${wiki.id}:fresh`;
    await world.publish(wikiEvent(wiki.id, `${wiki.id}:warmup`));
    const fresh = await tokenReader([topic]);
    const position = fresh.messages[0]!.id;
    assert.ok(position !== null && position === fresh.messages[0]!.json.cursor);
    fresh.close();
    const missed = wikiEvent(wiki.id, topic);
    await world.publish(missed);
    const again = await sse({ topics: topic, token: await signToken(wiki) }, { headers: { 'last-event-id': position } });
    await again.next(byId(missed.id), 'the event published between the two connections');
    assert.deepEqual(idsOn(again, topic), [missed.id]);
  });

  it('ends the stream of a reader that stops reading (too_slow), and others go on', async () => {
    const edge = await world.startEdge({ WIKICAST_EDGE_MAX_BUFFERED_BYTES: String(64 * 1024) });
    const topic = `${wiki.id}:firehose`;
    const token = await signToken(wiki, { sub: 'Slow' });
    const before = await metricValue(edge, 'wikicast_edge_disconnects_total', { reason: 'too_slow' });
    const socket = connect(edge.port, '127.0.0.1');
    const socketClosed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => {});
    socket.write(`GET /v1/sse?topics=${topic}&token=${token} HTTP/1.1\r\nHost: edge\r\n\r\n`);
    socket.pause();
    const healthy = await sse({ topics: topic, token: await signToken(wiki) }, { edge });
    await waitFor('the slow reader to be connected', async () => (await metricValue(edge, 'wikicast_edge_connections', { transport: 'sse' })) === 2);
    // Enough to fill both kernels' socket buffers on loopback and then the edge's limit.
    const big = 'x'.repeat(16 * 1024);
    for (let batch = 0; batch < 40; batch++) {
      await world.publish(...Array.from({ length: 25 }, () => wikiEvent(wiki.id, topic, { msg: { big } })));
      if ((await metricValue(edge, 'wikicast_edge_disconnects_total', { reason: 'too_slow' })) > before) break;
    }
    await waitFor('the slow reader to be cut', async () => (await metricValue(edge, 'wikicast_edge_disconnects_total', { reason: 'too_slow' })) === before + 1);
    socket.destroy();
    await socketClosed;
    const marker = wikiEvent(wiki.id, topic);
    await world.publish(marker);
    await healthy.next(byId(marker.id), 'the marker on the healthy reader', 30_000);
    assert.equal(await metricValue(edge, 'wikicast_edge_connections', { transport: 'sse' }), 1);
  });

  it('ends the stream when the token expires: wikicast.error token_expired, then wikicast.close 4001', async () => {
    const before = await metricValue(world.edges[0]!, 'wikicast_edge_disconnects_total', { reason: 'token_expired' });
    const reader = await tokenReader([`${wiki.id}:expiring`], { ttlS: 2 });
    const error = await reader.next((m) => m.event === 'wikicast.error', 'the expiry error', 10_000);
    assert.equal(error.json.code, 'token_expired');
    const close = await reader.next((m) => m.event === 'wikicast.close', 'the close message');
    assert.equal(close.json.code, 4001);
    await waitFor('the stream to end', () => reader.ended);
    assert.equal(await metricValue(world.edges[0]!, 'wikicast_edge_disconnects_total', { reason: 'token_expired' }), before + 1);
  });

  it('ends every stream with wikicast.close 1012 when the edge shuts down', async () => {
    const edge = await world.startEdge();
    const reader = await sse({ topics: `${wiki.id}:bye`, token: await signToken(wiki) }, { edge });
    await edge.stop();
    const close = await reader.next((m) => m.event === 'wikicast.close', 'the close message');
    assert.equal(close.json.code, 1012);
    await waitFor('the stream to end', () => reader.ended);
  });
});
