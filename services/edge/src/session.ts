import { ErrorCodes, type ClosingErrorCode, type FrameRef, type ServerFrame } from '@wikicast/protocol';
import type { Logger } from 'pino';
import type { EdgeError } from './edge-error.js';
import type { Identity } from './access/identity.js';
import type { LogEntry } from './broker/log-entry.js';
import type { DisconnectReason } from './metrics.js';
import type { ReplayProgress } from './resume/replay-progress.js';
import type { Sink } from './transport/sink.js';

/** The `ref` field of an answer: the client's own, or none (never `ref: undefined`). */
export function withRef(ref: FrameRef | undefined): { ref?: FrameRef } {
  return ref === undefined ? {} : { ref };
}

/**
 * One client connection, whatever its transport: who it is, what it subscribed to, and the one
 * place its frames are written. The router decides which events reach it; the session only writes.
 */
export class Session {
  identity: Identity;
  /** The client's address (behind a trusted proxy, from X-Forwarded-For): stream reads are limited per address. */
  readonly address: string;
  readonly sink: Sink;
  /** Resolved topics (`<wiki>:<name>`) this connection is subscribed to. */
  readonly topics = new Set<string>();
  /** Set by whoever ends the connection, for the disconnect metric; `null`: the client closed it. */
  #closeReason: DisconnectReason | null = null;
  /**
   * Resumes in progress; their topics' live events are held back until each has caught up.
   * Created on first use, like the logger: an idle connection should cost as few bytes as possible.
   */
  #replays: Set<ReplayProgress> | null = null;
  readonly #parentLogger: Logger;
  #logger: Logger | null = null;

  /** @param logger the edge's logger; the session's own, bound to the client, is derived when first used. */
  constructor(identity: Identity, sink: Sink, logger: Logger, address: string) {
    this.identity = identity;
    this.address = address;
    this.sink = sink;
    this.#parentLogger = logger;
  }

  get logger(): Logger {
    return (this.#logger ??= this.#parentLogger.child({ cid: this.identity.cid, wiki: this.identity.wiki, user: this.identity.user }));
  }

  startReplay(replay: ReplayProgress): void {
    (this.#replays ??= new Set()).add(replay);
  }

  endReplay(replay: ReplayProgress): void {
    this.#replays?.delete(replay);
  }

  get cid(): string {
    return this.identity.cid;
  }

  /** Why the edge ended the connection (a sink that cut a slow reader says so itself); `null`: the client closed it. */
  get closeReason(): DisconnectReason | null {
    return this.#closeReason ?? (this.sink.cutForSlowness ? 'too_slow' : null);
  }

  get closed(): boolean {
    return this.sink.closed;
  }

  send(frame: ServerFrame): boolean {
    return this.sink.writeFrame(frame);
  }

  sendError(error: EdgeError, ref?: FrameRef): boolean {
    return this.send({ op: 'error', code: error.code, message: error.message, ...withRef(ref) });
  }

  /** A live event for a topic this session is not fed through uWS topics (or is still replaying). */
  deliver(entry: LogEntry): boolean {
    if (this.#replays !== null) {
      for (const replay of this.#replays) {
        if (!replay.holds(entry.topic)) continue;
        replay.hold(entry);
        return true;
      }
    }
    return this.sink.writeEvent(entry);
  }

  /** Ends the connection with `code`, counting it under `reason`. Idempotent. */
  close(code: number, message: string, reason: DisconnectReason): void {
    if (this.sink.closed) return;
    this.#closeReason ??= reason;
    this.logger.debug({ code, reason, message }, 'closing');
    this.sink.end(code, message);
  }

  /** Sends an error frame, then closes with the close code and reason the error registry binds to its code. */
  fail(error: EdgeError<ClosingErrorCode>, ref?: FrameRef): void {
    const { close, disconnectReason } = ErrorCodes[error.code];
    this.sink.batch(() => {
      this.sendError(error, ref);
      this.close(close, error.message, disconnectReason);
    });
  }
}
