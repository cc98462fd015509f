import { setupTopology, TEST_STREAM_RETENTION, type TestTopology } from './broker.js';
import { CleanupStack } from './cleanup-stack.js';
import type { RabbitCluster } from './rabbitmq-cluster.js';
import { startService, waitUntilReady, type ServiceProcess } from './service-process.js';
import { waitFor } from './wait.js';
import { signToken, testWiki, writeWikisFile, type TestWiki } from './wikis.js';
import { TestClient } from './ws-client.js';

/** What one POST got. */
export interface PostOutcome {
  status: number;
  startedAt: number;
  ms: number;
  /** The event's id when answered 202. */
  id: string | null;
}

/** One reader's `event` frames, in arrival order, with when each arrived. */
export interface Reader {
  client: TestClient;
  edge: number;
  ids: string[];
  arrivals: number[];
}

export interface FailoverWorldOptions {
  /** Readers per edge. */
  readersPerEdge: number;
  /** Edges; edge i is given the node list rotated by i, so the edges start on different nodes. */
  edges: number;
  publishTimeoutMs: number;
}

/**
 * Ingest, edges and WebSocket readers on a RabbitMQ cluster of the test's own, every service
 * given every node in AMQP_URL, and a POST loop that records every answer. The topology is
 * declared through the first node, so the stream's leader starts there (RabbitMQ's client-local
 * placement).
 */
export interface FailoverWorld {
  cluster: RabbitCluster;
  /** Names and prefix only: its connection is closed. */
  topology: TestTopology;
  wiki: TestWiki;
  topic: string;
  ingest: ServiceProcess;
  edges: ServiceProcess[];
  readers: Reader[];
  outcomes: PostOutcome[];
  /** Starts `posters` concurrent POST loops (each waits for its answer, then `paceMs`). */
  startPosting: (posters: number, paceMs: number, answerBoundMs: number) => void;
  stopPosting: () => Promise<void>;
  /** Ids answered 202, in the order answered. */
  accepted: () => string[];
  /** Waits until `n` more events were answered 202 than now. */
  acceptedMore: (n: number, what: string, timeoutMs?: number) => Promise<void>;
  cleanup: () => Promise<void>;
}

export async function setupFailoverWorld(label: string, cluster: RabbitCluster, options: FailoverWorldOptions): Promise<FailoverWorld> {
  const cleanups = new CleanupStack();
  try {
    return await build(label, cluster, options, cleanups);
  } catch (err) {
    await cleanups.run();
    throw err;
  }
}

async function build(label: string, cluster: RabbitCluster, options: FailoverWorldOptions, cleanups: CleanupStack): Promise<FailoverWorld> {
  const topology = await setupTopology(label, cluster.nodes[0]!.url);
  // Closed at once: its node may be the one a test kills, and the cluster goes with the test.
  await topology.connection.close();
  const wiki = testWiki(`${label.replace(/[^a-z0-9]/g, '')}wiki`);
  const wikisFile = writeWikisFile([wiki]);
  cleanups.push(() => wikisFile.remove());
  const urls = cluster.nodes.map((node) => node.url);
  const rotated = (by: number): string => [...urls.slice(by % urls.length), ...urls.slice(0, by % urls.length)].join(',');
  const env = {
    WIKICAST_AMQP_PREFIX: topology.prefix,
    WIKICAST_WIKIS_FILE: wikisFile.path,
    WIKICAST_STREAM_MAX_AGE: TEST_STREAM_RETENTION.maxAge,
    WIKICAST_STREAM_MAX_BYTES: String(TEST_STREAM_RETENTION.maxLengthBytes),
  };
  const services: ServiceProcess[] = [];
  cleanups.push(() => Promise.all(services.map((s) => s.stop(5_000))).then(() => undefined));
  const start = async (kind: 'ingest' | 'edge', extra: Record<string, string>): Promise<ServiceProcess> => {
    const service = await startService(kind, { ...env, ...extra });
    services.push(service);
    process.once('exit', () => service.child.kill('SIGKILL'));
    return service;
  };
  const ingest = await start('ingest', { AMQP_URL: rotated(0), WIKICAST_INGEST_PUBLISH_TIMEOUT_MS: String(options.publishTimeoutMs) });
  const edges: ServiceProcess[] = [];
  for (let i = 0; i < options.edges; i++) edges.push(await start('edge', { AMQP_URL: rotated(i + 1), EDGE_ID: `${label}-edge-${i + 1}` }));
  await Promise.all(services.map((s) => waitUntilReady(s, 60_000)));

  const topic = `${wiki.id}:failover`;
  const readers: Reader[] = [];
  cleanups.push(() => {
    for (const reader of readers) reader.client.close();
  });
  const readerToken = await signToken(wiki, { sub: 'Reader', ttlS: 3600 });
  for (const [edgeIndex, edge] of edges.entries()) {
    for (let i = 0; i < options.readersPerEdge; i++) {
      const client = new TestClient(`ws://127.0.0.1:${edge.port}/v1/ws?token=${readerToken}`);
      const reader: Reader = { client, edge: edgeIndex, ids: [], arrivals: [] };
      readers.push(reader);
      client.socket.on('message', (data: Buffer) => {
        const frame = JSON.parse(data.toString('utf8')) as { op?: string; id?: string };
        if (frame.op === 'event' && typeof frame.id === 'string') {
          reader.ids.push(frame.id);
          reader.arrivals.push(Date.now());
        }
      });
      await client.opened;
      client.send({ op: 'subscribe', topics: [topic], ref: 'sub' });
    }
  }
  await Promise.all(readers.map((r) => r.client.next((f) => f.op === 'subscribed' && f.ref === 'sub', 'subscribed', 20_000)));

  const ingestToken = await signToken(wiki, { aud: 'ingest', ttlS: 3600 });
  const outcomes: PostOutcome[] = [];
  let running = false;
  let loops: Array<Promise<void>> = [];
  const post = async (n: number, answerBoundMs: number): Promise<void> => {
    const startedAt = Date.now();
    const started = performance.now();
    // A POST that outlives the bound rejects, which fails the test: that would be a hang.
    const response = await fetch(`${ingest.url}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ingestToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ topic, type: 'tick', msg: { n } }),
      signal: AbortSignal.timeout(answerBoundMs),
    });
    const body = (await response.json()) as { accepted?: string[] };
    const id = response.status === 202 ? (body.accepted?.[0] ?? null) : null;
    outcomes.push({ status: response.status, startedAt, ms: performance.now() - started, id });
  };
  const world: FailoverWorld = {
    cluster,
    topology,
    wiki,
    topic,
    ingest,
    edges,
    readers,
    outcomes,
    startPosting: (posters, paceMs, answerBoundMs) => {
      running = true;
      let n = 0;
      loops = Array.from({ length: posters }, async () => {
        while (running) {
          await post(n++, answerBoundMs);
          await new Promise((resolve) => setTimeout(resolve, paceMs));
        }
      });
    },
    stopPosting: async () => {
      running = false;
      await Promise.all(loops);
    },
    accepted: () => outcomes.flatMap((o) => (o.id === null ? [] : [o.id])),
    acceptedMore: async (n, what, timeoutMs = 60_000) => {
      const target = world.accepted().length + n;
      await waitFor(what, () => world.accepted().length >= target, { timeoutMs, intervalMs: 50 });
    },
    cleanup: () => cleanups.run(),
  };
  // First of the cleanups: a test that failed midway leaves its POST loops running.
  cleanups.push(async () => {
    running = false;
    await Promise.allSettled(loops);
  });
  return world;
}
