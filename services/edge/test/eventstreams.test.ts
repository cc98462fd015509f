import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { EventSource } from 'eventsource';
import { signToken, SseReader, testWiki, waitFor, type SseMessage } from '@wikicast/test/support';
import { setupEdgeWorld, subscribe, wikiEvent, type EdgeWorld } from './harness.js';

/** A recent-changes event as the extension sends it (ChangeMessage.php), on `<wiki>:recentchange`. */
function change(wiki: string, msg: Record<string, unknown>, fields: Record<string, unknown> = {}): Record<string, unknown> & { id: string } {
  const body = {
    type: 'edit',
    namespace: 0,
    title: 'Main Page',
    page_id: 1,
    comment: 'copyedit',
    timestamp: 1764756000,
    user: 'Alice',
    bot: false,
    minor: false,
    length: { old: 10, new: 12 },
    revision: { old: 4, new: 5 },
    server_url: `http://${wiki}.example`,
    server_name: `${wiki}.example`,
    server_script_path: '/w',
    wiki,
    ...msg,
  };
  return wikiEvent(wiki, `${wiki}:recentchange`, { type: body.type, msg: body, ...fields });
}

/** `GET /v2/stream/{streams}` on the real RabbitMQ: Wikimedia's framing, the farm stream, resume, refusals. */
describe('EventStreams-compatible API', () => {
  const pubA = testWiki('esa', { public: true });
  const pubB = testWiki('esb', { public: true });
  const priv = testWiki('espriv');
  let world: EdgeWorld;
  const readers: SseReader[] = [];
  const sources: EventSource[] = [];

  before(async () => {
    world = await setupEdgeWorld('edge-es', [pubA, pubB, priv], 0);
    await world.startEdge({ WIKICAST_EDGE_SSE_HEARTBEAT_S: '1' });
  });
  after(async () => {
    for (const reader of readers) reader.close();
    for (const source of sources) source.close();
    await world?.cleanup();
  });

  const base = (): string => world.edges[0]!.url;

  async function open(path: string, headers: Record<string, string> = {}): Promise<SseReader> {
    const reader = new SseReader(`${base()}${path}`, headers);
    readers.push(reader);
    await reader.opened;
    if (reader.status === 200) await reader.next((m) => m.event === 'wikicast.subscribed', 'subscribed');
    return reader;
  }

  const messages = (reader: SseReader): SseMessage[] => reader.messages.filter((m) => m.event === 'message');
  const eventIds = (reader: SseReader): string[] => messages(reader).map((m) => String((m.json.meta as Record<string, unknown>).id));
  const hasEvent = (id: string) => (m: SseMessage) => m.event === 'message' && (m.json.meta as Record<string, unknown>).id === id;

  it("frames events as Wikimedia's EventStreams: event: message, id: a JSON array of positions, data with $schema and meta", async () => {
    const reader = await open('/v2/stream/recentchange');
    assert.equal(reader.headers!.get('content-type'), 'text/event-stream');
    assert.equal(reader.headers!.get('access-control-allow-origin'), '*');
    const edit = change(pubA.id, { comment: 'two\nlines' });
    await world.publish(edit);
    const message = await reader.next(hasEvent(edit.id), 'the edit');
    const id = JSON.parse(message.id!) as Array<Record<string, unknown>>;
    assert.equal(id.length, 1);
    assert.equal(id[0]!.topic, world.topology.names.log);
    assert.equal(id[0]!.partition, 0);
    const data = message.json;
    assert.equal(data.$schema, '/mediawiki/recentchange/1.0.0');
    const meta = data.meta as Record<string, unknown>;
    assert.deepEqual(
      { id: meta.id, dt: meta.dt, domain: meta.domain, stream: meta.stream, topic: meta.topic, partition: meta.partition, offset: meta.offset },
      { id: edit.id, dt: edit.ts, domain: 'esa.example', stream: 'mediawiki.recentchange', topic: world.topology.names.log, partition: 0, offset: id[0]!.offset },
    );
    assert.equal(meta.uri, 'http://esa.example/w/index.php?title=Main_Page');
    assert.equal(data.title, 'Main Page');
    assert.equal(data.comment, 'two\nlines');
    assert.equal(data.wiki, pubA.id);
    assert.equal(data.notify_url, 'http://esa.example/w/index.php?diff=5&oldid=4');
  });

  it('derives page-create, page-delete and page-move from the recent-changes entries that record them', async () => {
    const reader = await open('/v2/stream/page-create,page-delete,page-move');
    const created = change(pubA.id, { type: 'new', title: 'Talk:New page', namespace: 1, page_id: 7, revision: { old: null, new: 9 }, length: { old: null, new: 30 } });
    const edited = change(pubA.id, {});
    const deleted = change(pubA.id, { type: 'log', title: 'Old page', page_id: 8, log_type: 'delete', log_action: 'delete', log_params: [] });
    const moved = change(pubA.id, { type: 'log', title: 'Before', namespace: 0, page_id: 6, log_type: 'move', log_action: 'move', log_params: { target: 'After move', noredir: '0' } });
    const hidden = change(pubA.id, { type: 'new', title: 'Hidden', commenthidden: true, comment: '', userhidden: true, user: null });
    await world.publish(created, edited, deleted, moved, hidden);
    await reader.next(hasEvent(hidden.id), 'the last page creation');
    assert.deepEqual(eventIds(reader), [created.id, deleted.id, moved.id, hidden.id], 'an edit is none of these streams');
    const [create, remove, move, hiddenCreate] = messages(reader).map((m) => m.json);
    assert.equal(create!.$schema, '/mediawiki/revision/create/2.0.0');
    assert.equal((create!.meta as Record<string, unknown>).stream, 'mediawiki.page-create');
    assert.deepEqual(
      { database: create!.database, page_id: create!.page_id, page_title: create!.page_title, page_namespace: create!.page_namespace, rev_id: create!.rev_id, rev_len: create!.rev_len, performer: create!.performer },
      { database: pubA.id, page_id: 7, page_title: 'Talk:New_page', page_namespace: 1, rev_id: 9, rev_len: 30, performer: { user_text: 'Alice', user_is_bot: false } },
    );
    assert.equal(remove!.$schema, '/mediawiki/page/delete/1.0.0');
    assert.equal(remove!.page_title, 'Old_page');
    assert.equal(move!.$schema, '/mediawiki/page/move/1.0.0');
    assert.deepEqual({ page_title: move!.page_title, prior_state: move!.prior_state }, { page_title: 'After_move', prior_state: { page_title: 'Before', page_namespace: 0 } });
    assert.equal('comment' in hiddenCreate!, false, 'a hidden summary is not shown');
    assert.equal('performer' in hiddenCreate!, false, 'a hidden user is not shown');
  });

  it('gives anonymous readers every public wiki on one connection, and a token its own private wiki besides', async () => {
    const anon = await open('/v2/stream/recentchange');
    const token = await signToken(priv, { sub: 'Bob' });
    const member = await open(`/v2/stream/recentchange?token=${token}`);
    const bearer = await open('/v2/stream/recentchange', { authorization: `Bearer ${token}` });
    const a = change(pubA.id, {});
    const b = change(pubB.id, {});
    const p = change(priv.id, {});
    const sent = change(pubA.id, {}, { from: 'WSclient' });
    const last = change(pubB.id, {});
    await world.publish(a, b, p, sent, last);
    for (const reader of [anon, member, bearer]) await reader.next(hasEvent(last.id), 'the last event');
    assert.deepEqual(eventIds(anon).slice(-3), [a.id, b.id, last.id], 'no private wiki, no client-sent event');
    assert.deepEqual(eventIds(member).slice(-4), [a.id, b.id, p.id, last.id]);
    assert.deepEqual(eventIds(bearer).slice(-4), [a.id, b.id, p.id, last.id], 'Authorization: Bearer works as ?token=');
  });

  it('refuses unknown streams, bad filters, private wikis and positions it did not hand out, with a clear error', async () => {
    const refusals: Array<[string, Record<string, string>, number, string]> = [
      ['/v2/stream/recentchange,pagecreate', {}, 404, 'not_found'],
      ['/v2/stream/recentchange?type=edits', {}, 400, 'invalid_query'],
      ['/v2/stream/recentchange?namespace=main', {}, 400, 'invalid_query'],
      ['/v2/stream/recentchange?bot=maybe', {}, 400, 'invalid_query'],
      ['/v2/stream/recentchange?wiki=nosuchwiki', {}, 400, 'invalid_query'],
      [`/v2/stream/recentchange?wiki=${priv.id}`, {}, 403, 'forbidden'],
      ['/v2/stream/recentchange?since=yesterday', {}, 400, 'invalid_query'],
      ['/v2/stream/recentchange', { 'last-event-id': '[{"topic":"eqiad.mediawiki.recentchange","partition":0,"offset":5}]' }, 400, 'invalid_query'],
      ['/v2/stream/recentchange?token=not.a.token', {}, 401, 'unauthorized'],
    ];
    for (const [path, headers, status, code] of refusals) {
      const reader = await open(path, headers);
      assert.equal(reader.status, status, path);
      assert.equal(reader.body?.code, code, path);
      assert.match(String(reader.body?.message), /\S/, `${path} says why`);
    }
    const preflight = await fetch(`${base()}/v2/stream/recentchange`, { method: 'OPTIONS', headers: { origin: 'http://other.example', 'access-control-request-headers': 'last-event-id' } });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /Last-Event-ID/i);
  });

  it('the eventsource package reads the stream and resumes with the Last-Event-ID it kept: no gap, no duplicate', async () => {
    const received: Array<{ id: string; lastEventId: string }> = [];
    const source = new EventSource(`${base()}/v2/stream/recentchange?wiki=${pubB.id}`);
    sources.push(source);
    source.onmessage = (message) => {
      const data = JSON.parse(message.data) as { meta: { id: string } };
      received.push({ id: data.meta.id, lastEventId: message.lastEventId });
    };
    await new Promise<void>((resolve, reject) => {
      source.onopen = () => resolve();
      source.onerror = (err) => reject(new Error(`EventSource failed: ${err.message ?? err.type}`));
    });
    
    const first = Array.from({ length: 3 }, () => change(pubB.id, {}));
    await world.publish(first[0]!, change(pubA.id, {}), first[1]!, first[2]!);
    await waitFor('the first three events', () => received.length === 3);
    source.close();
    const missed = Array.from({ length: 4 }, () => change(pubB.id, {}));
    await world.publish(...missed);
    const lastEventId = received.at(-1)!.lastEventId;
    const resumed = new EventSource(`${base()}/v2/stream/recentchange?wiki=${pubB.id}`, {
      fetch: (url, init) => fetch(url, { ...init, headers: { ...init?.headers, 'Last-Event-ID': lastEventId } }),
    });
    sources.push(resumed);
    resumed.onmessage = (message) => {
      received.push({ id: (JSON.parse(message.data) as { meta: { id: string } }).meta.id, lastEventId: message.lastEventId });
    };
    await waitFor('the missed events', () => received.length === 7);
    resumed.close();
    assert.deepEqual(received.map((r) => r.id), [...first, ...missed].map((e) => e.id));
  });

  it('resumes from a time (?since= ISO-8601 or ms) with every event stamped at or after it, then live', async () => {
    const t0 = Date.now() + 1_000;
    const stamp = (offsetMs: number): string => new Date(t0 + offsetMs).toISOString();
    const before = change(pubA.id, {}, { ts: stamp(-500) });
    const at = change(pubA.id, {}, { ts: stamp(0) });
    const after1 = change(pubA.id, {}, { ts: stamp(200) });
    // Stream order is not time order: an event stamped earlier may arrive later.
    const late = change(pubA.id, {}, { ts: stamp(-100) });
    const after2 = change(pubA.id, {}, { ts: stamp(300) });
    await world.publish(before, at, after1, late, after2);
    for (const since of [new Date(t0).toISOString(), String(t0)]) {
      const reader = await open(`/v2/stream/recentchange?wiki=${pubA.id}&since=${encodeURIComponent(since)}`);
      await reader.next(hasEvent(after2.id), 'the replayed events');
      const live = change(pubA.id, {});
      await world.publish(live);
      await reader.next(hasEvent(live.id), 'a live event after the replay');
      assert.deepEqual(eventIds(reader), [at.id, after1.id, after2.id, live.id], since);
    }
  });

  it('the native protocol takes a time as since too', async () => {
    const t0 = Date.now() + 1_000;
    const topic = `${pubB.id}:news`;
    const older = wikiEvent(pubB.id, topic, { ts: new Date(t0 - 10).toISOString() });
    const newer = wikiEvent(pubB.id, topic, { ts: new Date(t0).toISOString() });
    await world.publish(older, newer);
    const token = await signToken(pubB, { sub: 'Reader' });
    const client = await world.connect({ token });
    const answer = await subscribe(client, [topic], { since: new Date(t0).toISOString() });
    assert.equal(answer.op, 'subscribed');
    const got = await client.next((f) => f.op === 'event', 'the replayed event');
    assert.equal(got.id, newer.id);
    const refused = await subscribe(client, [`${pubB.id}:other`], { since: 'last tuesday' });
    assert.equal(refused.op, 'subscribed');
    const reset = await client.next((f) => f.op === 'reset', 'a reset for a since that is neither');
    assert.match(String(reset.reason), /neither a cursor .* nor a time/);
  });
});
