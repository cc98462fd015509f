import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import {
  type Frame,
  type ServiceProcess,
  type ServiceWorld,
  signToken,
  startServiceWorld,
  TestClient,
  type TestTopology,
  testWiki,
} from '@wikicast/test/support';

/**
 * Issue 2's end-to-end path on the real RabbitMQ: ingest and two edge processes; an event POSTed
 * to ingest reaches every subscribed client on both edges exactly once with one cursor.
 */
describe('wiki → ingest → RabbitMQ → edges → clients', () => {
  const wiki = testWiki('e2ewiki');
  const otherWiki = testWiki('e2eother');
  let world: ServiceWorld;
  let topology: TestTopology;
  let wikisFile: { path: string; remove: () => void };
  let ingest: ServiceProcess;
  let edges: ServiceProcess[];
  const clients: TestClient[] = [];

  before(async () => {
    world = await startServiceWorld('e2e', [wiki, otherWiki], [{ EDGE_ID: 'e2e-edge-1' }, { EDGE_ID: 'e2e-edge-2' }]);
    ({ topology, wikisFile, ingest, edges } = world);
  });

  after(async () => {
    for (const client of clients) client.close();
    await world?.cleanup();
  });

  async function connect(edge: ServiceProcess, topics: string[]): Promise<TestClient> {
    const token = await signToken(wiki, { sub: 'Reader' });
    const client = new TestClient(`ws://127.0.0.1:${edge.port}/v1/ws?token=${encodeURIComponent(token)}`);
    clients.push(client);
    await client.opened;
    await client.next((f) => f.op === 'welcome', 'welcome');
    client.send({ op: 'subscribe', topics, ref: 'sub' });
    await client.next((f) => f.op === 'subscribed' && f.ref === 'sub', 'subscribed');
    return client;
  }

  async function post(body: unknown, token?: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const bearer = token ?? (await signToken(wiki, { aud: 'ingest' }));
    const response = await fetch(`${ingest.url}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it('delivers every event to every subscriber on both edges exactly once, with one cursor', async () => {
    const topic = `${wiki.id}:recentchange`;
    const subscribers = [await connect(edges[0]!, [topic]), await connect(edges[0]!, [topic]), await connect(edges[1]!, [topic]), await connect(edges[1]!, [topic])];
    const bystanders = [await connect(edges[0]!, [`${wiki.id}:elsewhere`]), await connect(edges[1]!, [`${wiki.id}:elsewhere`])];

    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await post({ topic, type: 'edit', msg: { title: `Page ${i}`, n: i } });
      assert.equal(r.status, 202, JSON.stringify(r.body));
      const accepted = r.body.accepted as string[];
      assert.equal(accepted.length, 1);
      ids.push(accepted[0]!);
    }
    // A last event on the bystanders' topic: once it has arrived everywhere, everything before
    // it in the stream has been delivered too, so the counts below are final.
    const sentinel = await post({ topic: `${wiki.id}:elsewhere`, type: 'sentinel', msg: null });
    assert.equal(sentinel.status, 202);
    const after = await post({ topic, type: 'edit', msg: { last: true } });
    assert.equal(after.status, 202);
    ids.push((after.body.accepted as string[])[0]!);

    for (const client of subscribers) {
      await client.next((f) => f.op === 'event' && f.id === ids.at(-1), 'the last event');
      const events = client.events();
      assert.deepEqual(events.map((e) => e.id), ids, 'every event exactly once, in order');
      for (const e of events) {
        assert.equal(e.topic, topic);
        assert.equal(e.wiki, wiki.id);
        assert.equal(typeof e.cursor, 'string');
      }
    }
    const cursorsOf = (c: TestClient): unknown[] => c.events().map((e: Frame) => e.cursor);
    for (const client of subscribers.slice(1)) assert.deepEqual(cursorsOf(client), cursorsOf(subscribers[0]!), 'the same cursor on every edge');

    for (const client of bystanders) {
      await client.next((f) => f.op === 'event' && f.type === 'sentinel', 'the sentinel');
      assert.deepEqual(client.events().map((e) => e.type), ['sentinel'], 'nothing from topics it did not subscribe to');
    }
  });

  it('refuses a bad token: 401 at ingest, 1008 at the edge', async () => {
    const forged = await signToken(wiki, { aud: 'ingest', secret: 'x'.repeat(64) });
    const r = await post({ topic: `${wiki.id}:x`, type: 't' }, forged);
    assert.equal(r.status, 401);
    assert.equal(r.body.code, 'unauthorized');

    const badEdgeToken = await signToken(wiki, { secret: 'y'.repeat(64) });
    const client = new TestClient(`ws://127.0.0.1:${edges[1]!.port}/v1/ws?token=${encodeURIComponent(badEdgeToken)}`);
    clients.push(client);
    assert.equal(await client.closed(), 1008);
  });

  it('answers a malformed event with 400 naming the field, and publishes nothing', async () => {
    const before = (await topology.readLog()).length;
    const cases: Array<[unknown, RegExp]> = [
      [{ topic: `${wiki.id}:x` }, /type/],
      [{ topic: `${wiki.id}:x`, type: 't', to: 'WS1' }, /to/],
      [{ topic: `${wiki.id}:x`, type: 't', ts: 'yesterday' }, /ts/],
      ['{"topic":', /JSON/i],
    ];
    for (const [body, field] of cases) {
      const r = await post(body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.match(String(r.body.message), field);
    }
    const marker = await post({ topic: `${wiki.id}:x`, type: 'marker' });
    assert.equal(marker.status, 202);
    const log = await topology.readLog({ expect: before + 1 });
    assert.equal(log.length, before + 1, 'only the marker was published');
    assert.equal(log.at(-1)!.event.type, 'marker');
  });
});
