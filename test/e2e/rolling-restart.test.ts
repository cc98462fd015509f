import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { connect, type WikicastClient, type WikicastMessage } from '@wikicast/client';
import { publishContinuously, recordingWebSocket, setupHaproxyCluster, signToken, waitFor, type HaproxyCluster } from '@wikicast/test/support';

/** Clients behind HAProxy, each the real client library in Node over `ws`. */
const CLIENTS = 12;
/** Pause between two events of the continuous publisher (each POST also waits for the confirm). */
const PUBLISH_PACE_MS = 10;
/** Events published between two steps of the restart, so every step happens under load. */
const EVENTS_PER_STEP = 40;

/** What one client saw: what the library delivered, every raw `event` frame, and its connections. */
interface Observed {
  client: WikicastClient;
  delivered: WikicastMessage[];
  /** Event ids of every `event` frame on the wire, duplicates included (the library drops those). */
  wireIds: string[];
  edges: string[];
  disconnects: Array<{ reason: string; closeCode?: number }>;
  resets: string[][];
  errors: string[];
}

/**
 * Issue 7, "It must show": a rolling restart of every edge, one at a time, under continuous
 * publishing through HAProxy (deploy/haproxy/haproxy.cfg). Each edge in turn gets SIGTERM and
 * drains (its clients are closed with 1012 and reconnect through HAProxy to the other edge,
 * resubscribing `since` their last cursor); a replacement edge starts on the same port, as
 * HAProxy's servers are fixed addresses, and the next edge follows once HAProxy sees it healthy.
 * Every client ends with every event exactly once, in order.
 */
describe('rolling restart of every edge behind HAProxy, under continuous publishing', () => {
  let cluster: HaproxyCluster;
  const observed: Observed[] = [];

  before(async () => {
    cluster = await setupHaproxyCluster('rolling', { edges: 2, edgePorts: 'fixed' });
  });

  after(async () => {
    for (const o of observed) o.client.close();
    await cluster?.cleanup();
  });

  function startClient(topic: string): Observed {
    const o: Observed = { client: undefined as unknown as WikicastClient, delivered: [], wireIds: [], edges: [], disconnects: [], resets: [], errors: [] };
    o.client = connect({
      url: cluster.haproxy.url,
      getToken: () => signToken(cluster.wiki, { sub: 'Reader', ttlS: 600 }),
      WebSocket: recordingWebSocket(o.wireIds),
    });
    o.client.on('connected', ({ edge }) => o.edges.push(edge));
    o.client.on('disconnected', (info) => o.disconnects.push(info));
    o.client.on('reset', ({ topics }) => o.resets.push(topics));
    o.client.on('error', (err) => o.errors.push(`${err.code}: ${err.message}`));
    o.client.subscribe(topic, (message) => o.delivered.push(message));
    observed.push(o);
    return o;
  }

  it('ends with every event exactly once, in order, at every client', { timeout: 240_000 }, async (t) => {
    const topic = `${cluster.wiki.id}:recentchange`;
    const clients = Array.from({ length: CLIENTS }, () => startClient(topic));
    await waitFor('every client to connect through HAProxy', () => clients.every((c) => c.client.connected()), { timeoutMs: 20_000 });

    // A subscription goes live a moment after `connected`: publish until every client has one event.
    const published: string[] = [];
    await waitFor(
      'every client to receive a first event',
      async () => {
        published.push(await cluster.publish(topic, 'probe', { n: published.length }));
        return clients.every((c) => c.delivered.length > 0);
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    const counts = await Promise.all(cluster.edges.map((edge) => cluster.wsConnections(edge)));
    assert.equal(counts.reduce<number>((a, n) => a + (n ?? 0), 0), CLIENTS, `every client on an edge (${counts.join(', ')})`);
    assert.ok(counts.every((n) => (n ?? 0) > 0), `HAProxy spread the clients over both edges (${counts.join(', ')})`);

    const publisher = publishContinuously(published, (n) => cluster.publish(topic, 'edit', { n }), PUBLISH_PACE_MS);
    const publishedMore = async (what: string): Promise<void> => {
      const target = published.length + EVENTS_PER_STEP;
      await waitFor(`${EVENTS_PER_STEP} more events to be published ${what}`, () => published.length >= target || publisher.error !== null, { timeoutMs: 30_000 });
      assert.equal(publisher.error, null, `publishing through HAProxy failed ${what}`);
    };

    try {
      await publishedMore('before the first restart');
      for (const [index, old] of [...cluster.edges].entries()) {
        const oldId = cluster.edgeId(index);
        const movers = clients.filter((c) => c.edges.at(-1) === oldId);
        // SIGTERM: the edge drains, closing its clients with 1012, and exits 0.
        const replacement = cluster.replaceEdge(index);
        assert.equal(await old.exited, 0, `${oldId} exits 0 after draining`);
        await waitFor(
          `the clients of ${oldId} to reconnect to another edge`,
          () => movers.every((c) => c.client.connected() && c.edges.at(-1) !== oldId),
          { timeoutMs: 20_000 },
        );
        const edge = await replacement;
        assert.equal(edge.port, old.port, 'the replacement listens on the port HAProxy knows');
        await publishedMore(`after ${oldId} was replaced by ${cluster.edgeId(index)}`);
      }
    } finally {
      await publisher.stop();
    }
    assert.equal(publisher.error, null, 'publishing through HAProxy never failed');

    const last = published.at(-1)!;
    await waitFor('every client to receive the last event', () => clients.every((c) => c.delivered.at(-1)?.id === last), { timeoutMs: 30_000 }).catch((err: unknown) => {
      const behind = clients.map((c, i) => `client ${i}: ${c.delivered.length} delivered, last ${c.delivered.at(-1)?.id}, edges ${c.edges.join(' → ')}`);
      throw new Error(`${(err as Error).message}; last published ${last}\n${behind.join('\n')}`, { cause: err });
    });

    t.diagnostic(`${published.length} events published; spread at start ${counts.join('/')}; moves per client ${clients.map((c) => c.disconnects.length).join(',')}`);
    const newIds = cluster.edges.map((_, i) => cluster.edgeId(i));
    for (const [i, c] of clients.entries()) {
      const ids = c.delivered.map((m) => m.id);
      const first = published.indexOf(ids[0]!);
      assert.ok(first >= 0, `client ${i}: its first event is one the test published`);
      const expected = published.slice(first);
      const missing = expected.filter((id) => !ids.includes(id));
      assert.deepEqual(ids, expected, `client ${i}: every event exactly once, in order (${missing.length} missing, ${ids.length - new Set(ids).size} repeated; edges ${c.edges.join(' → ')})`);
      const wireRepeats = c.wireIds.length - new Set(c.wireIds).size;
      assert.equal(wireRepeats, 0, `client ${i}: no event sent twice by the edges (the library's de-duplication not needed)`);
      assert.ok(c.disconnects.length >= 1, `client ${i} was moved by the restart`);
      assert.deepEqual(
        c.disconnects.map((d) => d.closeCode),
        c.disconnects.map(() => 1012),
        `client ${i}: every disconnection was a drain (1012): ${JSON.stringify(c.disconnects)}`,
      );
      assert.ok(newIds.includes(c.edges.at(-1)!), `client ${i} ends on a replacement edge (${c.edges.join(' → ')})`);
      assert.deepEqual(c.resets, [], `client ${i}: no reset (history was available)`);
      assert.deepEqual(c.errors, [], `client ${i}: no error`);
    }
  });
});
