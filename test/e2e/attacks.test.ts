import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  type Frame,
  metricValue,
  type ServiceProcess,
  type ServiceWorld,
  signToken,
  SseReader,
  startServiceWorld,
  TestClient,
  type TestTopology,
  testWiki,
  type TokenOptions,
} from '@wikicast/test/support';

/**
 * Attacks on a running ingest and two edges (WebSocket, SSE and ingest), each with the refusal
 * the docs promise and no effect on other clients. Started by the attack run of issue 21; every
 * probe that once got through has its regression test here, or, where it needs a setting of its
 * own, beside the part it attacks: a replay storm of anonymous readers in
 * services/edge/test/replay-storm.test.ts, HAProxy's answers while no server is ready in
 * test/ops/haproxy-unavailable.test.ts, invalid UTF-8 in services/ingest/test/events-endpoint.test.ts.
 */
describe('attacks on ingest and the edges', () => {
  const wiki = testWiki('attackwiki', { public: true });
  let world: ServiceWorld;
  let topology: TestTopology;
  let wikisFile: { path: string; remove: () => void };
  let ingest: ServiceProcess;
  let edges: ServiceProcess[];
  const closers: Array<{ close: () => void }> = [];

  before(async () => {
    // The second edge keeps a small memory, so that resumes on it read the stream.
    world = await startServiceWorld('attack', [wiki], [{}, { WIKICAST_EDGE_RECENT_EVENTS: '3' }]);
    ({ topology, wikisFile, ingest, edges } = world);
  });

  after(async () => {
    for (const closer of closers) closer.close();
    await world?.cleanup();
  });

  async function connect(edge: ServiceProcess, topics: string[], token: TokenOptions = { sub: 'Reader' }): Promise<TestClient> {
    const signed = await signToken(wiki, token);
    const client = new TestClient(`ws://127.0.0.1:${edge.port}/v1/ws?token=${encodeURIComponent(signed)}`);
    closers.push(client);
    await client.next((f) => f.op === 'welcome', 'welcome');
    if (topics.length > 0) {
      client.send({ op: 'subscribe', topics, ref: 'sub' });
      await client.next((f) => f.op === 'subscribed' && f.ref === 'sub', 'subscribed');
    }
    return client;
  }

  async function sse(edge: ServiceProcess, topics: string[]): Promise<SseReader> {
    const reader = new SseReader(`${edge.url}/v1/sse?wiki=${wiki.id}&topics=${encodeURIComponent(topics.join(','))}`);
    closers.push(reader);
    await reader.next((m) => m.event === 'wikicast.subscribed', 'SSE subscribed');
    return reader;
  }

  async function post(body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${ingest.url}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await signToken(wiki, { aud: 'ingest' })}`, 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  /** Sends an `op: send` frame and waits for its ack or error. */
  async function send(sender: TestClient, frame: Record<string, unknown>): Promise<Frame> {
    const ref = `send-${randomUUID()}`;
    sender.send({ op: 'send', ...frame, ref });
    return sender.next((f) => (f.op === 'ack' || f.op === 'error') && f.ref === ref, `the answer to send ${ref}`);
  }

  /** POSTs a plain event and returns its id: what every reader must see next. */
  async function sentinel(topic: string): Promise<string> {
    const r = await post({ topic, type: 'sentinel', msg: { n: randomUUID() } });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    return (r.body.accepted as string[])[0]!;
  }

  /** `{"a":[{"a":[…]}]}` `levels` deep, as text (JSON.stringify could not write the deepest). */
  function nestedJson(levels: number): string {
    return `${'{"a":['.repeat(Math.ceil(levels / 2))}1${']}'.repeat(Math.ceil(levels / 2))}`;
  }

  /** A message straight onto the events exchange, as a misbehaving producer (not ingest) could put it. */
  async function publishRaw(text: string): Promise<void> {
    const channel = await topology.connection.createConfirmChannel();
    try {
      channel.publish(topology.names.events, '', Buffer.from(text), { persistent: true, contentType: 'application/json' });
      await channel.waitForConfirms();
    } finally {
      await channel.close();
    }
  }

  it('send patterns: a token for `chat:*` cannot reach another topic by naming a matching type', async () => {
    const news = `${wiki.id}:news`;
    const readers = [await connect(edges[0]!, [news]), await connect(edges[1]!, [news])];
    const sender = await connect(edges[0]!, [], { sub: 'Mallory', send: [`${wiki.id}:chat:*`] });

    const bypass = await send(sender, { topic: news, type: `${wiki.id}:chat:x`, msg: { text: 'fake headline' } });
    assert.equal(bypass.op, 'error', JSON.stringify(bypass));
    assert.equal(bypass.code, 'forbidden');
    const seedStyle = await send(sender, { topic: news, type: 'chat:x' });
    assert.equal(seedStyle.code, 'forbidden');
    const allowed = await send(sender, { topic: `${wiki.id}:chat:room`, type: 'news' });
    assert.equal(allowed.op, 'ack', 'its own topics stay open');

    const next = await sentinel(news);
    for (const reader of readers) {
      await reader.next((f) => f.id === next, 'the sentinel');
      assert.deepEqual(reader.events().map((e) => e.id), [next], 'nothing from the refused sends reached news');
    }
  });

  it('a deeply nested msg is refused at every intake, and both edges keep delivering', async () => {
    const topic = `${wiki.id}:deep`;
    const readers = [await connect(edges[0]!, [topic]), await connect(edges[1]!, [topic])];
    for (const levels of [4_105, 100_000]) {
      const r = await post(`{"topic":"${topic}","type":"edit","msg":${nestedJson(levels)}}`);
      assert.equal(r.status, 400, `ingest, ${levels} levels: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.code, 'invalid_event');
      assert.match(String(r.body.message), /deeper than 64 levels/);
    }
    for (const edge of edges) {
      const sender = await connect(edge, [], { sub: 'Deep', send: ['*'] });
      const ref = `deep-${randomUUID()}`;
      sender.send(`{"op":"send","topic":"${topic}","type":"edit","ref":"${ref}","msg":${nestedJson(4_105)}}`);
      const answer = await sender.next((f) => f.ref === ref, 'the answer to the deep send');
      assert.equal(answer.code, 'invalid_frame', `${edge.url}: ${JSON.stringify(answer)}`);
    }
    const next = await sentinel(topic);
    for (const reader of readers) {
      await reader.next((f) => f.id === next, 'the sentinel');
      assert.deepEqual(reader.events().map((e) => e.id), [next]);
    }
    for (const edge of edges) {
      assert.equal(await metricValue(edge, 'wikicast_edge_invalid_stream_messages_total'), 0, 'nothing undeliverable reached the stream');
      assert.ok(!edge.logs.some((l) => l.msg === 'recycling broker connection'), 'no edge recycled its broker connection');
    }
  });

  it('a poison message in the stream is never skipped silently: its readers get reset on both edges, live and on resume', async () => {
    const topic = `${wiki.id}:poison`;
    const readers = [await connect(edges[0]!, [topic]), await connect(edges[1]!, [topic])];
    const before = await sentinel(topic);
    const cursor = String((await readers[0]!.next((f) => f.id === before, 'an event before the poison')).cursor);
    const sseReaders = [await sse(edges[0]!, [topic]), await sse(edges[1]!, [topic])];
    const counted = await Promise.all(edges.map((e) => metricValue(e, 'wikicast_edge_invalid_stream_messages_total')));
    const id = randomUUID();
    await publishRaw(`{"id":"${id}","wiki":"${wiki.id}","topic":"${topic}","type":"edit","ts":"${new Date().toISOString()}","msg":${nestedJson(4_105)}}`);
    for (const reader of readers) {
      const reset = await reader.next((f) => f.op === 'reset', 'reset for the undeliverable event');
      assert.deepEqual(reset.topics, [topic]);
      assert.match(String(reset.reason), /could not be delivered/);
    }
    for (const reader of sseReaders) {
      const reset = await reader.next((m) => m.event === 'wikicast.reset', 'SSE reset');
      assert.deepEqual(reset.json.topics, [topic]);
    }
    const next = await sentinel(topic);
    for (const reader of readers) await reader.next((f) => f.id === next, 'the next event');
    for (const reader of sseReaders) await reader.next((m) => m.json.id === next, 'the next event over SSE');
    const afterCounts = await Promise.all(edges.map((e) => metricValue(e, 'wikicast_edge_invalid_stream_messages_total')));
    assert.deepEqual(afterCounts.map((n, i) => n - counted[i]!), [1, 1], 'each edge counted it');

    // Resuming across it: from memory on the first edge, from the stream on the second (its
    // memory of 3 events no longer holds the cursor).
    const later = [await sentinel(topic), await sentinel(topic), await sentinel(topic)];
    for (const edge of edges) {
      const resumer = await connect(edge, []);
      resumer.send({ op: 'subscribe', topics: [topic], since: cursor, ref: 'resume' });
      const last = later.at(-1)!;
      await resumer.next((f) => f.id === last, `the resume on ${edge.url} to reach the newest event`);
      const reset = resumer.frames.find((f) => f.op === 'reset');
      assert.ok(reset, `${edge.url}: the resume told of the undeliverable event`);
      assert.deepEqual(reset.topics, [topic]);
      assert.match(String(reset.reason), /could not be delivered/);
      assert.deepEqual(resumer.events().map((e) => e.id), [next, ...later], `${edge.url}: every deliverable event after the cursor, once`);
    }
  });

  it('event types in the reserved `wikicast.` namespace are refused everywhere and never framed as control messages', async () => {
    const topic = `${wiki.id}:spoof`;
    const wsReader = await connect(edges[0]!, [topic]);
    const sseReader = await sse(edges[1]!, [topic]);

    for (const type of ['wikicast.reset', 'wikicast.close', 'WIKICAST.reset']) {
      const r = await post({ topic, type, msg: {} });
      assert.equal(r.status, 400, `${type}: ${JSON.stringify(r.body)}`);
      assert.match(String(r.body.message), /"type": must not begin with "wikicast\."/);
    }
    const sender = await connect(edges[0]!, [], { sub: 'Spoofer', send: ['*'] });
    const spoofed = await send(sender, { topic, type: 'wikicast.reset', msg: { topics: [topic] } });
    assert.equal(spoofed.code, 'invalid_frame', JSON.stringify(spoofed));
    sender.send({ type: 'wikicast.close', msg: {} });
    const seed = await sender.next((f) => f.op === 'error' && f.ref === undefined, 'the answer to a seed-style spoof');
    assert.equal(seed.code, 'invalid_frame');

    // Straight into the stream (bypassing every intake): the edge will not deliver it as an event,
    // so no page's control handler can fire on it; its readers get a genuine reset instead.
    await publishRaw(JSON.stringify({ id: randomUUID(), wiki: wiki.id, topic, type: 'wikicast.reset', msg: { topics: [topic] }, ts: new Date().toISOString() }));
    const next = await sentinel(topic);
    await wsReader.next((f) => f.id === next, 'the sentinel over WebSocket');
    await sseReader.next((m) => m.json.id === next, 'the sentinel over SSE');
    assert.deepEqual(wsReader.events().map((e) => e.id), [next], 'no spoofed event over WebSocket');
    const events = sseReader.messages.filter((m) => m.json.op === 'event');
    assert.deepEqual(events.map((m) => m.json.id), [next], 'no spoofed event over SSE');
    for (const message of sseReader.messages) {
      if (message.event.startsWith('wikicast.')) assert.equal(`wikicast.${String(message.json.op)}`, message.event, `a control name carries its own frame: ${message.data}`);
    }
  });

  it('SIGHUP on a serving edge reloads its wikis file: it keeps running and its clients stay connected', async () => {
    const topic = `${wiki.id}:hangup`;
    const reader = await connect(edges[0]!, [topic]);
    edges[0]!.child.kill('SIGHUP');
    const next = await sentinel(topic);
    await reader.next((f) => f.id === next, 'an event after the SIGHUP');
    assert.equal(reader.closeCode, null, 'no close (it used to be 1006: the signal ended the edge)');
    assert.equal(edges[0]!.child.exitCode, null, 'the edge is still running');
    assert.equal((await fetch(`${edges[0]!.url}/readyz`)).status, 200);
  });
});
