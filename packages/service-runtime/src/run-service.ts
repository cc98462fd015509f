import type { Logger } from 'pino';
import { ConfigError } from './config-error.js';
import type { Env } from './env.js';
import type { LogLevel } from './common-config.js';
import { createLogger } from './logger.js';

/** What a service's start function hands back to the process runner. */
export interface RunningService {
  port: number;
  /** Finishes in-flight work and releases everything; idempotent. */
  close(): Promise<void>;
  /** SIGHUP: reload what can be reloaded without a restart. */
  reload?(): void;
}

export interface ServiceDefinition<C extends ServiceBasics> {
  name: string;
  readConfig(env: Env): C;
  start(config: C, logger: Logger): Promise<RunningService>;
}

export interface ServiceBasics {
  logLevel: LogLevel;
  host: string;
  amqpPrefix: string;
  instance: string;
  connectionName: string;
}

/**
 * Runs a service as its own process, the same way for every service: bad configuration exits 1
 * with one line naming the key; `listening` is logged with the bound port (tests and the local
 * cluster wait for it); SIGTERM/SIGINT close gracefully and exit 0; SIGHUP calls `reload` and
 * never ends the process.
 */
export async function runService<C extends ServiceBasics>(definition: ServiceDefinition<C>, env: Env = process.env): Promise<void> {
  const { name } = definition;
  const badConfig = (err: ConfigError): never => {
    process.stderr.write(`${name}: bad configuration: ${err.message}\n`);
    process.exit(1);
  };
  let config: C;
  try {
    config = definition.readConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return badConfig(err);
    throw err;
  }
  const logger = createLogger(name, config.logLevel, config.instance);
  let service: RunningService;
  try {
    service = await definition.start(config, logger);
  } catch (err) {
    if (err instanceof ConfigError) return badConfig(err);
    logger.fatal({ err }, `${name} failed to start`);
    process.exit(1);
  }
  logger.info({ port: service.port, host: config.host, prefix: config.amqpPrefix, connectionName: config.connectionName }, 'listening');
  // Always handled: Node's default for SIGHUP ends the process, which for an edge would drop
  // every client without a drain (1006). A failing reload is logged; the service keeps serving.
  process.on('SIGHUP', () => {
    if (service.reload === undefined) {
      logger.info('SIGHUP: nothing to reload');
      return;
    }
    try {
      service.reload();
    } catch (err) {
      logger.error({ err }, 'reload failed; serving on with what was loaded before');
    }
  });
  const stop = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'stopping');
    service.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'closing failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
