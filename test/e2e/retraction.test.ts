import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import {
  type Frame,
  type ServiceProcess,
  type ServiceWorld,
  signToken,
  SseReader,
  startService,
  startServiceWorld,
  TestClient,
  testWiki,
  waitUntilReady,
} from '@wikicast/test/support';

/**
 * Retraction on the real RabbitMQ: a revision's summary and user are hidden after its events went
 * out; from then on no edge hands them out again — live, resumed from memory, resumed from the
 * stream on an edge started afterwards, over SSE and over the EventStreams API — and readers of the
 * topics get a `retract` event.
 */
describe('retraction: hidden revision fields never go out again', () => {
  const wiki = testWiki('retractwiki', { public: true });
  const other = testWiki('retractother');
  const SECRET_SUMMARY = 'the secret summary 7c1f';
  const SECRET_USER = 'Secret-User-7c1f';
  let world: ServiceWorld;
  const clients: TestClient[] = [];
  const readers: SseReader[] = [];
  const started: ServiceProcess[] = [];

  before(async () => {
    world = await startServiceWorld('retract', [wiki, other], [{}]);
  });
  after(async () => {
    for (const client of clients) client.close();
    for (const reader of readers) reader.close();
    await Promise.all(started.map((edge) => edge.stop()));
    await world?.cleanup();
  });

  async function post(path: string, body: unknown, token?: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${world.ingest.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token ?? (await signToken(wiki, { aud: 'ingest' }))}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async function connect(edge: ServiceProcess, topics: string[], since?: string): Promise<TestClient> {
    const client = new TestClient(`ws://127.0.0.1:${edge.port}/v1/ws?token=${encodeURIComponent(await signToken(wiki, { sub: 'Reader' }))}`);
    clients.push(client);
    await client.next((f) => f.op === 'welcome', 'welcome');
    client.send({ op: 'subscribe', topics, ref: 'sub', ...(since !== undefined ? { since } : {}) });
    await client.next((f) => f.op === 'subscribed' && f.ref === 'sub', 'subscribed');
    return client;
  }

  /** A change message as the extension builds it (ChangeMessage.php). */
  function change(revision: number, comment: string, user: string): Record<string, unknown> {
    return {
      type: 'edit', namespace: 0, title: 'Retracted page', page_id: 7, comment, timestamp: Math.floor(Date.now() / 1000), user, bot: false,
      minor: false, length: { old: 10, new: 20 }, revision: { old: revision - 1, new: revision }, server_url: 'http://wiki.test', server_name: 'wiki.test',
      server_script_path: '/w', wiki: wiki.id,
    };
  }

  function assertRedacted(event: Frame, where: string): void {
    const msg = event.msg as Record<string, unknown>;
    assert.equal(msg.comment, '', `${where}: comment emptied`);
    assert.equal(msg.commenthidden, true, `${where}: commenthidden`);
    assert.equal(msg.user, null, `${where}: user removed`);
    assert.equal(msg.userhidden, true, `${where}: userhidden`);
    assert.ok(!JSON.stringify(event).includes(SECRET_SUMMARY) && !JSON.stringify(event).includes(SECRET_USER), `${where}: nothing hidden left`);
  }

  it('refuses malformed and foreign retractions', async () => {
    const empty = await post('/v1/control/retract', { topics: ['recentchange'] });
    assert.equal(empty.status, 400);
    assert.equal(empty.body.code, 'invalid_request');
    const badBits = await post('/v1/control/retract', { revisions: [{ id: 1, hidden: 16 }], topics: ['recentchange'] });
    assert.equal(badBits.status, 400);
    const foreign = await post('/v1/control/retract', { revisions: [{ id: 1, hidden: 2 }], topics: [`${other.id}:recentchange`] });
    assert.equal(foreign.status, 403);
    assert.equal(foreign.body.code, 'foreign_topic');
    const edgeToken = await post('/v1/control/retract', { revisions: [{ id: 1, hidden: 2 }], topics: ['recentchange'] }, await signToken(wiki, { sub: 'Someone' }));
    assert.equal(edgeToken.status, 401, 'a browser token cannot retract');
  });

  it('redacts live, from memory, from the stream, over SSE and EventStreams, and tells the topics readers', async () => {
    const [edge] = world.edges as [ServiceProcess];
    const startedAt = new Date(Date.now() - 1000).toISOString();
    const live = await connect(edge, ['recentchange', 'page:7']);
    const first = await post('/v1/events', { topic: 'recentchange', type: 'edit', msg: change(500, 'before', 'Visible-User') });
    const before = (await live.next((f) => f.id === (first.body.accepted as string[])[0], 'the first change')).cursor as string;
    const sse = new SseReader(`${edge.url}/v1/sse?topics=recentchange&token=${await signToken(wiki, { sub: 'SseReader' })}`);
    readers.push(sse);
    await sse.next((m) => m.event === 'wikicast.welcome', 'the SSE welcome');

    const hidden = change(501, SECRET_SUMMARY, SECRET_USER);
    const kept = change(502, 'a summary that stays', 'Visible-User');
    const published = await post('/v1/events', [
      { topic: 'recentchange', type: 'edit', msg: hidden },
      { topic: 'page:7', type: 'edit', msg: hidden },
      { topic: 'recentchange', type: 'edit', msg: kept },
    ]);
    assert.equal(published.status, 202, JSON.stringify(published.body));
    const [rcId, pageId, keptId] = published.body.accepted as [string, string, string];
    const original = await live.next((f) => f.id === rcId, 'the change, live');
    assert.equal((original.msg as Record<string, unknown>).comment, SECRET_SUMMARY, 'before the retraction the summary is shown');
    await live.next((f) => f.id === keptId, 'the kept change, live');

    // Revision deletion hides the summary and the user (2 | 4).
    const retracted = await post('/v1/control/retract', { revisions: [{ id: 501, hidden: 6 }], topics: ['recentchange', 'page:7'], reason: 'revision deletion' });
    assert.equal(retracted.status, 202, JSON.stringify(retracted.body));
    assert.equal((retracted.body.accepted as string[]).length, 3, 'the control message and one retract event per topic');
    for (const topic of [`${wiki.id}:recentchange`, `${wiki.id}:page:7`]) {
      const notice = await live.next((f) => f.type === 'retract' && f.topic === topic, `the retract event on ${topic}`);
      assert.deepEqual(notice.msg, { revisions: [{ id: 501, hidden: 6 }], logs: [], reason: 'revision deletion' });
    }
    await sse.next((m) => m.event === 'retract', 'the retract event over SSE');

    // Resumed from before, on the same edge: from memory.
    const fromMemory = await connect(edge, ['recentchange', 'page:7'], before);
    await fromMemory.next((f) => f.type === 'retract' && f.topic === `${wiki.id}:page:7`, 'the replay up to the retraction');
    assertRedacted(fromMemory.events().find((e) => e.id === rcId)!, 'recentchange from memory');
    assertRedacted(fromMemory.events().find((e) => e.id === pageId)!, 'page topic from memory');
    assert.equal((fromMemory.events().find((e) => e.id === keptId)!.msg as Record<string, unknown>).comment, 'a summary that stays', 'another revision is left alone');

    // An edge started after the retraction has nothing in memory: it reads the stream, and knows the retraction from the control stream.
    const late = await startService('edge', { WIKICAST_AMQP_PREFIX: world.topology.prefix, WIKICAST_WIKIS_FILE: world.wikisFile.path, EDGE_ID: `${world.topology.prefix}-edge-late` });
    started.push(late);
    await waitUntilReady(late);
    const fromStream = await connect(late, ['recentchange'], before);
    await fromStream.next((f) => f.type === 'retract', 'the stream replay up to the retraction');
    assertRedacted(fromStream.events().find((e) => e.id === rcId)!, 'recentchange from the stream');

    const sseResumed = new SseReader(`${late.url}/v1/sse?topics=recentchange&token=${await signToken(wiki, { sub: 'SseReader' })}`, { 'last-event-id': before });
    readers.push(sseResumed);
    const resumedEvent = await sseResumed.next((m) => m.json.id === rcId, 'the change, resumed over SSE');
    assertRedacted(resumedEvent.json, 'SSE resume');

    const farm = new SseReader(`${late.url}/v2/stream/recentchange?since=${encodeURIComponent(startedAt)}`);
    readers.push(farm);
    const farmEvent = await farm.next((m) => m.json.meta !== undefined && (m.json.meta as Record<string, unknown>).id === rcId, 'the change on the EventStreams API');
    await farm.next((m) => (m.json.meta as Record<string, unknown> | undefined)?.id === keptId, 'the kept change on the EventStreams API');
    assert.equal(farmEvent.json.comment, '');
    assert.equal(farmEvent.json.user, null);
    assert.ok(!farm.messages.some((m) => m.data.includes(SECRET_SUMMARY) || m.data.includes(SECRET_USER)), 'EventStreams never shows the hidden fields');
    assert.ok(!farm.messages.some((m) => m.data.includes('"retract"')), 'EventStreams has no retract events');

    // A change published after the retraction (a delayed job) is redacted on its way in.
    const delayed = await post('/v1/events', { topic: 'recentchange', type: 'edit', msg: change(501, SECRET_SUMMARY, SECRET_USER) });
    assertRedacted(await live.next((f) => f.id === (delayed.body.accepted as string[])[0], 'the delayed copy, live'), 'a later copy, live');
  });
});
