import { CloseCode, type ServerFrame } from '@wikicast/protocol';
import type { WebSocket } from 'uWebSockets.js';
import type { LogEntry } from '../broker/log-entry.js';
import { closeReasonText, type Sink } from './sink.js';

/** uWS `send` results. */
const SEND_DROPPED = 2;

/**
 * A uWS WebSocket as a Sink. uWS silently drops frames for a socket over its `maxBackpressure`,
 * which would leave a gap in that client's stream; so the edge closes a socket with 4009 as
 * soon as it holds more than `maxBufferedBytes` (set well below uWS's limit), checked on every
 * direct write and, for `app.publish`, by the router's sweeps.
 */
export class WsSink<T> implements Sink {
  readonly transport = 'ws' as const;
  #closed = false;
  #cutForSlowness = false;
  readonly #ws: WebSocket<T>;
  readonly #maxBufferedBytes: number;

  constructor(ws: WebSocket<T>, maxBufferedBytes: number) {
    this.#ws = ws;
    this.#maxBufferedBytes = maxBufferedBytes;
  }

  get cutForSlowness(): boolean {
    return this.#cutForSlowness;
  }

  get bufferedBytes(): number {
    return this.#closed ? 0 : this.#ws.getBufferedAmount();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The close handler ran: uWS forbids touching the socket from now on. */
  markClosed(): void {
    this.#closed = true;
  }

  writeFrame(frame: ServerFrame): boolean {
    return this.#write(JSON.stringify(frame));
  }

  writeEvent(entry: LogEntry): boolean {
    return this.#write(entry.frame);
  }

  #write(text: string): boolean {
    if (this.#closed) return false;
    let status = 0;
    this.#ws.cork(() => {
      status = this.#ws.send(text, false, false);
    });
    if (status === SEND_DROPPED || this.#ws.getBufferedAmount() > this.#maxBufferedBytes) {
      this.#tooSlow();
      return false;
    }
    return true;
  }

  batch(writes: () => void): void {
    if (this.#closed) return;
    this.#ws.cork(writes);
  }

  joinTopic(topic: string): boolean {
    if (!this.#closed) this.#ws.subscribe(topic);
    return true;
  }

  leaveTopic(topic: string): void {
    if (!this.#closed) this.#ws.unsubscribe(topic);
  }

  checkBuffered(): boolean {
    if (this.#closed || this.#ws.getBufferedAmount() <= this.#maxBufferedBytes) return false;
    this.#tooSlow();
    return true;
  }

  keepAlive(): void {
    if (!this.#closed) this.#ws.ping();
  }

  end(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#ws.end(code, closeReasonText(reason));
  }

  #tooSlow(): void {
    this.#cutForSlowness = true;
    this.end(CloseCode.tooSlow, `more than ${this.#maxBufferedBytes} bytes waiting to be read`);
  }
}
