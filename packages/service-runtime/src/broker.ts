import { EventEmitter } from 'node:events';
import amqp, { type ChannelModel } from 'amqplib';
import type { Logger } from 'pino';
import type { AmqpTlsOptions } from './amqp-tls.js';

export const RECONNECT_INITIAL_DELAY_MS = 100;
export const RECONNECT_MAX_DELAY_MS = 5_000;
export const HEARTBEAT_S = 10;

export interface BrokerOptions {
  url: string;
  /** Shown by `rabbitmqctl list_connections client_properties`; tests close connections by it. */
  connectionName: string;
  /** CA and client certificate for `amqps://` (readAmqpTls); amqplib gives them to tls.connect. */
  tls?: AmqpTlsOptions;
  logger: Logger;
  /** Re-creates channels, topology and consumers; runs after every (re)connect, before `up`. */
  setup: (model: ChannelModel) => Promise<void>;
}

interface BrokerEvents {
  up: [];
  down: [Error];
  blocked: [string];
  unblocked: [];
}

/**
 * One AMQP connection with amqplib's recovery. Owners re-create their channels in `setup`;
 * a channel that dies while the connection lives is mended with `restart()`, which recycles the
 * whole connection so that every channel goes through the same setup path.
 */
export class Broker extends EventEmitter<BrokerEvents> {
  #connection: amqp.RecoveringChannelModel | null = null;
  #model: ChannelModel | null = null;
  #up = false;
  #blocked = false;
  #closed = false;
  readonly #options: BrokerOptions;

  constructor(options: BrokerOptions) {
    super();
    this.#options = options;
  }

  /** True while connected and set up. */
  get up(): boolean {
    return this.#up;
  }

  /** The live connection, for channels opened on demand (e.g. reading history); `null` while down. */
  get model(): ChannelModel | null {
    return this.#up ? this.#model : null;
  }

  /** True while RabbitMQ has blocked publishing (memory or disk alarm). */
  get blocked(): boolean {
    return this.#blocked;
  }

  /** Starts connecting; resolves at once. Listen for `up`. */
  async start(): Promise<void> {
    const { logger } = this.#options;
    const connection = await amqp.connect(withHeartbeat(this.#options.url), {
      ...this.#options.tls,
      noDelay: true,
      clientProperties: { connection_name: this.#options.connectionName },
      recovery: {
        waitForConnect: false,
        initialDelay: RECONNECT_INITIAL_DELAY_MS,
        maxDelay: RECONNECT_MAX_DELAY_MS,
        maxRetries: Infinity,
        setup: async (model: ChannelModel) => {
          this.#model = model;
          await this.#options.setup(model);
        },
      },
    });
    this.#connection = connection;
    connection.on('connect', () => {
      this.#up = true;
      this.#blocked = false;
      logger.info('broker connected');
      this.emit('up');
    });
    connection.on('disconnect', (err: Error) => {
      this.#up = false;
      this.#model = null;
      logger.warn({ err }, 'broker connection lost; reconnecting');
      this.emit('down', err);
    });
    connection.on('connect-failed', (err: Error) => logger.warn({ err }, 'broker connection attempt failed'));
    connection.on('reconnect-scheduled', (info: { attempt: number; delay: number }) =>
      logger.debug({ attempt: info.attempt, delayMs: info.delay }, 'broker reconnect scheduled'),
    );
    connection.on('error', (err: Error) => logger.warn({ err }, 'broker connection error'));
    connection.on('blocked', (reason: string) => {
      this.#blocked = true;
      logger.warn({ reason }, 'broker blocked publishing');
      this.emit('blocked', reason);
    });
    connection.on('unblocked', () => {
      this.#blocked = false;
      logger.info('broker unblocked publishing');
      this.emit('unblocked');
    });
  }

  /** Recycles the connection, e.g. after a channel closed under us; recovery runs setup again. */
  restart(reason: string): void {
    const model = this.#model;
    if (model === null || this.#closed) return;
    this.#options.logger.warn({ reason }, 'recycling broker connection');
    model.close().catch((err: unknown) => this.#options.logger.warn({ err }, 'closing broker connection for restart failed'));
  }

  /** Closes for good; idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#up = false;
    const connection = this.#connection;
    this.#connection = null;
    if (connection !== null) await connection.close();
  }
}

/** Heartbeats notice a dead broker within seconds; an operator's own `heartbeat` in the URL wins. */
function withHeartbeat(url: string): string {
  const parsed = new URL(url);
  if (!parsed.searchParams.has('heartbeat')) parsed.searchParams.set('heartbeat', String(HEARTBEAT_S));
  return parsed.toString();
}
