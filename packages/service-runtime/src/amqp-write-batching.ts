import type { ChannelModel } from 'amqplib';
import type { Logger } from 'pino';

/** The parts of amqplib's connection (2.x, `lib/connection.js` and `lib/mux.js`) this relies on. */
interface MuxingConnection {
  stream?: { cork?: () => void; uncork?: () => void };
  muxer?: { _readIncoming?: () => void };
}

/**
 * Makes amqplib write every frame its multiplexer has ready in one pass with one system call.
 *
 * amqplib's Mux writes each message (method, properties and body, already one buffer) to the
 * socket on its own: with many requests publishing in the same event-loop turn that is one
 * `write` per message, which was half of ingest's busy time at 7,000 single-event POSTs per
 * second (docs/benchmarks/latency-breakdown.md). Corking the socket for the duration of the pass
 * turns those writes into one `writev` when it ends; nothing waits longer than the pass already
 * took, and order is the socket's. Backpressure is unchanged: a corked socket still answers
 * `write()` with `false` past its high-water mark, and the Mux then waits for `drain`.
 *
 * amqplib has no API for this; it wraps the Mux's pass and checks the two members first, so an
 * amqplib that no longer has them is used as it is (logged once), never broken.
 */
export function batchAmqpWrites(model: ChannelModel, logger: Logger): boolean {
  const connection = (model as unknown as { connection?: MuxingConnection }).connection;
  const socket = connection?.stream;
  const mux = connection?.muxer;
  const pass = mux?._readIncoming;
  if (mux === undefined || typeof pass !== 'function' || typeof socket?.cork !== 'function' || typeof socket.uncork !== 'function') {
    warnOnce(logger);
    return false;
  }
  const cork = socket.cork.bind(socket);
  const uncork = socket.uncork.bind(socket);
  mux._readIncoming = function batchedPass(this: unknown): void {
    cork();
    try {
      pass.call(this);
    } finally {
      uncork();
    }
  };
  return true;
}

let warned = false;

function warnOnce(logger: Logger): void {
  if (warned) return;
  warned = true;
  logger.warn('this amqplib has no multiplexer pass to batch; each message is written to the socket on its own');
}
