import { setupTopology, type TestTopology } from './broker.js';
import { startService, waitUntilReady, type ServiceProcess } from './service-process.js';
import { writeWikisFile, type TestWiki } from './wikis.js';

/** Ingest and edges as processes on the real RabbitMQ, under a topology and wikis file of their own. */
export interface ServiceWorld {
  topology: TestTopology;
  wikisFile: { path: string; remove: () => void };
  ingest: ServiceProcess;
  edges: ServiceProcess[];
  /** Stops every process, then removes the topology and the wikis file. */
  cleanup: () => Promise<void>;
}

/**
 * Starts ingest and one edge per entry of `edges` (its extra environment; its EDGE_ID is
 * `<prefix>-edge-<n>` unless given) and resolves once all are ready.
 */
export async function startServiceWorld(label: string, wikis: readonly TestWiki[], edges: ReadonlyArray<Record<string, string>>): Promise<ServiceWorld> {
  const topology = await setupTopology(label);
  const wikisFile = writeWikisFile([...wikis]);
  const env = { WIKICAST_AMQP_PREFIX: topology.prefix, WIKICAST_WIKIS_FILE: wikisFile.path };
  const [ingest, ...edgeProcesses] = await Promise.all([
    startService('ingest', env),
    ...edges.map((extra, i) => startService('edge', { ...env, EDGE_ID: `${topology.prefix}-edge-${i + 1}`, ...extra })),
  ]);
  await Promise.all([ingest!, ...edgeProcesses].map((s) => waitUntilReady(s)));
  return {
    topology,
    wikisFile,
    ingest: ingest!,
    edges: edgeProcesses,
    cleanup: async () => {
      await Promise.all([ingest!, ...edgeProcesses].map((s) => s.stop()));
      await topology.cleanup();
      wikisFile.remove();
    },
  };
}
