import { CloseCode, cursorCheck, decodeCursor, type Cursor } from '@wikicast/protocol';
import type { ChannelModel } from 'amqplib';
import type { Logger } from 'pino';
import { undeliverableReason, type LogEntry } from '../broker/log-entry.js';
import type { EdgeMetrics, ResetReason } from '../metrics.js';
import { mayRead } from '../access/permissions.js';
import type { LiveLog } from './live-log.js';
import { ReplayProgress } from './replay-progress.js';
import type { Router } from '../router.js';
import type { Session } from '../session.js';
import type { StreamReadSlots } from './stream-read-slots.js';
import { readStream } from './stream-reader.js';

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
    const cursor = decodeCursor(since);
    const replay = new ReplayProgress(fresh, cursor?.offset ?? -1, this.#deps.heldLimit);
    session.startReplay(replay);
    announce();
    if (cursor === null) {
      this.#reset(session, replay, 'since is not a cursor this cluster hands out', 'unavailable');
      return;
    }
    this.#resume(session, replay, cursor).catch((err: unknown) => {
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
      let complete = true;
      session.sink.batch(() => {
        complete = this.#fromMemory(session, replay, cursor.offset);
      });
      if (complete) return this.#goLive(session, replay);
    } else if (session.identity.anonymous) {
      // Anyone can open anonymous connections by the thousand; reading old history from the
      // stream for each would let them crowd out token holders and slow live delivery.
      const reason = `anonymous readers may resume only within the newest ${recent.capacity} events this edge holds; connect with a token for older history`;
      this.#reset(session, replay, reason, 'anonymous_limit');
      return;
    }
    // Older than memory holds, or a reader too slow to take the rest at once: the stream, paced.
    await this.#fromStream(session, replay, this.#resumePoint(replay, cursor));
  }

  /** Replays from memory what follows `offset`; false if the reader fell behind before the end. */
  #fromMemory(session: Session, replay: ReplayProgress, offset: number): boolean {
    let replayed = 0;
    let complete = true;
    for (const entry of this.#deps.live.recent.after(offset)) {
      if (this.#throttled(session)) {
        complete = false;
        break;
      }
      if (this.#replayOne(session, replay, entry)) replayed++;
    }
    this.#deps.metrics.replayed.inc({ source: 'ring' }, replayed);
    // Messages no edge could deliver within the span replayed: told as live delivery told them.
    for (const { topic, reason } of this.#deps.live.recent.undeliverableBetween(offset, replay.reached)) {
      if (replay.holds(topic) && session.topics.has(topic)) session.send({ op: 'reset', topics: [topic], reason: undeliverableReason(reason) });
    }
    return complete;
  }

  /** Where a replay continues from: the cursor, or the last event memory gave it. */
  #resumePoint(replay: ReplayProgress, cursor: Cursor): Cursor {
    if (replay.reached === cursor.offset) return cursor;
    const last = this.#deps.live.recent.at(replay.reached);
    // Gone from memory meanwhile: a cursor that cannot be checked ends in reset, never a gap.
    return { offset: replay.reached, check: last === undefined ? '' : cursorCheck(last.event.id) };
  }

  #throttled(session: Session): boolean {
    return session.sink.bufferedBytes > this.#deps.replayBacklogBytes;
  }

  async #fromStream(session: Session, replay: ReplayProgress, cursor: Cursor): Promise<void> {
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
        cursor,
        prefetch: this.#deps.replayPrefetch,
        idleTimeoutMs: this.#deps.catchUpTimeoutMs,
        logger: session.logger,
        onEntry: (entry) => {
          if (this.#replayOne(session, replay, entry)) replayed++;
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

  /** Writes one historic event if this replay covers its topic and the session may read it. */
  #replayOne(session: Session, replay: ReplayProgress, entry: LogEntry): boolean {
    replay.reached = entry.offset;
    const topic = entry.event.topic;
    if (!replay.holds(topic) || !session.topics.has(topic) || session.closed) return false;
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
      for (const entry of held) if (session.topics.has(entry.event.topic)) session.sink.writeEvent(entry);
    });
    for (const topic of replay.topics) this.#deps.router.goLive(session, topic);
  }

}
