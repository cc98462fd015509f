import type { ConfirmChannel } from 'amqplib';
import type { Logger } from 'pino';
import { PublishError, type PublishFailure } from './publish-error.js';

export interface OutgoingMessage {
  /** The event id, sent as `messageId`: consumers de-duplicate on it. */
  id: string;
  /** AMQP `type` property, so operators' own queues can filter without parsing. */
  type: string;
  body: Buffer;
}

export interface PublishOutcome {
  /** Ids RabbitMQ confirmed, in the order given. */
  confirmed: string[];
  /** Messages whose fate is unknown (not confirmed in time, nacked, or lost with the channel), with why. */
  unconfirmed: Array<{ position: number; id: string; reason: PublishFailure }>;
}

export interface ConfirmPublisherOptions {
  /** AMQP `appId` of every message: which service published it. */
  appId: string;
  /** Most messages published and not yet confirmed, across all requests. */
  window: number;
  /** Longest one `publish` waits for its confirms. */
  timeoutMs: number;
  /** Whether RabbitMQ has blocked publishing on this connection (memory or disk alarm). */
  isBlocked: () => boolean;
  logger: Logger;
}

/**
 * Publishes on one confirm channel with a bounded window of unconfirmed messages (ingest's
 * requests and an edge's client sends alike): many publishes
 * are in flight at once (no round-trip each), and when the window is full, or there is no open
 * channel, callers are refused at once rather than queued, so a request never hangs.
 * Window slots are freed only by RabbitMQ's answer (or the channel's loss), never by a caller's timeout.
 */
export class ConfirmPublisher {
  #channel: ConfirmChannel | null = null;
  #unconfirmed = 0;
  #closing = false;
  #windowFull = false;
  #idleWaiters: Array<() => void> = [];
  readonly #options: ConfirmPublisherOptions;

  constructor(options: ConfirmPublisherOptions) {
    this.#options = options;
  }

  /** Takes the confirm channel made in the broker's setup; forgets it when it closes. */
  attach(channel: ConfirmChannel): void {
    this.#channel = channel;
    channel.on('close', () => {
      if (this.#channel === channel) this.#channel = null;
    });
  }

  get open(): boolean {
    return this.#channel !== null;
  }

  /** Messages published and not yet answered by RabbitMQ. */
  get unconfirmed(): number {
    return this.#unconfirmed;
  }

  /** Resolves when no message waits for RabbitMQ's answer (at once if none does). */
  idle(): Promise<void> {
    if (this.#unconfirmed === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Stops taking new publishes; those in flight still get their confirms. */
  beginClosing(): void {
    this.#closing = true;
  }

  /** Why `count` more messages cannot be published now, or `null` if they can. */
  refusal(count: number): PublishFailure | null {
    if (this.#closing) return 'closing';
    if (this.#channel === null) return 'down';
    if (this.#options.isBlocked()) return 'blocked';
    if (this.#unconfirmed + count > this.#options.window) {
      // Logged when it starts, not per refused request: the metrics count those.
      if (!this.#windowFull) this.#options.logger.warn({ window: this.#options.window, unconfirmed: this.#unconfirmed }, 'unconfirmed window full; answering 503');
      this.#windowFull = true;
      return 'window_full';
    }
    if (count > 0) this.#windowFull = false;
    return null;
  }

  /**
   * Publishes every message persistent to `exchange` and resolves once each is confirmed, or at
   * the timeout with the rest reported as unconfirmed. Throws PublishError, publishing nothing,
   * when the batch cannot be taken as a whole.
   */
  publish(exchange: string, messages: readonly OutgoingMessage[]): Promise<PublishOutcome> {
    const refusal = this.refusal(messages.length);
    const channel = this.#channel;
    if (refusal !== null || channel === null) throw new PublishError(refusal ?? 'down', describe(refusal ?? 'down'));
    if (messages.length === 0) return Promise.resolve({ confirmed: [], unconfirmed: [] });
    const states: Array<PublishFailure | 'ok' | null> = new Array(messages.length).fill(null);
    let pending = messages.length;
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (): void => {
        if (timer === undefined) return;
        clearTimeout(timer);
        timer = undefined;
        resolve(outcome(messages, states));
      };
      const settle = (position: number, state: PublishFailure | 'ok'): void => {
        this.#answered();
        if (states[position] === null) states[position] = state;
        pending--;
        if (pending === 0) finish();
      };
      timer = setTimeout(() => {
        for (let i = 0; i < states.length; i++) if (states[i] === null) states[i] = 'timeout';
        finish();
      }, this.#options.timeoutMs);
      const timestamp = Math.floor(Date.now() / 1000);
      for (let position = 0; position < messages.length; position++) {
        const message = messages[position]!;
        this.#unconfirmed++;
        try {
          // publish() returning false (socket buffer full) needs no wait here: the window
          // already bounds how much can be buffered.
          const options = { persistent: true, contentType: 'application/json', appId: this.#options.appId, messageId: message.id, type: message.type, timestamp };
          channel.publish(exchange, '', message.body, options, (err) => {
            settle(position, err === null || err === undefined ? 'ok' : failureOf(err));
          });
        } catch (err) {
          // The channel closed between the check above and here: amqplib took no callback for this
          // message, and will take none for the rest.
          this.#options.logger.warn({ err, unpublished: messages.length - position }, 'publish refused by a closing channel');
          for (let rest = position; rest < messages.length; rest++) {
            if (rest > position) this.#unconfirmed++;
            settle(rest, 'channel_closed');
          }
          break;
        }
      }
    });
  }
  #answered(): void {
    this.#unconfirmed--;
    if (this.#unconfirmed > 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

function failureOf(err: Error): PublishFailure {
  return err.message.includes('nack') ? 'nacked' : 'channel_closed';
}

function outcome(messages: readonly OutgoingMessage[], states: ReadonlyArray<PublishFailure | 'ok' | null>): PublishOutcome {
  const result: PublishOutcome = { confirmed: [], unconfirmed: [] };
  for (let position = 0; position < messages.length; position++) {
    const state = states[position] ?? 'timeout';
    const id = messages[position]!.id;
    if (state === 'ok') result.confirmed.push(id);
    else result.unconfirmed.push({ position, id, reason: state });
  }
  return result;
}

export function describe(reason: PublishFailure): string {
  switch (reason) {
    case 'down':
      return 'RabbitMQ is not connected; retry shortly';
    case 'blocked':
      return 'RabbitMQ has blocked publishing (memory or disk alarm); retry later';
    case 'window_full':
      return 'too many events are waiting for RabbitMQ confirms; retry shortly';
    case 'timeout':
      return 'RabbitMQ did not confirm in time; the events may or may not be stored, retry with the same ids';
    case 'nacked':
      return 'RabbitMQ refused to store the events; retry with the same ids';
    case 'channel_closed':
      return 'the RabbitMQ channel closed before confirming; the events may or may not be stored, retry with the same ids';
    case 'closing':
      return 'this ingest instance is shutting down; retry on another';
  }
}
