import { CloseCode, cursorCheck, type Cursor } from '@wikicast/protocol';
import type { ChannelModel } from 'amqplib';
import type { Logger } from 'pino';
import { undeliverableReason, type LogEntry } from '../broker/log-entry.js';
import type { EdgeMetrics, ResetReason } from '../metrics.js';
import { mayRead } from '../access/permissions.js';
import { FARM_READER_WIKI } from '../access/identity.js';
import type { LiveLog } from './live-log.js';
import { ReplayProgress } from './replay-progress.js';
import type { Router } from '../router.js';
import type { Session } from '../session.js';
import type { StreamReadSlots } from './stream-read-slots.js';
import { readStream, type StreamReadOptions } from './stream-reader.js';
import { CLOCK_SKEW_MS, parseResumePoint } from './resume-point.js';

export interface ResumingSubscriptionsDeps {
  router: Router;
  /** The edge's live position and recent events. */
  live: LiveLog;
  metrics: EdgeMetrics;
  logger: Logger;
  /** The stream queue, `<prefix>.events.log`. */
  queue: string;
  /** The broker connection while it is up, for reading older history from the stream. */
  model: () => ChannelModel | null;
  /** Live events held back per replay at most (see ReplayProgress.hold). */
  heldLimit: number;
  /** How long a resume waits for this edge to reach a cursor handed out by a faster edge. */
  catchUpTimeoutMs: number;
  /** A replay pauses while its reader has more than this many bytes waiting (it resumes once they are taken). */
  replayBacklogBytes: number;
  /** Stream messages in flight to one replay: with the backlog, bounds what a slow reader is sent. */
  replayPrefetch: number;
  /** Who may read the stream now: per connection, per address and in all (a mass reconnect, a storm). */
  slots: StreamReadSlots;
  /** What a stream entry read for a replay looks like now (Retractions.redact). */
  redact: (entry: LogEntry) => LogEntry;
}

/**
 * Subscribing, for every transport: without `since`, live from now; with `since`, the events
 * after the cursor on those topics first — from memory when recent, else from the stream — then
 * live, held back meanwhile so that nothing is missed or repeated across the switch.
 */
export class ResumingSubscriptions {
  readonly #deps: ResumingSubscriptionsDeps;

  constructor(deps: ResumingSubscriptionsDeps) {
    this.#deps = deps;
  }

  /**
   * Subscribes `session` to resolved `topics`; `announce` tells the client (WebSocket
   * `subscribed`) before any replayed event. Topics it already has are left as they are.
   */
  subscribe(session: Session, topics: readonly string[], since: string | undefined, announce: () => void): void {
    const { router } = this.#deps;
    const fresh = topics.filter((topic) => !session.topics.has(topic));
    if (since === undefined || fresh.length === 0) {
      for (const topic of fresh) router.subscribe(session, topic);
      announce();
      return;
    }
    for (const topic of fresh) router.subscribe(session, topic, false);
    const point = parseResumePoint(since);
    const replay = new ReplayProgress(fresh, point?.kind === 'cursor' ? point.cursor.offset : -1, this.#deps.heldLimit);
    session.startReplay(replay);
    announce();
    if (point === null) {
      this.#reset(session, replay, 'since is neither a cursor this cluster hands out nor a time (ISO-8601 with a zone, or milliseconds since the epoch)', 'unavailable');
      return;
    }
    const resumed = point.kind === 'cursor' ? this.#resume(session, replay, point.cursor) : this.#resumeFromTime(session, replay, point.ms);
    resumed.catch((err: unknown) => {
      session.logger.error({ err }, 'replaying failed');
      this.#reset(session, replay, 'replaying failed on this edge', 'unavailable');
    });
  }

  async #resume(session: Session, replay: ReplayProgress, cursor: Cursor): Promise<void> {
    const { recent } = this.#deps.live;
    const head = this.#deps.live.head;
    // A cursor from an edge that is a little ahead of this one: wait until this edge has it.
    if ((head === null || cursor.offset > head) && !(await this.#deps.live.reach(cursor.offset, this.#deps.catchUpTimeoutMs))) {
      this.#reset(session, replay, 'this edge has not seen the cursor position', 'unavailable');
      return;
    }
    if (session.closed) return session.endReplay(replay);
    const atCursor = recent.at(cursor.offset);
    if (atCursor !== undefined) {
      if (cursorCheck(atCursor.event.id) !== cursor.check) {
        this.#reset(session, replay, 'the cursor names another event at this position (the stream was re-created)', 'unavailable');
        return;
      }
      if (this.#fromMemory(session, replay, recent.after(cursor.offset), cursor.offset, everyEvent)) return this.#goLive(session, replay);
    } else if (this.#refusedHistory(session, replay)) {
      return;
    }
    // Older than memory holds, or a reader too slow to take the rest at once: the stream, paced.
    await this.#fromStream(session, replay, this.#resumePoint(replay, cursor), everyEvent);
  }

  /**
   * Resumes from a time: the events stamped at or after `ms`, from memory when it reaches back
   * far enough, else from the stream's chunk of that time (less the clock skew), then live.
   */
  async #resumeFromTime(session: Session, replay: ReplayProgress, ms: number): Promise<void> {
    const stampedSince = (entry: LogEntry): boolean => entry.tsMs >= ms;
    const held = this.#deps.live.recent.fromTime(ms, CLOCK_SKEW_MS);
    if (held !== null) {
      if (this.#fromMemory(session, replay, held, -1, stampedSince)) return this.#goLive(session, replay);
      // The reader fell behind: the rest from the stream, after the last event memory gave it.
      return this.#fromStream(session, replay, this.#resumePoint(replay, null), stampedSince);
    }
    if (this.#refusedHistory(session, replay)) return;
    await this.#fromStream(session, replay, { timestampMs: ms - CLOCK_SKEW_MS }, stampedSince);
  }

  /**
   * Anyone can open anonymous connections by the thousand; reading old history from the stream
   * for each would let them crowd out token holders and slow live delivery. True (and the reader
   * told with `reset`) when this reader may not read the stream. Anonymous readers of the farm
   * streams are the exception: reading history by time or position without an account is what
   * EventStreams offers its tools; the stream read slots (per address and in all) bound them.
   */
  #refusedHistory(session: Session, replay: ReplayProgress): boolean {
    const { anonymous, wiki } = session.identity;
    if (!anonymous || wiki === FARM_READER_WIKI) return false;
    const reason = `anonymous readers may resume only within the newest ${this.#deps.live.recent.capacity} events this edge holds; connect with a token for older history`;
    this.#reset(session, replay, reason, 'anonymous_limit');
    return true;
  }

  /**
   * Replays from memory the `entries` that `wanted` picks (all that follow the replay's start);
   * false if the reader fell behind before the end. `start` is the offset the entries follow.
   */
  #fromMemory(session: Session, replay: ReplayProgress, entries: Iterable<LogEntry>, start: number, wanted: (entry: LogEntry) => boolean): boolean {
    let replayed = 0;
    let complete = true;
    session.sink.batch(() => {
      for (const entry of entries) {
        if (this.#throttled(session)) {
          complete = false;
          break;
        }
        if (this.#replayOne(session, replay, entry, wanted)) replayed++;
      }
    });
    this.#deps.metrics.replayed.inc({ source: 'ring' }, replayed);
    // Messages no edge could deliver within the span replayed: told as live delivery told them.
    for (const { topic, reason } of this.#deps.live.recent.undeliverableBetween(start, replay.reached)) {
      if (replay.holds(topic) && session.topics.has(topic)) session.send({ op: 'reset', topics: [topic], reason: undeliverableReason(reason) });
    }
    return complete;
  }

  /** Where a replay continues from: the cursor (if any), or the last event memory gave it. */
  #resumePoint(replay: ReplayProgress, cursor: Cursor | null): Cursor {
    if (cursor !== null && replay.reached === cursor.offset) return cursor;
    const last = this.#deps.live.recent.at(replay.reached);
    // Gone from memory meanwhile: a cursor that cannot be checked ends in reset, never a gap.
    return { offset: replay.reached, check: last === undefined ? '' : cursorCheck(last.event.id) };
  }

  #throttled(session: Session): boolean {
    return session.sink.bufferedBytes > this.#deps.replayBacklogBytes;
  }

  async #fromStream(session: Session, replay: ReplayProgress, from: StreamReadOptions['from'], wanted: (entry: LogEntry) => boolean): Promise<void> {
    const release = await this.#deps.slots.acquire(session.address, session, () => session.closed);
    if (release === null) return session.endReplay(replay);
    try {
      const model = this.#deps.model();
      if (model === null) {
        // Nothing is lost: the client reconnects (to this edge or another) and resumes again.
        session.close(CloseCode.restarting, 'history is unavailable while the broker is down; reconnect and resume', 'restarting');
        return session.endReplay(replay);
      }
      let replayed = 0;
      const result = await readStream(model, {
        queue: this.#deps.queue,
        from,
        prefetch: this.#deps.replayPrefetch,
        idleTimeoutMs: this.#deps.catchUpTimeoutMs,
        logger: session.logger,
        onEntry: (entry) => {
          if (this.#replayOne(session, replay, this.#deps.redact(entry), wanted)) replayed++;
        },
        // As live (Router.reset): a reader is told it missed an event rather than left unaware.
        onInvalid: (topic, reason) => {
          if (topic === null || !replay.holds(topic) || !session.topics.has(topic) || session.closed) return;
          session.send({ op: 'reset', topics: [topic], reason: undeliverableReason(reason) });
        },
        throttled: () => this.#throttled(session),
        caughtUp: (offset) => {
          const head = this.#deps.live.head;
          replay.finishing = session.closed || head === null || offset >= head;
          return replay.finishing;
        },
      });
      this.#deps.metrics.replayed.inc({ source: 'stream' }, replayed);
      if (session.closed) return session.endReplay(replay);
      if (!result.ok) this.#reset(session, replay, result.reason, 'unavailable');
      else this.#goLive(session, replay);
    } finally {
      release();
    }
  }

  /** Writes one historic event if the replay wants it, covers its topic and the session may read it. */
  #replayOne(session: Session, replay: ReplayProgress, entry: LogEntry, wanted: (entry: LogEntry) => boolean): boolean {
    replay.reached = entry.offset;
    const topic = entry.topic;
    if (!replay.holds(topic) || !session.topics.has(topic) || session.closed || !wanted(entry)) return false;
    if (entry.restricted && !mayRead(session.identity, entry.event)) return false;
    return session.sink.writeEvent(entry);
  }

  /** History cannot be given: `reset` tells the client to reload its state; live continues. */
  #reset(session: Session, replay: ReplayProgress, reason: string, counted: ResetReason): void {
    if (!session.closed) {
      this.#deps.metrics.resets.inc({ reason: counted });
      const topics = [...replay.topics].filter((topic) => session.topics.has(topic));
      session.logger.info({ topics, reason }, 'resume impossible; sent reset');
      session.send({ op: 'reset', topics, reason });
    }
    this.#goLive(session, replay);
  }

  /** The replay ended: the held live events it did not deliver, then uWS topics from now on. */
  #goLive(session: Session, replay: ReplayProgress): void {
    session.endReplay(replay);
    if (session.closed) return;
    const held = replay.takeHeld();
    session.sink.batch(() => {
      for (const entry of held) if (session.topics.has(entry.topic)) session.sink.writeEvent(entry);
    });
    for (const topic of replay.topics) this.#deps.router.goLive(session, topic);
  }

}

/** A cursor resume wants every event after the cursor. */
function everyEvent(): boolean {
  return true;
}
