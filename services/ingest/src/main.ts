/**
 * Runs ingest from the environment (see docs/ingest.md): SIGHUP reloads the wikis file,
 * SIGTERM/SIGINT close gracefully and exit 0; bad configuration exits 1 naming the key.
 */
import { ConfigError, createLogger } from '@wikicast/service-runtime';
import { readIngestConfig, type IngestConfig } from './config.js';
import { startIngest } from './ingest.js';

let config: Readonly<IngestConfig>;
try {
  config = readIngestConfig(process.env);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`ingest: bad configuration: ${err.message}\n`);
  process.exit(1);
}

const logger = createLogger('ingest', config.logLevel, config.instance);

try {
  const ingest = await startIngest(config, logger);
  logger.info({ port: ingest.port, host: config.host, prefix: config.amqpPrefix, connectionName: config.connectionName }, 'listening');
  process.on('SIGHUP', () => {
    ingest.reloadWikis();
  });
  const stop = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'stopping');
    ingest.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'closing failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`ingest: bad configuration: ${err.message}\n`);
  } else {
    logger.fatal({ err }, 'ingest failed to start');
  }
  process.exit(1);
}
