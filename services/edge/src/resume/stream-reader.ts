import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { cursorCheck, type Cursor } from '@wikicast/protocol';
import type { Logger } from 'pino';
import { parseLogEntry, streamOffset, type LogEntry } from '../broker/log-entry.js';

export interface StreamReadOptions {
  queue: string;
  /**
   * Where to read from: after a cursor (its event is read to check it, delivery starts after it),
   * or from the first chunk RabbitMQ stamped at or after a time (every message from there is
   * handed on; the caller picks the events it wants by their own time).
   */
  from: Cursor | { timestampMs: number };
  prefetch: number;
  /** No message for this long: the history asked for is not there (e.g. a re-created, shorter stream). */
  idleTimeoutMs: number;
  logger: Logger;
  /** Every valid event after the cursor, in stream order. */
  onEntry: (entry: LogEntry) => void;
  /** A message after the cursor that is no deliverable event, with its topic when readable. */
  onInvalid: (topic: string | null, reason: string) => void;
  /** Whether the read has caught up once it handled the message at `offset`. */
  caughtUp: (offset: number) => boolean;
  /**
   * Whether the reader is behind (its buffer is filling): messages then wait unacknowledged, so
   * RabbitMQ stops after `prefetch` of them, until the reader has taken what it was sent.
   */
  throttled: () => boolean;
}

/** How often a held-back read checks whether its reader has caught up. */
const THROTTLE_CHECK_MS = 20;

export type StreamReadResult = { ok: true; lastOffset: number } | { ok: false; reason: string };

/**
 * Reads the stream from a cursor on a channel of its own until `caughtUp`, checking first that
 * the event at the cursor is the one the cursor names. Resolves `ok: false` (the client gets
 * `reset`) when that event is gone (older than retention) or is another one (re-created stream).
 */
export async function readStream(model: ChannelModel, options: StreamReadOptions): Promise<StreamReadResult> {
  const channel = await model.createChannel();
  return new Promise<StreamReadResult>((resolve) => {
    const { from, logger } = options;
    const cursor = 'offset' in from ? from : null;
    // A read from a time has no event to check: the first message is already one to hand on.
    let verified = cursor === null;
    let lastOffset = cursor?.offset ?? -1;
    let finished = false;
    let idleTimer: NodeJS.Timeout | null = null;
    /** Received, not yet handled: while the reader is behind, at most `prefetch` wait here. */
    const waiting: ConsumeMessage[] = [];
    let pumpTimer: NodeJS.Timeout | null = null;
    /**
     * Received messages are handled on the next turn, not in amqplib's callback: a socket read
     * holds live and replayed messages together, and this way the live ones in it are delivered
     * first instead of waiting behind the history written to this reader.
     */
    let pumpSoon: NodeJS.Immediate | null = null;

    const finish = (result: StreamReadResult): void => {
      if (finished) return;
      finished = true;
      if (idleTimer !== null) clearTimeout(idleTimer);
      if (pumpTimer !== null) clearTimeout(pumpTimer);
      if (pumpSoon !== null) clearImmediate(pumpSoon);
      resolve(result);
      closeQuietly(channel, logger);
    };
    const armIdleTimer = (): void => {
      if (idleTimer !== null) clearTimeout(idleTimer);
      idleTimer = setTimeout(
        () => finish({ ok: false, reason: verified ? 'the stream stopped before this edge\'s position' : 'the event at the cursor is not in the stream' }),
        options.idleTimeoutMs,
      );
    };
    /** Handles one message; true once the read is over. */
    const handle = (message: ConsumeMessage): boolean => {
      const offset = streamOffset(message.properties.headers as Record<string, unknown> | undefined);
      // RabbitMQ starts at the chunk holding the offset asked for, so earlier messages come first.
      if (offset === null || (cursor !== null && offset < cursor.offset)) return false;
      if (!verified && cursor !== null) {
        const reason = verify(offset, message, cursor);
        if (reason !== null) {
          finish({ ok: false, reason });
          return true;
        }
        verified = true;
      } else {
        lastOffset = offset;
        const parsed = parseLogEntry(offset, message.content);
        if (parsed.ok) options.onEntry(parsed.entry);
        else options.onInvalid(parsed.topic, parsed.reason);
      }
      if (!options.caughtUp(offset)) return false;
      finish({ ok: true, lastOffset });
      return true;
    };
    // Hands waiting messages on while the reader keeps up, acknowledging what it handled (RabbitMQ
    // then sends more); while the reader is behind, looks again a little later, with the idle
    // timer off: a slow reader is not a stream that has nothing more.
    const pump = (): void => {
      pumpTimer = null;
      let handled: ConsumeMessage | null = null;
      while (!finished && waiting.length > 0 && !options.throttled()) {
        handled = waiting.shift()!;
        if (handle(handled)) return;
      }
      if (finished) return;
      if (handled !== null) {
        channel.ack(handled, true);
        armIdleTimer();
      }
      if (waiting.length > 0) {
        if (idleTimer !== null) clearTimeout(idleTimer);
        pumpTimer = setTimeout(pump, THROTTLE_CHECK_MS);
      }
    };
    const receive = (message: ConsumeMessage | null): void => {
      if (finished) return;
      if (message === null) {
        finish({ ok: false, reason: 'the stream was deleted while reading it' });
        return;
      }
      waiting.push(message);
      if (pumpTimer !== null || pumpSoon !== null) return;
      pumpSoon = setImmediate(() => {
        pumpSoon = null;
        pump();
      });
    };

    channel.on('error', (err: Error) => finish({ ok: false, reason: `reading the stream failed: ${err.message}` }));
    channel.on('close', () => finish({ ok: false, reason: 'the stream channel closed while reading' }));
    armIdleTimer();
    channel
      .prefetch(options.prefetch)
      .then(() =>
        channel.consume(options.queue, receive, {
          noAck: false,
          arguments: { 'x-stream-offset': streamOffsetArgument(from) },
        }),
      )
      .catch((err: unknown) => finish({ ok: false, reason: `reading the stream failed: ${(err as Error).message}` }));
  });
}

/**
 * The consumer's `x-stream-offset`: a typed long for an offset (amqplib would encode small numbers
 * as byte or short table values), an AMQP timestamp (whole seconds) for a time.
 */
function streamOffsetArgument(from: StreamReadOptions['from']): { '!': 'long' | 'timestamp'; value: number } {
  if ('offset' in from) return { '!': 'long', value: from.offset };
  return { '!': 'timestamp', value: Math.max(0, Math.floor(from.timestampMs / 1000)) };
}

/** Why the message at the cursor's position does not match the cursor, or `null` if it does. */
function verify(offset: number, message: ConsumeMessage, cursor: Cursor): string | null {
  if (offset !== cursor.offset) return 'the event at the cursor is older than the stream\'s retention';
  const parsed = parseLogEntry(offset, message.content);
  if (!parsed.ok || cursorCheck(parsed.entry.event.id) !== cursor.check) {
    return 'the cursor names another event at this position (the stream was re-created)';
  }
  return null;
}

function closeQuietly(channel: Channel, logger: Logger): void {
  channel.close().catch((err: unknown) => logger.debug({ err }, 'closing a stream reading channel failed (it was closed already)'));
}
