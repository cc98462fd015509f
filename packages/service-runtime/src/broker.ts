import { EventEmitter } from 'node:events';
import amqp, { type ChannelModel } from 'amqplib';
import { batchAmqpWrites } from './amqp-write-batching.js';
import type { Logger } from 'pino';
import { reconnectDelayMs } from './reconnect-delay.js';
import { withinTime } from './within-time.js';
import type { AmqpTlsOptions } from './amqp-tls.js';

export const HEARTBEAT_S = 10;
/** A node that accepts TCP but does not answer the AMQP handshake is given up on after this long. */
export const CONNECT_TIMEOUT_MS = 5_000;
/**
 * A node that takes the connection but does not answer the setup's requests (amqplib's have no
 * timeout of their own) is given up on after this long and the next node is tried: seen in a
 * rolling restart, where an edge that reconnected mid-restart heard nothing back for over a
 * minute and delivered nothing meanwhile. Generous, because declaring streams on a busy cluster
 * can take seconds.
 */
export const SETUP_TIMEOUT_MS = 20_000;

export interface BrokerOptions {
  /** One URL per RabbitMQ node; a lost connection or failed attempt moves on to the next. */
  urls: readonly string[];
  /** Shown by `rabbitmqctl list_connections client_properties`; tests close connections by it. */
  connectionName: string;
  /** CA and client certificate for `amqps://` (readAmqpTls); amqplib gives them to tls.connect. */
  tls?: AmqpTlsOptions;
  logger: Logger;
  /** Re-creates channels, topology and consumers; runs after every (re)connect, before `up`. */
  setup: (model: ChannelModel) => Promise<void>;
  /** SETUP_TIMEOUT_MS unless set (tests). */
  setupTimeoutMs?: number;
}

interface BrokerEvents {
  up: [];
  down: [Error];
  blocked: [string];
  unblocked: [];
}

/**
 * One AMQP connection to one node of a RabbitMQ cluster at a time. amqplib's own recovery
 * reconnects to a single URL, so the failover across nodes is done here: when the connection is
 * lost, or an attempt (connect plus `setup`) fails, the next attempt goes to the next URL in the
 * list, round-robin, with a backoff once every node has been tried. Owners re-create their
 * channels in `setup`; a channel that dies while the connection lives is mended with `restart()`,
 * which recycles the whole connection so that every channel goes through the same setup path.
 */
export class Broker extends EventEmitter<BrokerEvents> {
  /** The connection being set up or in use; `null` between attempts. */
  #current: ChannelModel | null = null;
  #node: string | null = null;
  #up = false;
  #blocked = false;
  #closed = false;
  #next = 0;
  #failures = 0;
  #timer: NodeJS.Timeout | null = null;
  /** Why the last setup failed after a connection was made (e.g. a stream declared with other retention). */
  #setupError: string | null = null;
  readonly #options: BrokerOptions;

  constructor(options: BrokerOptions) {
    super();
    if (options.urls.length === 0) throw new Error('Broker needs at least one AMQP URL');
    this.#options = options;
  }

  /** True while connected and set up. */
  get up(): boolean {
    return this.#up;
  }

  /** The live connection, for channels opened on demand (e.g. reading history); `null` while down. */
  get model(): ChannelModel | null {
    return this.#up ? this.#current : null;
  }

  /** `host:port` of the node in use; `null` while down. */
  get node(): string | null {
    return this.#up ? this.#node : null;
  }

  /** Why the broker is not up, for a service's `/readyz`; `null` while it is. */
  get downReason(): string | null {
    if (this.#up) return null;
    return this.#setupError === null ? 'broker not connected' : `broker setup failed: ${this.#setupError}`;
  }

  /** True while RabbitMQ has blocked publishing (memory or disk alarm). */
  get blocked(): boolean {
    return this.#blocked;
  }

  /** Starts connecting; resolves at once. Listen for `up`. */
  async start(): Promise<void> {
    setImmediate(() => void this.#attempt());
  }

  /** Recycles the connection, e.g. after a channel closed under us; the next attempt runs setup again. */
  restart(reason: string): void {
    const model = this.#up ? this.#current : null;
    if (model === null || this.#closed) return;
    this.#options.logger.warn({ reason, node: this.#node }, 'recycling broker connection');
    model.close().catch((err: unknown) => this.#options.logger.warn({ err }, 'closing broker connection for restart failed'));
  }

  /** Closes for good; idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#up = false;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    const model = this.#current;
    this.#current = null;
    if (model !== null) await model.close();
  }

  async #attempt(): Promise<void> {
    if (this.#closed) return;
    const { urls, logger } = this.#options;
    const url = urls[this.#next]!;
    this.#next = (this.#next + 1) % urls.length;
    const node = nodeOf(url);
    let model: ChannelModel | null = null;
    try {
      model = await amqp.connect(withHeartbeat(url), {
        ...this.#options.tls,
        noDelay: true,
        timeout: CONNECT_TIMEOUT_MS,
        clientProperties: { connection_name: this.#options.connectionName },
      });
      batchAmqpWrites(model, logger);
      this.#current = model;
      this.#node = node;
      this.#watch(model);
      try {
        const timeoutMs = this.#options.setupTimeoutMs ?? SETUP_TIMEOUT_MS;
        if ((await withinTime(this.#options.setup(model), timeoutMs)) === 'timeout') {
          throw new Error(`setup did not finish within ${timeoutMs} ms: RabbitMQ did not answer its requests`);
        }
      } catch (err) {
        this.#setupError = (err as Error).message;
        throw err;
      }
      if (this.#current !== model) throw new Error('the connection closed during setup');
      this.#setupError = null;
    } catch (err) {
      if (model !== null && this.#current === model) this.#current = null;
      logger.warn({ err, node }, 'broker connection attempt failed');
      if (model !== null) model.close().catch((closeErr: unknown) => logger.debug({ err: closeErr }, 'closing the failed attempt\'s connection failed (it was closed already)'));
      this.#scheduleAttempt();
      return;
    }
    if (this.#closed) {
      await model.close();
      return;
    }
    this.#up = true;
    this.#blocked = false;
    this.#failures = 0;
    logger.info({ node }, 'broker connected');
    this.emit('up');
  }

  #watch(model: ChannelModel): void {
    const { logger } = this.#options;
    model.on('close', (err?: Error) => {
      if (this.#current !== model) return;
      this.#current = null;
      const wasUp = this.#up;
      this.#up = false;
      if (this.#closed) return;
      const reason = err ?? new Error('connection closed');
      logger.warn({ err: reason, node: this.#node }, 'broker connection lost; reconnecting to the next node');
      // A loss during setup is that attempt's failure, reported by its catch.
      if (!wasUp) return;
      this.emit('down', reason);
      this.#scheduleAttempt();
    });
    model.on('error', (err: Error) => logger.warn({ err, node: this.#node }, 'broker connection error'));
    model.on('blocked', (reason: string) => {
      this.#blocked = true;
      logger.warn({ reason }, 'broker blocked publishing');
      this.emit('blocked', reason);
    });
    model.on('unblocked', () => {
      this.#blocked = false;
      logger.info('broker unblocked publishing');
      this.emit('unblocked');
    });
  }

  #scheduleAttempt(): void {
    if (this.#closed || this.#timer !== null) return;
    this.#failures++;
    const delayMs = reconnectDelayMs(this.#failures, this.#options.urls.length);
    this.#options.logger.debug({ attempt: this.#failures, delayMs }, 'broker reconnect scheduled');
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#attempt();
    }, delayMs);
  }
}

/** Heartbeats notice a dead broker within seconds; an operator's own `heartbeat` in the URL wins. */
function withHeartbeat(url: string): string {
  const parsed = new URL(url);
  if (!parsed.searchParams.has('heartbeat')) parsed.searchParams.set('heartbeat', String(HEARTBEAT_S));
  return parsed.toString();
}

/** `host:port` for logs: never the credentials. */
function nodeOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || (parsed.protocol === 'amqps:' ? '5671' : '5672')}`;
}
