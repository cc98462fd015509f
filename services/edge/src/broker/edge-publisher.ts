import type { ChannelModel } from 'amqplib';
import type { WikiEvent } from '@wikicast/protocol';
import { ConfirmPublisher, describePublishFailure, PublishError, type PublishOutcome, recycleOnChannelError } from '@wikicast/service-runtime';
import type { Logger } from 'pino';
import { EdgeError } from '../edge-error.js';

export interface EdgePublisherOptions {
  /** The events fanout exchange, `<prefix>.events`. */
  exchange: string;
  /** Longest one publish waits for RabbitMQ's confirm. */
  timeoutMs: number;
  /** Most publishes waiting for a confirm at once; beyond it sends are refused at once. */
  maxInFlight: number;
  /** Whether RabbitMQ has blocked publishing on this connection (memory or disk alarm). */
  isBlocked: () => boolean;
  logger: Logger;
  /** The channel failed while the connection lives; the owner recycles the connection. */
  onChannelFailure: (reason: string) => void;
}

/**
 * Publishes the events clients send, persistent, with the same confirm publisher ingest uses
 * (service-runtime's ConfirmPublisher: one confirm channel, a bounded window, refusals at once).
 * Every publish settles: with RabbitMQ's confirm, or with an `unavailable` EdgeError saying why.
 * A new channel is made in the broker's setup after every reconnect.
 */
export class EdgePublisher {
  readonly #publisher: ConfirmPublisher;
  readonly #options: EdgePublisherOptions;

  constructor(options: EdgePublisherOptions) {
    this.#options = options;
    this.#publisher = new ConfirmPublisher({
      appId: 'wikicast-edge',
      window: options.maxInFlight,
      timeoutMs: options.timeoutMs,
      isBlocked: options.isBlocked,
      logger: options.logger,
    });
  }

  /** Runs in the broker's setup, after every (re)connect: a fresh confirm channel. */
  async attach(model: ChannelModel): Promise<void> {
    const channel = await model.createConfirmChannel();
    recycleOnChannelError(channel, 'send', this.#options.logger, this.#options.onChannelFailure);
    this.#publisher.attach(channel);
  }

  /** Resolves once RabbitMQ confirmed the event; rejects with EdgeError `unavailable` otherwise. */
  async publish(event: WikiEvent): Promise<void> {
    let outcome: PublishOutcome;
    try {
      // Refusals (no channel, blocked, window full) are thrown at once, before anything is published.
      outcome = await this.#publisher.publish(this.#options.exchange, [{ id: event.id, type: event.type, body: Buffer.from(JSON.stringify(event)) }]);
    } catch (err) {
      if (err instanceof PublishError) throw new EdgeError('unavailable', err.message, { cause: err });
      throw err;
    }
    const failure = outcome.unconfirmed[0];
    if (failure !== undefined) throw new EdgeError('unavailable', describePublishFailure(failure.reason));
  }

  /** Resolves when no publish is waiting for its answer (at once if none is). */
  idle(): Promise<void> {
    return this.#publisher.idle();
  }
}
