import { recycleOnChannelError } from '@wikicast/service-runtime';
import { randomUUID } from 'node:crypto';
import { type ControlMessage } from '@wikicast/protocol';
import { validators, summarize } from '@wikicast/protocol/schemas';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import type { Logger } from 'pino';
import { streamOffset } from './log-entry.js';

export interface ControlConsumerOptions {
  /** The control fanout exchange, `<prefix>.control`: where this edge publishes its catch-up marker. */
  exchange: string;
  /** The stream bound to it, `<prefix>.control.log`: every control message, kept (declareTopology). */
  stream: string;
  /** How far back the first read starts: revocations older than this no longer matter to any token. */
  historyMs: number;
  /** Longest wait for the catch-up marker before the attach fails (and the broker's setup is retried). */
  catchUpTimeoutMs: number;
  logger: Logger;
  /** A valid control message, once per `id`. */
  onMessage: (message: ControlMessage) => void;
  /** The channel failed while the connection lives; the owner recycles the connection. */
  onChannelFailure: (reason: string) => void;
}

/** How many control message ids are remembered to drop a re-published one. */
export const SEEN_IDS = 10_000;
/** Control messages are few and small: a modest window. */
const PREFETCH = 100;

/**
 * This edge's view of the revocations, read from the replicated control stream rather than from a
 * queue of its own, so that none is ever missed: at first start it reads every message of the
 * last `historyMs` (revocations issued while it did not run), after a reconnect it continues at
 * the offset after the last one it saw (revocations issued while it was cut off). An attach ends
 * only once the edge has caught up: it publishes a marker of its own to the exchange and waits
 * until the stream hands it back, so everything before it has been applied. Until then the edge
 * is not ready and gets no connections (`/readyz`).
 */
export class ControlConsumer {
  #channel: Channel | null = null;
  #caughtUp = false;
  #lastOffset: number | null = null;
  /** The marker the current attach waits for. */
  #awaiting: { id: string; resolve: () => void } | null = null;
  readonly #seen = new Set<string>();
  readonly #options: ControlConsumerOptions;

  constructor(options: ControlConsumerOptions) {
    this.#options = options;
  }

  /** True once the stream is consumed and every control message up to the attach was applied. */
  get active(): boolean {
    return this.#channel !== null && this.#caughtUp;
  }

  /** Runs in the broker's setup, after the topology is declared; resolves once caught up. */
  async attach(model: ChannelModel): Promise<void> {
    const { logger, stream, exchange } = this.#options;
    const channel = await model.createChannel();
    recycleOnChannelError(channel, 'control', logger, this.#options.onChannelFailure);
    channel.on('close', () => {
      if (this.#channel !== channel) return;
      this.#channel = null;
      this.#caughtUp = false;
    });
    await channel.prefetch(PREFETCH);
    // Typed values: amqplib would encode small numbers as byte or short table values.
    const from =
      this.#lastOffset === null
        ? { '!': 'timestamp', value: Math.floor((Date.now() - this.#options.historyMs) / 1000) }
        : { '!': 'long', value: this.#lastOffset + 1 };
    const marker = randomUUID();
    const caughtUp = this.#awaitMarker(marker);
    this.#channel = channel;
    await channel.consume(stream, (message) => this.#receive(channel, message), { noAck: false, arguments: { 'x-stream-offset': from } });
    await publishMarker(model, exchange, marker);
    await caughtUp;
    this.#caughtUp = true;
    logger.info({ stream, from: this.#lastOffset === null ? 'history' : 'last offset' }, 'control consumer active');
  }

  #awaitMarker(id: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#awaiting = null;
        reject(new Error(`the control stream did not hand back this edge's marker within ${this.#options.catchUpTimeoutMs} ms`));
      }, this.#options.catchUpTimeoutMs);
      this.#awaiting = {
        id,
        resolve: () => {
          clearTimeout(timer);
          this.#awaiting = null;
          resolve();
        },
      };
    });
  }

  #receive(channel: Channel, message: ConsumeMessage | null): void {
    const { logger } = this.#options;
    if (message === null) {
      this.#options.onChannelFailure('control consumer cancelled by the broker');
      return;
    }
    if (channel !== this.#channel) return;
    channel.ack(message);
    const offset = streamOffset(message.properties.headers as Record<string, unknown> | undefined);
    // After a reconnect RabbitMQ starts at a chunk boundary, so messages already seen can come again.
    if (offset !== null && this.#lastOffset !== null && offset <= this.#lastOffset) return;
    if (offset !== null) this.#lastOffset = offset;
    let body: unknown;
    try {
      body = JSON.parse(message.content.toString('utf8'));
    } catch (err) {
      logger.warn({ err }, 'control message is not JSON; skipped');
      return;
    }
    const { op, id } = (body ?? {}) as { op?: unknown; id?: unknown };
    if (op === 'sync') {
      // Every edge's markers pass through every edge; only this attach's own one matters here.
      if (this.#awaiting !== null && id === this.#awaiting.id) this.#awaiting.resolve();
      return;
    }
    if (op !== 'revoke' && op !== 'retract') {
      // Newer edges may know more operations (e.g. drain notices); this one ignores them.
      logger.debug({ op }, 'unknown control operation; ignored');
      return;
    }
    const validation = validators.controlMessage.validate(body);
    if (!validation.ok) {
      logger.warn({ reason: summarize(validation.issues) }, 'invalid control message; skipped');
      return;
    }
    const control = validation.value;
    if (!this.#remember(control.id)) return;
    this.#options.onMessage(control);
  }

  /** False if the id was seen before. */
  #remember(id: string): boolean {
    if (this.#seen.has(id)) return false;
    this.#seen.add(id);
    if (this.#seen.size > SEEN_IDS) this.#seen.delete(this.#seen.values().next().value!);
    return true;
  }
}

/** Publishes `{op: "sync", id}` with a publisher confirm, on a channel of its own for this one message. */
async function publishMarker(model: ChannelModel, exchange: string, id: string): Promise<void> {
  const channel = await model.createConfirmChannel();
  try {
    channel.publish(exchange, '', Buffer.from(JSON.stringify({ op: 'sync', id })), { persistent: true, contentType: 'application/json' });
    await channel.waitForConfirms();
  } finally {
    await channel.close();
  }
}
