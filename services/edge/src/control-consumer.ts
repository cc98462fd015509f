import { type ControlMessage } from '@wikicast/protocol';
import { validators, summarize } from '@wikicast/protocol/schemas';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import type { Logger } from 'pino';
import { recycleOnChannelError } from './channel-failure.js';

export interface ControlConsumerOptions {
  /** The control fanout exchange, `<prefix>.control` (declared by declareTopology). */
  exchange: string;
  /** This edge process's own queue on it, the same across reconnects. */
  queue: string;
  logger: Logger;
  /** A valid control message, once per `id`. */
  onMessage: (message: ControlMessage) => void;
  /** The channel failed while the connection lives; the owner recycles the connection. */
  onChannelFailure: (reason: string) => void;
}

/** How many control message ids are remembered to drop a redelivered or re-published one. */
export const SEEN_IDS = 10_000;

/** A control queue whose edge is gone is deleted by RabbitMQ after this long unused. */
export const CONTROL_QUEUE_EXPIRES_MS = 5 * 60_000;

/**
 * This edge's view of `<prefix>.control`: a queue of its own bound to the fanout exchange and
 * consumed again in the broker's setup after every reconnect. It is a replicated quorum queue
 * that outlives both the connection and the loss of a RabbitMQ node, so a revocation sent while
 * the edge moves to another node waits for it there: the edge's clients stay connected during the
 * move, and must not miss one. RabbitMQ deletes it once unused for CONTROL_QUEUE_EXPIRES_MS.
 */
export class ControlConsumer {
  #channel: Channel | null = null;
  readonly #seen = new Set<string>();
  readonly #options: ControlConsumerOptions;

  constructor(options: ControlConsumerOptions) {
    this.#options = options;
  }

  /** True while the queue is bound and consumed. */
  get active(): boolean {
    return this.#channel !== null;
  }

  /** Runs in the broker's setup, after the topology is declared. */
  async attach(model: ChannelModel): Promise<void> {
    const { logger, exchange, queue } = this.#options;
    const channel = await model.createChannel();
    recycleOnChannelError(channel, 'control', logger, this.#options.onChannelFailure);
    channel.on('close', () => {
      if (this.#channel === channel) this.#channel = null;
    });
    await channel.assertQueue(queue, {
      durable: true,
      // RabbitMQ's own replica count for quorum queues (every node, up to its quorum_cluster_size).
      arguments: { 'x-queue-type': 'quorum', 'x-expires': CONTROL_QUEUE_EXPIRES_MS },
    });
    await channel.bindQueue(queue, exchange, '');
    await channel.consume(queue, (message) => this.#receive(message), { noAck: true, exclusive: true });
    this.#channel = channel;
    logger.info({ queue, exchange }, 'control consumer active');
  }

  #receive(message: ConsumeMessage | null): void {
    const { logger } = this.#options;
    if (message === null) {
      this.#options.onChannelFailure('control consumer cancelled by the broker');
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(message.content.toString('utf8'));
    } catch (err) {
      logger.warn({ err }, 'control message is not JSON; skipped');
      return;
    }
    const op = (body as { op?: unknown } | null)?.op;
    if (op !== 'revoke') {
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
