import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import {
  AMQP_URL,
  closeConnectionsNamed,
  signToken,
  startService,
  testWiki,
  waitFor,
  waitUntilReady,
  type ServiceProcess,
  type TestClient,
  type TestWiki,
} from '@wikicast/test/support';
import { metricValue, setupEdgeWorld, subscribe, wikiEvent, type EdgeWorld } from './harness.js';
import { TcpRelay } from './tcp-relay.js';

/** Revocations end to end: ingest's control endpoint → `<prefix>.control` and its stream → every edge, now and later. */
describe('edge revocation', () => {
  const wiki = testWiki('revwiki');
  const other = testWiki('revother');
  const topic = `${wiki.id}:news`;
  let world: EdgeWorld;
  let ingest: ServiceProcess;

  before(async () => {
    world = await setupEdgeWorld('edge-revoke', [wiki, other], 2);
    ingest = await startService('ingest', { ...world.env, INGEST_ID: 'revoke-ingest' });
    await waitUntilReady(ingest);
  });
  after(async () => {
    await ingest?.stop();
    await world?.cleanup();
  });

  async function reader(edge: ServiceProcess, options: Parameters<typeof signToken>[1], of: TestWiki = wiki): Promise<TestClient> {
    const client = await world.connect({ token: await signToken(of, options) }, edge);
    await client.next((f) => f.op === 'welcome', 'welcome');
    await subscribe(client, [`${of.id}:news`]);
    return client;
  }

  async function revoke(body: Record<string, unknown>, of: TestWiki = wiki): Promise<void> {
    const token = await signToken(of, { aud: 'ingest', ttlS: 60 });
    const response = await fetch(`${ingest.url}/v1/control/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.equal(response.status, 202, await response.text());
  }

  function assertRevoked(client: TestClient, reason: string): void {
    assert.equal(client.closeCode, 1008);
    const last = client.frames.at(-1)!;
    assert.deepEqual(last, { op: 'error', code: 'revoked', message: reason }, 'an error frame `revoked` comes before the close');
  }

  it("closes a user's connections on every edge with 1008 and `revoked`, and a client id's; others stay", async () => {
    const [edge1, edge2] = world.edges as [ServiceProcess, ServiceProcess];
    const alice1 = await reader(edge1, { sub: 'Alice', cid: 'WSalice1' });
    const alice2 = await reader(edge2, { sub: 'Alice', cid: 'WSalice2' });
    const bob1 = await reader(edge1, { sub: 'Bob', cid: 'WSbob1' });
    const carol2 = await reader(edge2, { sub: 'Carol', cid: 'WScarol2' });
    const carol1 = await reader(edge1, { sub: 'Carol', cid: 'WScarol1' });
    const otherAlice = await reader(edge2, { sub: 'Alice', cid: 'WSalice1' }, other);
    // What an edge must ignore: not JSON, an unknown operation, an invalid revoke.
    const control = await world.topology.connection.createConfirmChannel();
    for (const body of ['not json', '{"op":"drain","id":"x"}', '{"op":"revoke","wiki":"revwiki"}']) {
      control.publish(world.topology.names.control, '', Buffer.from(body));
    }
    await control.waitForConfirms();
    await control.close();

    await revoke({ user: 'Alice', reason: 'blocked by an admin' });
    await Promise.all([alice1.closed(), alice2.closed()]);
    assertRevoked(alice1, 'blocked by an admin');
    assertRevoked(alice2, 'blocked by an admin');

    await revoke({ cid: 'WScarol2' });
    await carol2.closed();
    assertRevoked(carol2, 'access revoked by the wiki');

    const after = wikiEvent(wiki.id, topic);
    const otherEvent = wikiEvent(other.id, `${other.id}:news`);
    await world.publish(after, otherEvent);
    await bob1.next((f) => f.id === after.id, 'the event after the revocations (Bob)');
    await carol1.next((f) => f.id === after.id, "the event after the revocations (Carol's other client)");
    await otherAlice.next((f) => f.id === otherEvent.id, "the other wiki's Alice keeps reading");
    for (const client of [bob1, carol1, otherAlice]) assert.equal(client.closeCode, null);
    assert.equal(await metricValue(edge1, 'wikicast_edge_disconnects_total', { reason: 'revoked' }), 1);
    assert.equal(await metricValue(edge2, 'wikicast_edge_disconnects_total', { reason: 'revoked' }), 2);
  });

  it('refuses, on WebSocket and SSE, a token issued before its user was revoked; a newer token is admitted', async () => {
    const [edge1, edge2] = world.edges as [ServiceProcess, ServiceProcess];
    const oldToken = await signToken(wiki, { sub: 'Erin' });
    const erin = await world.connect({ token: oldToken }, edge1);
    await erin.next((f) => f.op === 'welcome', 'welcome');
    await revoke({ user: 'Erin', reason: 'spam' });
    await erin.closed();
    const revokedInSecond = Math.floor(Date.now() / 1000);
    for (const edge of [edge1, edge2]) {
      const again = await world.connect({ token: oldToken }, edge);
      assert.equal(await again.closed(), 1008);
      const refusal = again.frames.at(-1)!;
      assert.equal(refusal.code, 'revoked');
      assert.match(String(refusal.message), /spam/);
      const sse = await fetch(`${edge.url}/v1/sse?topics=news&token=${oldToken}`);
      assert.equal(sse.status, 401);
      assert.equal(((await sse.json()) as { code: string }).code, 'revoked');
    }
    // Tokens carry whole seconds; one minted in a later second than the revocation is admitted.
    await waitFor('the next second', () => Math.floor(Date.now() / 1000) > revokedInSecond);
    const fresh = await reader(edge2, { sub: 'Erin' });
    const event = wikiEvent(wiki.id, topic);
    await world.publish(event);
    await fresh.next((f) => f.id === event.id, 'an event on the new token');
    assert.equal(fresh.closeCode, null);
  });

  it('consumes the control stream again after the broker connection was lost', async () => {
    const edge = world.edges[0]!;
    const activations = (): number => edge.logs.filter((entry) => entry.msg === 'control consumer active').length;
    const before = activations();
    assert.ok((await closeConnectionsNamed(`${world.topology.prefix}-edge-edge1`)) >= 1);
    await waitFor('the control consumer to be re-created', () => activations() > before, { timeoutMs: 15_000 });
    await waitUntilReady(edge);
    const dave = await reader(edge, { sub: 'Dave' });
    await revoke({ user: 'Dave', reason: 'after reconnect' });
    await dave.closed();
    assertRevoked(dave, 'after reconnect');
  });

  it('an edge started after a revocation learns it from the control stream: the revoked token is refused on WebSocket and SSE', async () => {
    const oldToken = await signToken(wiki, { sub: 'Frank' });
    await revoke({ user: 'Frank', reason: 'revoked before this edge started' });
    const late = await world.startEdge();
    await waitUntilReady(late);
    const again = await world.connect({ token: oldToken }, late);
    assert.equal(await again.closed(), 1008);
    assert.equal(again.frames.at(-1)?.code, 'revoked');
    assert.match(String(again.frames.at(-1)?.message), /revoked before this edge started/);
    const sse = await fetch(`${late.url}/v1/sse?topics=news&token=${oldToken}`);
    assert.equal(sse.status, 401);
    assert.equal(((await sse.json()) as { code: string }).code, 'revoked');
  });

  it('a revocation issued while an edge is cut off from RabbitMQ reaches it when it reconnects: live connections closed, the token refused', async () => {
    const relay = await TcpRelay.start({ host: new URL(AMQP_URL).hostname, port: Number(new URL(AMQP_URL).port || 5672) });
    try {
      const edge = await world.startEdge({ AMQP_URL: `amqp://guest:guest@127.0.0.1:${relay.port}` });
      await waitUntilReady(edge);
      const token = await signToken(wiki, { sub: 'Grace' });
      const grace = await world.connect({ token }, edge);
      await grace.next((f) => f.op === 'welcome', 'welcome');
      relay.cut();
      await waitFor('the edge to notice it lost RabbitMQ', async () => (await fetch(`${edge.url}/readyz`)).status === 503);
      await revoke({ user: 'Grace', reason: 'while the edge was cut off' });
      assert.equal(grace.closeCode, null, 'the edge keeps its clients while cut off');
      relay.restore();
      await grace.closed(30_000);
      assertRevoked(grace, 'while the edge was cut off');
      const again = await world.connect({ token }, edge);
      assert.equal(await again.closed(), 1008);
      assert.equal(again.frames.at(-1)?.code, 'revoked');
      const sse = await fetch(`${edge.url}/v1/sse?topics=news&token=${token}`);
      assert.equal(sse.status, 401);
    } finally {
      await relay.close();
    }
  });
});
