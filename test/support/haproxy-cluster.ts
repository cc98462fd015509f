import { setupTopology, type TestTopology } from './broker.js';
import { CleanupStack } from './cleanup-stack.js';
import { wsConnections } from './edge-metrics.js';
import { freePort } from './ports.js';
import { serverChecks, startHaproxy, waitForHealthy, type HaproxyAddresses, type HaproxyProcess } from './haproxy-process.js';
import { startService, waitUntilReady, type ServiceProcess } from './service-process.js';
import { waitFor } from './wait.js';
import { signToken, testWiki, writeWikisFile, type TestWiki } from './wikis.js';

/**
 * How edges get their ports:
 * - `fixed`: each edge slot has a port reserved at start, and a replacement edge listens on the
 *   same port, as in the local cluster (HAProxy's servers are fixed addresses); HAProxy keeps
 *   running, so its open tunnels to the other edges are untouched.
 * - `ephemeral`: edges listen on port 0; a replacement gets a new port and HAProxy is restarted
 *   on its own ports with the new address (every client's tunnel is cut).
 */
export type EdgePorts = 'fixed' | 'ephemeral';

export interface HaproxyClusterOptions {
  /** Edge processes behind HAProxy (1 to 4). Default 2. */
  edges?: number;
  edgePorts?: EdgePorts;
  /** Extra environment for ingest and every edge. */
  env?: Record<string, string>;
  /** Extra environment for ingest only. */
  ingestEnv?: Record<string, string>;
  /** The cluster's wiki; default a private wiki named after the label. */
  wiki?: TestWiki;
}

/**
 * The real local cluster for one test file or benchmark: RabbitMQ topology under a unique
 * prefix, ingest and edges (each its own process), and HAProxy with deploy/haproxy/haproxy.cfg
 * in front of them, every server's health check passed.
 */
export interface HaproxyCluster {
  wiki: TestWiki;
  topology: TestTopology;
  ingest: ServiceProcess;
  /** The edge in each of HAProxy's edge slots; `replaceEdge` replaces an entry. */
  edges: ServiceProcess[];
  /** The HAProxy now running (with `ephemeral` ports, `replaceEdge` replaces it; its ports stay). */
  haproxy: HaproxyProcess;
  /** `EDGE_ID` of the edge in `edges[index]` (replacements get `…-2`, `…-3`, …). */
  edgeId: (index: number) => string;
  /** POSTs one event through HAProxy to ingest and returns its id (after RabbitMQ confirmed it). */
  publish: (topic: string, type: string, msg: unknown) => Promise<string>;
  /** `wikicast_edge_connections{transport="ws"}` of one edge (null once it does not answer). */
  wsConnections: (edge: ServiceProcess) => Promise<number | null>;
  /**
   * Stops edge `index` if it still runs (SIGTERM: it drains), starts a new edge process in its
   * slot, and resolves once HAProxy's health check of that slot (server `edge<index + 1>`) passed.
   */
  replaceEdge: (index: number) => Promise<ServiceProcess>;
  cleanup: () => Promise<void>;
}

export async function setupHaproxyCluster(label: string, options: HaproxyClusterOptions = {}): Promise<HaproxyCluster> {
  const cleanups = new CleanupStack();
  try {
    return await build(label, options, cleanups);
  } catch (err) {
    await cleanups.run().catch(() => undefined);
    throw err;
  }
}

async function build(label: string, options: HaproxyClusterOptions, cleanups: CleanupStack): Promise<HaproxyCluster> {
  const count = options.edges ?? 2;
  const edgePorts = options.edgePorts ?? 'ephemeral';
  const wiki = options.wiki ?? testWiki(`${label.replace(/[^a-z0-9]/g, '')}wiki`);
  const topology = await setupTopology(label);
  cleanups.push(() => topology.cleanup());
  const wikisFile = writeWikisFile([wiki]);
  cleanups.push(() => wikisFile.remove());
  const env = { ...options.env, WIKICAST_AMQP_PREFIX: topology.prefix, WIKICAST_WIKIS_FILE: wikisFile.path };

  const slotPorts = await Promise.all(Array.from({ length: count }, async () => (edgePorts === 'fixed' ? freePort() : 0)));
  const generations = slotPorts.map(() => 1);
  const edgeId = (index: number): string => `${label}-edge-${index + 1}${generations[index]! > 1 ? `-${generations[index]}` : ''}`;
  const startEdge = (index: number): Promise<ServiceProcess> => startService('edge', { ...env, EDGE_ID: edgeId(index), PORT: String(slotPorts[index]) });

  const started = await Promise.allSettled([startService('ingest', { ...env, ...options.ingestEnv }), ...slotPorts.map((_, i) => startEdge(i))]);
  const services: ServiceProcess[] = [];
  for (const result of started) if (result.status === 'fulfilled') services.push(result.value);
  // Every service ever started, replacements included, is stopped at the end.
  const everyService = [...services];
  cleanups.push(() => Promise.all(everyService.map((s) => s.stop(5_000))).then(() => undefined));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  const [ingest, ...edges] = services as [ServiceProcess, ...ServiceProcess[]];
  await Promise.all(services.map((s) => waitUntilReady(s)));

  const address = (s: ServiceProcess): string => `127.0.0.1:${s.port}`;
  const backends = (): HaproxyAddresses => ({ ingest: address(ingest), edges: edges.map(address) });
  let haproxy = await startHaproxy(backends());
  cleanups.push(() => haproxy.stop());
  // Servers count as up before their first check: wait for checks that really passed.
  await waitForHealthy(haproxy, 'ingest', 1);
  await waitForHealthy(haproxy, 'edges', count);

  const ingestToken = await signToken(wiki, { aud: 'ingest', ttlS: 3000 });
  const publish = async (topic: string, type: string, msg: unknown): Promise<string> => {
    const response = await fetch(`${cluster.haproxy.url}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ingestToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ topic, type, msg }),
    });
    const text = await response.text();
    const accepted = response.status === 202 ? (JSON.parse(text) as { accepted?: string[] }).accepted : undefined;
    if (accepted?.length !== 1) throw new Error(`publishing answered ${response.status}: ${text}`);
    return accepted[0]!;
  };

  const replaceEdge = async (index: number): Promise<ServiceProcess> => {
    await edges[index]!.stop(15_000);
    generations[index]!++;
    let edge: ServiceProcess;
    try {
      edge = await startEdge(index);
    } catch (err) {
      const port = slotPorts[index] === 0 ? '' : ` on port ${slotPorts[index]} (the port the stopped edge had)`;
      throw new Error(`the replacement of ${label}-edge-${index + 1} could not start${port}: ${(err as Error).message}`, { cause: err });
    }
    everyService.push(edge);
    edges[index] = edge;
    await waitUntilReady(edge);
    if (edgePorts === 'ephemeral') {
      haproxy = await haproxy.restart(backends());
      cluster.haproxy = haproxy;
    }
    const server = `edge${index + 1}`;
    await waitFor(`HAProxy to see ${server} healthy again`, async () => (await serverChecks(cluster.haproxy)).some((s) => s.backend === 'edges' && s.server === server && s.status === 'UP' && s.check === 'L7OK'), { timeoutMs: 15_000, intervalMs: 100 });
    return edge;
  };

  const cluster: HaproxyCluster = { wiki, topology, ingest, edges, haproxy, edgeId, publish, wsConnections, replaceEdge, cleanup: () => cleanups.run() };
  return cluster;
}
