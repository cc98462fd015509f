/**
 * Runs one edge from the environment (see docs/edge.md): SIGHUP reloads the wikis file,
 * SIGTERM/SIGINT drain it and exit 0; bad configuration exits 1 with a message naming the key.
 */
import { runService } from '@wikicast/service-runtime';
import { readEdgeConfig } from './config.js';
import { startEdge } from './edge.js';

await runService({
  name: 'edge',
  readConfig: readEdgeConfig,
  start: async (config, logger) => {
    const edge = await startEdge(config, logger);
    return { port: edge.port, close: () => edge.close(), reload: () => edge.reloadWikis() };
  },
});
