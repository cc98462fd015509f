import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { connect, type WikicastClient, type WikicastMessage } from '@wikicast/client';
import {
  metricValue,
  publishContinuously,
  type ServiceProcess,
  type ServiceWorld,
  signToken,
  startServiceWorld,
  TestClient,
  testKey,
  type TestKey,
  type TestTopology,
  testWiki,
  waitFor,
  type WikisFileEntry,
  withKeys,
} from '@wikicast/test/support';

/** Lifetime of the readers' connection tokens: short, so "after the longest token lifetime" comes in seconds. */
const READER_TOKEN_TTL_S = 4;
/** Pause between two events of the continuous publisher. */
const PUBLISH_PACE_MS = 20;
/** Events published between two steps of the rotation, so every step happens under load. */
const EVENTS_PER_STEP = 30;
const READERS_PER_EDGE = 2;

/**
 * Issue 14, item 2: a wiki's key rotated with ingest, two edges and readers running and events
 * flowing, by the procedure of docs/operations.md "Rotating a wiki's key". The wiki starts with a
 * single `secret` (its tokens name no kid), as existing wikis files do. Step 1 lists a new key as
 * current and the old one as previous, SIGHUP to every service; step 2 the wiki signs with the new
 * key and its kid; step 3, after the longest token lifetime, removes the old key, SIGHUP again.
 * The wiki's publishing never gets a 401, every reader ends with every event exactly once (none
 * is closed: each refreshed its token before the old key went), and tokens signed with the old
 * key are honoured until it is removed, then refused.
 */
describe("rotating a wiki's key under load", () => {
  const wiki = testWiki('rotwiki');
  const oldKey: TestKey = { kid: 'old', secret: wiki.secret };
  const newKey = testKey('new');
  const topic = `${wiki.id}:recentchange`;
  const probeTopic = `${wiki.id}:probe`;
  let world: ServiceWorld;
  let topology: TestTopology;
  let wikisFile: { path: string; remove: () => void };
  let ingest: ServiceProcess;
  let edges: ServiceProcess[];
  const readers: Reader[] = [];
  const held: TestClient[] = [];

  /** What the wiki signs with now: `null` while it still uses its single secret without kid. */
  let signing: TestKey | null = null;
  /** When the last reader token signed with the old key expires (ms): step 3 waits for it. */
  let oldReaderTokensExpireMs = 0;

  interface Reader {
    client: WikicastClient;
    delivered: WikicastMessage[];
    disconnects: Array<{ reason: string; closeCode?: number }>;
  }

  before(async () => {
    world = await startServiceWorld('rotation', [wiki], [{ EDGE_ID: 'rotation-edge-1' }, { EDGE_ID: 'rotation-edge-2' }]);
    ({ topology, wikisFile, ingest, edges } = world);
  });

  after(async () => {
    for (const reader of readers) reader.client.close();
    for (const client of held) client.close();
    await world?.cleanup();
  });

  /** A token as the wiki mints it now. */
  function wikiToken(options: { aud?: string; ttlS: number }): Promise<string> {
    return signToken(wiki, { sub: 'Reader', ...options, ...(signing === null ? {} : { key: signing }) });
  }

  /** A reader's token from the wiki, as a browser gets it, noting how long the old key's stay usable. */
  function readerToken(): Promise<string> {
    if (signing === null) oldReaderTokensExpireMs = Math.max(oldReaderTokensExpireMs, Date.now() + READER_TOKEN_TTL_S * 1000);
    return wikiToken({ ttlS: READER_TOKEN_TTL_S });
  }

  function startReader(edge: ServiceProcess): Reader {
    const reader: Reader = {
      client: connect({ url: edge.url, getToken: readerToken }),
      delivered: [],
      disconnects: [],
    };
    reader.client.on('disconnected', (info) => reader.disconnects.push(info));
    reader.client.subscribe(topic, (message) => reader.delivered.push(message));
    readers.push(reader);
    return reader;
  }

  /** POSTs one event; `to` another topic than the readers' for the probes with held tokens. */
  async function post(token: string, n: number, to = topic): Promise<{ status: number; id?: string }> {
    const response = await fetch(`${ingest.url}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ topic: to, type: 'edit', msg: { n } }),
    });
    const body = (await response.json()) as { accepted?: string[] };
    return { status: response.status, id: body.accepted?.[0] };
  }

  async function rewriteAndReload(wikis: readonly WikisFileEntry[]): Promise<void> {
    const reloads = (s: ServiceProcess): number => s.logs.filter((l) => l.msg === 'wikis file reloaded').length;
    const before = [ingest, ...edges].map(reloads);
    writeFileSync(wikisFile.path, JSON.stringify(wikis));
    for (const service of [ingest, ...edges]) service.child.kill('SIGHUP');
    await waitFor('every service to reload the wikis file', () => [ingest, ...edges].every((s, i) => reloads(s) === before[i]! + 1));
  }

  /** A connection opened with `token` as is (no refresh), once it was welcomed or refused. */
  async function admitted(edge: ServiceProcess, token: string): Promise<TestClient> {
    const client = new TestClient(`ws://127.0.0.1:${edge.port}/v1/ws?token=${encodeURIComponent(token)}`);
    held.push(client);
    await client.opened;
    await waitFor('a welcome or a refusal', () => client.frames.some((f) => f.op === 'welcome') || client.closeCode !== null);
    return client;
  }

  it('publishes without a 401, delivers every event once to every reader, and refuses the old key only once removed', { timeout: 120_000 }, async (t) => {
    const started = readers.length;
    for (const edge of edges) for (let i = 0; i < READERS_PER_EDGE; i++) startReader(edge);
    await waitFor('every reader to connect', () => readers.every((r) => r.client.connected()), { timeoutMs: 20_000 });

    const statuses = new Map<number, number>();
    const published: string[] = [];
    const publishOne = async (n: number): Promise<string> => {
      const { status, id } = await post(await wikiToken({ aud: 'ingest', ttlS: 60 }), n);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status !== 202 || id === undefined) throw new Error(`ingest answered ${status} to event ${n}`);
      return id;
    };
    // A subscription goes live a moment after `connected`: publish until every reader has an event.
    await waitFor('every reader to receive a first event', async () => {
      published.push(await publishOne(published.length));
      return readers.every((r) => r.delivered.length > 0);
    }, { timeoutMs: 20_000, intervalMs: 100 });

    const publisher = publishContinuously(published, publishOne, PUBLISH_PACE_MS);
    const publishedMore = async (what: string): Promise<void> => {
      const target = published.length + EVENTS_PER_STEP;
      await waitFor(`${EVENTS_PER_STEP} more events ${what}`, () => published.length >= target || publisher.error !== null, { timeoutMs: 30_000 });
      assert.equal(publisher.error, null, `publishing failed ${what}`);
    };
    const heldIngestToken = await wikiToken({ aud: 'ingest', ttlS: 300 });
    const heldEdgeToken = await wikiToken({ ttlS: 300 });
    try {
      await publishedMore('before the rotation');

      // Step 1: the new key is current, the old one previous; every service reloads.
      await rewriteAndReload([withKeys(wiki, [newKey, oldKey])]);
      await publishedMore('after step 1');
      assert.equal((await post(heldIngestToken, -1, probeTopic)).status, 202, 'an old ingest token is honoured while its key is listed');
      assert.equal((await admitted(edges[0]!, heldEdgeToken)).closeCode, null, 'an old connection token is honoured while its key is listed');

      // Step 2: the wiki signs with the new key and names its kid.
      signing = newKey;
      await publishedMore('after step 2');
      await waitFor('the longest lifetime of a token signed with the old key', () => Date.now() > oldReaderTokensExpireMs, { timeoutMs: 20_000 });
      await publishedMore('once every old-key reader token expired');

      // Step 3: the old key is removed; every service reloads.
      await rewriteAndReload([withKeys(wiki, [newKey])]);
      await publishedMore('after step 3');
    } finally {
      await publisher.stop();
    }
    assert.equal(publisher.error, null, 'publishing never failed');

    const oldIngest = await post(heldIngestToken, -2, probeTopic);
    assert.equal(oldIngest.status, 401, 'the old ingest token is refused once its key is removed');
    const oldConnection = await admitted(edges[1]!, heldEdgeToken);
    assert.equal(await oldConnection.closed(), 1008, 'the old connection token is refused once its key is removed');
    assert.equal(oldConnection.frames.at(-1)?.code, 'unauthorized');
    assert.equal(await held[0]!.closed(), 1008, 'the connection it opened before is closed by the reload that removed its key');

    const last = published.at(-1)!;
    await waitFor('every reader to receive the last event', () => readers.every((r) => r.delivered.at(-1)?.id === last), { timeoutMs: 30_000 });
    for (const [i, reader] of readers.slice(started).entries()) {
      const ids = reader.delivered.map((m) => m.id);
      const expected = published.slice(published.indexOf(ids[0]!));
      assert.deepEqual(ids, expected, `reader ${i}: every event from its first on, exactly once, in order`);
      assert.deepEqual(reader.disconnects, [], `reader ${i} was never disconnected`);
    }
    const refusedByIngest = await metricValue(ingest, 'wikicast_ingest_requests_total', { status: '401' });
    assert.equal(refusedByIngest, 1, 'ingest answered 401 only to the old token after its key was removed');
    assert.deepEqual([...statuses.keys()], [202], "the wiki's publishing got 202 every time");
    t.diagnostic(
      `${published.length} events published, ${statuses.get(202)} answered 202, 401s to the wiki: ${statuses.get(401) ?? 0}; ` +
        `delivered per reader: ${readers.map((r) => r.delivered.length).join(', ')}; ingest 401 total: ${refusedByIngest}`,
    );
  });
});
