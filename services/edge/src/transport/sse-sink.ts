import type { HttpResponse } from 'uWebSockets.js';
import type { ServerFrame } from '@wikicast/protocol';
import type { LogEntry } from '../broker/log-entry.js';
import { SSE_PING, sseControl, type EventEncoder } from './sse-format.js';
import type { Sink } from './sink.js';

/** A comment line: written when the socket drains, to flush uWS's buffer (see constructor). */
const DRAIN_NUDGE = ':\n';

export interface SseSinkOptions {
  /** Bytes that may wait in uWS's buffer, as for a WebSocket; more ends the response (too slow). */
  maxBufferedBytes: number;
  /** This reader's text of each event (`null`: this reader gets nothing of it). */
  encoder: EventEncoder;
  /** The stream ended, whoever ended it: called exactly once. */
  onEnded: () => void;
}

/**
 * A uWS HTTP response streaming text/event-stream, as a Sink. uWS never drops response bytes: a
 * `write` that returns false keeps the rest in its buffer. The buffer is counted from the first
 * refused write until a write goes through whole; past `maxBufferedBytes` the response is cut,
 * as a WebSocket is closed with 4009, and the client resumes by `Last-Event-ID`.
 */
export class SseSink implements Sink {
  readonly transport = 'sse' as const;
  readonly #res: HttpResponse;
  readonly #options: SseSinkOptions;
  #closed = false;
  #ended = false;
  #cutForSlowness = false;
  /** Bytes handed to uWS since a write last went through whole (an upper bound of its buffer). */
  #buffered = 0;

  constructor(res: HttpResponse, options: SseSinkOptions) {
    this.#res = res;
    this.#options = options;
    // Without a writable handler, uWS arms its 10 s HTTP timeout when a backlog drains and cuts a
    // quiet stream; with one, it waits, but flushes nothing itself: the handler's write does.
    res.onWritable(() => {
      if (this.#closed) return true;
      const drained = this.#res.write(DRAIN_NUDGE);
      if (drained) this.#buffered = 0;
      return drained;
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  get cutForSlowness(): boolean {
    return this.#cutForSlowness;
  }

  get bufferedBytes(): number {
    return this.#buffered;
  }

  /** True while uWS holds bytes the reader has not taken yet. */
  get backlogged(): boolean {
    return this.#buffered > 0;
  }

  writeFrame(frame: ServerFrame): boolean {
    if (this.#closed) return false;
    return this.#send(sseControl(frame));
  }

  writeEvent(entry: LogEntry): boolean {
    if (this.#closed) return false;
    const text = this.#options.encoder.encode(entry);
    return text === null || this.#send(text);
  }

  /** Writes a frame with an `id:` of its own (the `welcome` carries the position to resume from). */
  writeFrameWithId(frame: ServerFrame, id: string): boolean {
    if (this.#closed) return false;
    return this.#send(sseControl(frame, id));
  }

  /** A comment that keeps proxies from timing the response out. */
  ping(): void {
    if (!this.#closed) this.#send(SSE_PING);
  }

  batch(writes: () => void): void {
    if (this.#closed) return;
    this.#res.cork(writes);
  }

  /** uWS topics reach WebSockets only: the router feeds this sink one event at a time. */
  joinTopic(): boolean {
    return false;
  }

  leaveTopic(): void {}

  checkBuffered(): boolean {
    if (this.#closed || this.#buffered <= this.#options.maxBufferedBytes) return false;
    this.#tooSlow();
    return true;
  }

  /** Nothing here: SseStreams gives every SSE stream its heartbeat comment (`ping`) on its own period. */
  keepAlive(): void {}

  /**
   * Ends the stream with a last `wikicast.close` message naming the WebSocket close code and
   * reason. The response said `connection: close`, so the reader's reconnect is a new connection
   * (through the proxy, to a live edge). uWS's own `end(…, closeConnection)` corrupts a chunked body.
   */
  end(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    const last = sseControl({ op: 'close', code, reason });
    this.#res.cork(() => this.#res.end(last));
    this.#finish();
  }

  /** uWS reported the connection gone (onAborted): the response must not be touched again. */
  aborted(): void {
    this.#closed = true;
    this.#finish();
  }

  #send(text: string): boolean {
    let whole = false;
    this.#res.cork(() => {
      whole = this.#res.write(text);
    });
    if (whole) {
      this.#buffered = 0;
      return true;
    }
    this.#buffered += Buffer.byteLength(text);
    if (this.#buffered <= this.#options.maxBufferedBytes) return true;
    this.#tooSlow();
    return false;
  }

  #tooSlow(): void {
    this.#cutForSlowness = true;
    this.#closed = true;
    // The backlog is already more than the reader takes: cut at once rather than queue an end.
    this.#res.close();
    this.#finish();
  }

  #finish(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#options.onEnded();
  }
}
