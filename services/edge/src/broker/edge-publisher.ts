import type { ChannelModel, ConfirmChannel } from 'amqplib';
import type { WikiEvent } from '@wikicast/protocol';
import type { Logger } from 'pino';
import { recycleOnChannelError } from './channel-failure.js';
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

/** AMQP `appId` of every message an edge publishes for a client. */
const APP_ID = 'wikicast-edge';

/**
 * Publishes the events clients send, persistent, on one confirm channel of the edge's broker
 * connection. Every publish settles: with RabbitMQ's confirm, or with an `unavailable` EdgeError
 * when there is no channel, RabbitMQ nacks, the channel is lost, or the confirm is late. A new
 * channel is made in the broker's setup after every reconnect.
 */
export class EdgePublisher {
  #channel: ConfirmChannel | null = null;
  #inFlight = 0;
  #idleWaiters: Array<() => void> = [];
  readonly #options: EdgePublisherOptions;

  constructor(options: EdgePublisherOptions) {
    this.#options = options;
  }

  /** Runs in the broker's setup, after every (re)connect: a fresh confirm channel. */
  async attach(model: ChannelModel): Promise<void> {
    const { logger } = this.#options;
    const channel = await model.createConfirmChannel();
    recycleOnChannelError(channel, 'send', logger, this.#options.onChannelFailure);
    channel.on('close', () => {
      // amqplib has already failed the callbacks of unconfirmed messages (see #publish).
      if (this.#channel === channel) this.#channel = null;
    });
    this.#channel = channel;
  }

  /** Resolves once RabbitMQ confirmed the event; rejects with EdgeError `unavailable` otherwise. */
  publish(event: WikiEvent): Promise<void> {
    const channel = this.#channel;
    if (channel === null) return Promise.reject(new EdgeError('unavailable', 'RabbitMQ is not connected; retry shortly'));
    const refusal = this.#refusal();
    if (refusal !== null) return Promise.reject(new EdgeError('unavailable', refusal));
    this.#inFlight++;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (err: EdgeError | null): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.#done();
        if (err === null) resolve();
        else reject(err);
      };
      const timer = setTimeout(
        () => settle(new EdgeError('unavailable', 'RabbitMQ did not confirm in time; the event may or may not be stored')),
        this.#options.timeoutMs,
      );
      const options = {
        persistent: true,
        contentType: 'application/json',
        appId: APP_ID,
        messageId: event.id,
        type: event.type,
        timestamp: Math.floor(Date.now() / 1000),
      };
      try {
        channel.publish(this.#options.exchange, '', Buffer.from(JSON.stringify(event)), options, (err) => {
          if (err === null || err === undefined) settle(null);
          else settle(new EdgeError('unavailable', `RabbitMQ did not store the event (${err.message}); it may or may not be stored`, { cause: err }));
        });
      } catch (err) {
        // The channel closed between the check above and here; amqplib took no callback.
        settle(new EdgeError('unavailable', 'the RabbitMQ channel closed; retry shortly', { cause: err }));
      }
    });
  }

  /** Resolves when no publish is waiting for its answer (at once if none is). */
  idle(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #refusal(): string | null {
    if (this.#options.isBlocked()) return 'RabbitMQ has blocked publishing (memory or disk alarm); retry later';
    if (this.#inFlight >= this.#options.maxInFlight) return 'too many sends are waiting for RabbitMQ; retry shortly';
    return null;
  }

  #done(): void {
    this.#inFlight--;
    if (this.#inFlight > 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
