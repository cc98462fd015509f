import { recycleOnChannelError } from '@wikicast/service-runtime';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import type { Logger } from 'pino';

/**
 * What edges tell each other about presence, on the `<prefix>.presence` fanout exchange (each
 * edge reads it through an exclusive queue of its own). Presence is soft state: nothing is
 * stored, and whatever is lost is put right by snapshots and beats.
 * - `join` / `leave`: one member of this edge, as it happens;
 * - `beat`: this edge is alive (every BEAT_MS); an edge not heard from for EXPIRY_MS is gone,
 *   with all its members;
 * - `hello`: an edge (re)attached and knows nothing: every edge answers with its `snapshot`;
 * - `snapshot`: all of one edge's members, replacing what others knew of it (sent on attach too,
 *   so edges that dropped it meanwhile get its members back);
 * - `bye`: the edge is shutting down: its members are gone now.
 */
export type PresenceMessage =
  | { op: 'join' | 'leave'; edge: string; topic: string; cid: string; user: string | null }
  | { op: 'beat' | 'hello' | 'bye'; edge: string }
  | { op: 'snapshot'; edge: string; members: Array<[string, string, string | null]> };

/** How often an edge says it is alive. */
export const BEAT_MS = 3000;
/**
 * An edge not heard from for this long is gone: three beats missed and a margin. With the sweep
 * every second, a dead edge's members are gone for everyone within 11 s (SPEC: 15 s).
 */
export const EXPIRY_MS = 10_000;

export interface PresenceBusOptions {
  exchange: string;
  /** This edge's run id, in every message it sends. */
  edge: string;
  logger: Logger;
  /** A message of another edge. */
  onMessage: (message: PresenceMessage) => void;
  /** Every (re)attach: the caller sends `hello` and its snapshot. */
  onAttached: () => void;
  onChannelFailure: (reason: string) => void;
  /** Counts messages and bytes by direction, for the metrics and the benchmark. */
  count: (direction: 'in' | 'out', bytes: number) => void;
}

export class PresenceBus {
  #channel: Channel | null = null;
  readonly #options: PresenceBusOptions;

  constructor(options: PresenceBusOptions) {
    this.#options = options;
  }

  get attached(): boolean {
    return this.#channel !== null;
  }

  async attach(model: ChannelModel): Promise<void> {
    const { exchange, logger } = this.#options;
    const channel = await model.createChannel();
    recycleOnChannelError(channel, 'presence', logger, this.#options.onChannelFailure);
    channel.on('close', () => {
      if (this.#channel === channel) this.#channel = null;
    });
    // Not durable: presence means nothing after a broker restart, when every edge reconnects and says hello.
    await channel.assertExchange(exchange, 'fanout', { durable: false });
    const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
    await channel.bindQueue(queue, exchange, '');
    await channel.consume(queue, (message) => this.#receive(channel, message), { noAck: true });
    this.#channel = channel;
    this.#options.onAttached();
  }

  /** Sends to every edge (this one's own messages come back and are skipped). False while detached. */
  publish(message: PresenceMessage): boolean {
    const channel = this.#channel;
    if (channel === null) return false;
    const body = Buffer.from(JSON.stringify(message));
    this.#options.count('out', body.length);
    channel.publish(this.#options.exchange, '', body, { contentType: 'application/json' });
    return true;
  }

  #receive(channel: Channel, message: ConsumeMessage | null): void {
    if (message === null) {
      this.#options.onChannelFailure('presence consumer cancelled by the broker');
      return;
    }
    if (channel !== this.#channel) return;
    this.#options.count('in', message.content.length);
    let body: PresenceMessage;
    try {
      body = JSON.parse(message.content.toString('utf8')) as PresenceMessage;
    } catch (err) {
      this.#options.logger.warn({ err }, 'presence message is not JSON; skipped');
      return;
    }
    if (typeof body !== 'object' || body === null || typeof body.edge !== 'string' || body.edge === this.#options.edge) return;
    this.#options.onMessage(body);
  }
}
