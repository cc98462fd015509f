/**
 * Runs ingest from the environment (see docs/ingest.md): SIGHUP reloads the wikis file,
 * SIGTERM/SIGINT close gracefully and exit 0; bad configuration exits 1 naming the key.
 */
import { runService } from '@wikicast/service-runtime';
import { readIngestConfig } from './config.js';
import { startIngest } from './ingest.js';

await runService({
  name: 'ingest',
  readConfig: readIngestConfig,
  start: async (config, logger) => {
    const ingest = await startIngest(config, logger);
    return { port: ingest.port, close: () => ingest.close(), reload: () => ingest.reloadWikis() };
  },
});
