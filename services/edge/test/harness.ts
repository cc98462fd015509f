import { randomUUID } from 'node:crypto';
import type { ConfirmChannel } from 'amqplib';
import {
  setupTopology,
  startService,
  TEST_STREAM_RETENTION,
  TestClient,
  waitUntilReady,
  writeWikisFile,
  type ServiceProcess,
  type TestClientOptions,
  type TestTopology,
  type TestWiki,
  type WikisFileEntry,
} from '@wikicast/test/support';

export { metricValue } from '@wikicast/test/support';

/** One test file's world: its own topology on the shared RabbitMQ, a wikis file, edge processes. */
export interface EdgeWorld {
  topology: TestTopology;
  /** The environment every edge of this world starts with (prefix, wikis file, retention), e.g. for an ingest beside them. */
  env: Readonly<Record<string, string>>;
  edges: ServiceProcess[];
  /** Publishes events to the events exchange as ingest would (persistent, confirmed). */
  publish: (...events: Array<Record<string, unknown>>) => Promise<void>;
  /** Opens a client on an edge (default the first) with `?token=` or other query parameters; `options` go to the WebSocket (e.g. `localAddress`). */
  connect: (query: Record<string, string>, edge?: ServiceProcess, options?: TestClientOptions) => Promise<TestClient>;
  startEdge: (env?: Record<string, string>) => Promise<ServiceProcess>;
  /** Stops edges and clients, deletes the topology and the wikis file. */
  cleanup: () => Promise<void>;
}

export async function setupEdgeWorld(label: string, wikis: readonly WikisFileEntry[], edgeCount = 1, env: Record<string, string> = {}): Promise<EdgeWorld> {
  const topology = await setupTopology(label);
  const wikisFile = writeWikisFile(wikis);
  const clients: TestClient[] = [];
  const edges: ServiceProcess[] = [];
  let channel: ConfirmChannel | null = null;
  let started = 0;
  const baseEnv = {
    WIKICAST_AMQP_PREFIX: topology.prefix,
    WIKICAST_WIKIS_FILE: wikisFile.path,
    // The retention setupTopology declared the stream with; other values are refused by RabbitMQ.
    WIKICAST_STREAM_MAX_AGE: TEST_STREAM_RETENTION.maxAge,
    WIKICAST_STREAM_MAX_BYTES: String(TEST_STREAM_RETENTION.maxLengthBytes),
    ...env,
  };
  const startEdge = async (extra: Record<string, string> = {}): Promise<ServiceProcess> => {
    started += 1;
    const edge = await startService('edge', { ...baseEnv, EDGE_ID: `edge${started}`, ...extra });
    edges.push(edge);
    edge.child.stderr?.on('data', (chunk: string) => process.stderr.write(`[${edge.kind} stderr] ${chunk}`));
    // A test that fails before stopping its edges must not leave them running (they hold the test process open).
    process.once('exit', () => edge.child.kill('SIGKILL'));
    await waitUntilReady(edge);
    return edge;
  };
  const world: EdgeWorld = {
    topology,
    env: baseEnv,
    edges,
    startEdge,
    publish: async (...events) => {
      channel ??= await topology.connection.createConfirmChannel();
      for (const event of events) {
        channel.publish(topology.names.events, '', Buffer.from(JSON.stringify(event)), { persistent: true, contentType: 'application/json' });
      }
      await channel.waitForConfirms();
    },
    connect: async (query, edge = edges[0]!, options = {}) => {
      const client = new TestClient(`ws://127.0.0.1:${edge.port}/v1/ws?${new URLSearchParams(query).toString()}`, options);
      clients.push(client);
      await client.opened;
      return client;
    },
    cleanup: async () => {
      for (const client of clients) if (client.closeCode === null) client.close();
      await Promise.all(edges.map((edge) => edge.stop()));
      if (channel !== null) await channel.close();
      await topology.cleanup();
      wikisFile.remove();
    },
  };
  try {
    for (let i = 0; i < edgeCount; i++) await startEdge();
  } catch (err) {
    await world.cleanup();
    throw err;
  }
  return world;
}

/** A valid event as ingest would publish it. */
export function wikiEvent(wiki: string, topic: string, fields: Record<string, unknown> = {}): Record<string, unknown> & { id: string } {
  return { id: randomUUID(), wiki, topic, type: 'edit', msg: { n: 1 }, ts: new Date().toISOString(), ...fields };
}

/** Subscribes and waits for the answer. */
export async function subscribe(client: TestClient, topics: string[], extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const ref = `sub-${randomUUID()}`;
  client.send({ op: 'subscribe', topics, ref, ...extra });
  return client.next((f) => (f.op === 'subscribed' || f.op === 'error') && f.ref === ref, `the answer to subscribe ${topics.join(',')}`);
}

