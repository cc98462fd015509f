import type { ServerFrame } from '@wikicast/protocol';
import type { LogEntry } from '../broker/log-entry.js';
import type { Transport } from '../metrics.js';

/** Where a session's frames go: a WebSocket or an SSE response. */
export interface Sink {
  readonly transport: Transport;
  /** True once the connection has ended; writes are then ignored. */
  readonly closed: boolean;
  /**
   * Writes one frame other than an event. Returns false when it was not written: the sink is
   * closed, or its reader is too slow, in which case the sink has already begun closing (4009) so
   * no later frame can follow a lost one.
   */
  writeFrame(frame: ServerFrame): boolean;
  /** Writes one event as the stream consumer parsed it (its frame text is the same for every reader); as `writeFrame`. */
  writeEvent(entry: LogEntry): boolean;
  /** True once the sink cut its connection because the reader was too slow. */
  readonly cutForSlowness: boolean;
  /** Several writes in one syscall. */
  batch(writes: () => void): void;
  /** Joins the uWS topic so `app.publish` reaches it; false if this transport cannot (it is then fed one by one). */
  joinTopic(topic: string): boolean;
  leaveTopic(topic: string): void;
  /** Bytes written that the reader has not taken yet (an upper bound). */
  readonly bufferedBytes: number;
  /** Closes if more than the limit is buffered; true if it did. */
  checkBuffered(): boolean;
  /** Asks the client for a sign of life (a WebSocket ping), so an idle connection is kept (KeepAlive). */
  keepAlive(): void;
  /** Ends the connection with a close code and a short reason. Idempotent. */
  end(code: number, reason: string): void;
}

/** WebSocket close reasons are limited to 123 bytes. */
export function closeReasonText(reason: string): string {
  const bytes = Buffer.from(reason, 'utf8');
  return bytes.length <= 123 ? reason : bytes.subarray(0, 120).toString('utf8').replace(/\uFFFD+$/, '') + '...';
}
