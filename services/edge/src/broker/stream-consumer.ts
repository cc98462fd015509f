import { recycleOnChannelError } from '@wikicast/service-runtime';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import type { Logger } from 'pino';
import { parseLogEntry, streamOffset, type LogEntry } from './log-entry.js';

/** Longest an unacknowledged message waits for the next bulk ack (see the class comment). */
export const ACK_DELAY_MS = 50;

export interface StreamConsumerOptions {
  /** The stream queue, `<prefix>.events.log`. */
  queue: string;
  prefetch: number;
  logger: Logger;
  /** Every valid event, in stream order, exactly once per edge (also across reconnects). */
  onEntry: (entry: LogEntry) => void;
  /** A message that is not a valid event (it is skipped). */
  /** A message that is no deliverable event, with its topic when readable: its readers must not miss it silently. */
  onInvalid: (offset: number, topic: string | null, reason: string) => void;
  /** The consumer's channel failed while the connection lives; the owner recycles the connection. */
  onChannelFailure: (reason: string) => void;
}

/**
 * The edge's live view of the log: one channel consuming the stream from `next` at first start
 * and, after a reconnect, from the offset after the last one seen, so the edge itself has no gap
 * and no duplicate.
 *
 * Acks on a stream are only credit (the edge keeps its own position), so they go out in bulk
 * (`allUpTo`): when a quarter of the prefetch window is unacknowledged, or ACK_DELAY_MS after the
 * first unacknowledged message. One ack per message cost a socket write, a wake-up of RabbitMQ and
 * its handling of the ack for every event (measured: a third of the edge's CPU at 1,000 events/s,
 * see docs/benchmarks/latency-breakdown.md); with a window of 1,000 RabbitMQ never waits for
 * credit below about 4,000 events/s per edge from the count, and above it the count acks sooner.
 */
export class StreamConsumer {
  #channel: Channel | null = null;
  #active = false;
  #stopping = false;
  #lastOffset: number | null = null;
  /** The newest message not yet acknowledged, and how many are unacknowledged up to it. */
  #unacked: ConsumeMessage | null = null;
  #unackedCount = 0;
  #ackTimer: NodeJS.Timeout | null = null;
  readonly #options: StreamConsumerOptions;

  constructor(options: StreamConsumerOptions) {
    this.#options = options;
  }

  /** True from consume-ok until the channel closes. */
  get active(): boolean {
    return this.#active;
  }

  /** Says the edge is shutting down, so the channel's close that follows is no incident. */
  stop(): void {
    this.#stopping = true;
  }

  /** Runs in the broker's setup, after every (re)connect: a fresh channel and consumer. */
  async attach(model: ChannelModel): Promise<void> {
    const { logger, queue, prefetch } = this.#options;
    const channel = await model.createChannel();
    recycleOnChannelError(channel, 'stream consumer', logger, this.#options.onChannelFailure);
    channel.on('close', () => {
      if (this.#channel !== channel) return;
      this.#channel = null;
      this.#forgetUnacked();
      this.#active = false;
      // Expected while the edge shuts down; otherwise the broker's recovery attaches anew.
      if (this.#stopping) logger.info('stream consumer stopped');
      else logger.warn('stream consumer stopped');
    });
    await channel.prefetch(prefetch);
    // At first start, 'last' (the newest chunk) rather than 'next': the recent events then reach
    // the edge's memory and its head is known at once, so resumes right after a restart are served.
    // A typed long: amqplib would encode small numbers as byte or short table values.
    const start = this.#lastOffset === null ? 'last' : { '!': 'long', value: this.#lastOffset + 1 };
    this.#channel = channel;
    await channel.consume(queue, (message) => this.#receive(channel, message), {
      noAck: false,
      arguments: { 'x-stream-offset': start },
    });
    this.#active = true;
    logger.info({ queue, from: this.#lastOffset === null ? 'last' : this.#lastOffset + 1 }, 'stream consumer active');
  }

  #receive(channel: Channel, message: ConsumeMessage | null): void {
    if (message === null) {
      // RabbitMQ cancelled the consumer: the stream was deleted or its leader moved.
      this.#options.onChannelFailure('stream consumer cancelled by the broker');
      return;
    }
    if (channel !== this.#channel) return;
    this.#scheduleAck(message);
    const offset = streamOffset(message.properties.headers as Record<string, unknown> | undefined);
    if (offset === null) {
      this.#options.logger.error({ headers: message.properties.headers }, 'stream message without x-stream-offset; skipped');
      return;
    }
    // After a reconnect RabbitMQ starts at a chunk boundary, so messages before the one asked for can come again.
    if (this.#lastOffset !== null && offset <= this.#lastOffset) return;
    this.#lastOffset = offset;
    const parsed = parseLogEntry(offset, message.content);
    if (!parsed.ok) {
      this.#options.logger.error({ offset, reason: parsed.reason, topic: parsed.topic }, 'a stream message is not a deliverable event; its topic\'s readers get reset');
      this.#options.onInvalid(offset, parsed.topic, parsed.reason);
      return;
    }
    this.#options.onEntry(parsed.entry);
  }

  #scheduleAck(message: ConsumeMessage): void {
    this.#unacked = message;
    this.#unackedCount++;
    if (this.#unackedCount >= Math.max(1, Math.floor(this.#options.prefetch / 4))) this.#ackNow();
    else this.#ackTimer ??= setTimeout(() => this.#ackNow(), ACK_DELAY_MS);
  }

  #ackNow(): void {
    const unacked = this.#unacked;
    const channel = this.#channel;
    this.#forgetUnacked();
    if (unacked === null || channel === null) return;
    try {
      channel.ack(unacked, true);
    } catch (err) {
      // The connection began closing (drain, or a recycle) meanwhile. Nothing is lost: after a
      // reconnect the consumer starts after the last offset it handed on, acked or not.
      this.#options.logger.debug({ err }, 'acknowledging on a closing connection failed');
    }
  }

  #forgetUnacked(): void {
    if (this.#ackTimer !== null) clearTimeout(this.#ackTimer);
    this.#ackTimer = null;
    this.#unacked = null;
    this.#unackedCount = 0;
  }
}
