import type { TemplatedApp } from 'uWebSockets.js';
import type { LogEntry } from './broker/log-entry.js';
import type { EdgeMetrics } from './metrics.js';
import { mayRead } from './access/permissions.js';
import type { Session } from './session.js';

/**
 * Decides which local sessions get each event. Plain events go out with one `app.publish` per
 * event (uWS writes the same bytes to every subscribed socket); events with `to` or `audience`
 * are checked per session and never broadcast. Sessions that uWS topics cannot reach (SSE, or a
 * WebSocket still replaying a topic) are fed one by one.
 */
export class Router {
  readonly #app: TemplatedApp;
  readonly #metrics: EdgeMetrics;
  /** Every subscriber of a topic, whatever its transport or state. */
  readonly #subscribers = new Map<string, Set<Session>>();
  /** The subscribers of a topic that `app.publish` does not reach. */
  readonly #manual = new Map<string, Set<Session>>();
  /**
   * Sessions by client id. Nearly always one per id (a token's `cid` shared by a user's tabs is
   * the exception), so a bare session rather than a set per connection: idle connections are
   * what an edge holds most of, and every byte per connection counts.
   */
  readonly #byCid = new Map<string, Session | Session[]>();
  readonly #sessions = new Set<Session>();
  /** Bytes published since sockets were last checked for backpressure. */
  #publishedBytes = 0;
  readonly #checkEveryBytes: number;

  /**
   * @param checkEveryBytes sweep every socket's buffer after this many bytes were published, so
   *   none can pass uWS's drop limit between two sweeps.
   */
  constructor(app: TemplatedApp, metrics: EdgeMetrics, checkEveryBytes: number) {
    this.#app = app;
    this.#metrics = metrics;
    this.#checkEveryBytes = checkEveryBytes;
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** Every session, in the order they were added. */
  get sessions(): ReadonlySet<Session> {
    return this.#sessions;
  }

  add(session: Session): void {
    this.#sessions.add(session);
    const existing = this.#byCid.get(session.cid);
    if (existing === undefined) this.#byCid.set(session.cid, session);
    else if (Array.isArray(existing)) existing.push(session);
    else this.#byCid.set(session.cid, [existing, session]);
  }

  remove(session: Session): void {
    if (!this.#sessions.delete(session)) return;
    for (const topic of session.topics) this.#forget(session, topic);
    session.topics.clear();
    const existing = this.#byCid.get(session.cid);
    if (existing === session) this.#byCid.delete(session.cid);
    else if (Array.isArray(existing)) {
      const rest = existing.filter((other) => other !== session);
      if (rest.length === 1) this.#byCid.set(session.cid, rest[0]!);
      else this.#byCid.set(session.cid, rest);
    }
  }

  /** Subscribes; `live: false` holds the session back from uWS topics (it is fed one by one). */
  subscribe(session: Session, topic: string, live = true): void {
    if (session.topics.has(topic)) return;
    session.topics.add(topic);
    addTo(this.#subscribers, topic, session);
    if (!live || !session.sink.joinTopic(topic)) addTo(this.#manual, topic, session);
  }

  /** Ends one-by-one feeding of a topic (a replay caught up): uWS topics reach the session from now on. */
  goLive(session: Session, topic: string): void {
    if (session.topics.has(topic) && session.sink.joinTopic(topic)) removeFrom(this.#manual, topic, session);
  }

  unsubscribe(session: Session, topic: string): void {
    if (!session.topics.delete(topic)) return;
    this.#forget(session, topic);
  }

  /** Hands every valid stream event to its readers on this edge. */
  deliver(entry: LogEntry): void {
    const { topic } = entry;
    let delivered = 0;
    if (!entry.restricted) {
      delivered = this.#app.numSubscribers(topic);
      if (delivered > 0) this.#app.publish(topic, entry.frame, false, false);
      for (const session of this.#manual.get(topic) ?? []) if (session.deliver(entry)) delivered++;
    } else {
      const { event } = entry;
      for (const session of this.#readers(entry)) if (mayRead(session.identity, event) && session.deliver(entry)) delivered++;
    }
    if (delivered > 0) {
      this.#metrics.deliveries.inc(delivered);
      const lagMs = Date.now() - entry.tsMs;
      if (Number.isFinite(lagMs)) this.#metrics.deliveryLag.observe(Math.max(0, lagMs) / 1000);
    }
    this.#publishedBytes += Buffer.byteLength(entry.frame);
    if (this.#publishedBytes >= this.#checkEveryBytes) this.checkBackpressure();
  }

  /** Tells every subscriber of `topic` that it missed an event (`reset`: reload state); live continues. */
  reset(topic: string, reason: string): void {
    for (const session of this.#subscribers.get(topic) ?? []) session.send({ op: 'reset', topics: [topic], reason });
  }

  /**
   * The timer's sweep: only when something was published since the last sweep. `app.publish` is
   * the one write not checked as it happens, so with nothing published no buffer grew unchecked,
   * and an idle edge does not walk all its connections four times a second.
   */
  sweepIfPublished(): void {
    if (this.#publishedBytes > 0) this.checkBackpressure();
  }

  /** Closes (4009) every socket holding more than its limit. */
  checkBackpressure(): void {
    this.#publishedBytes = 0;
    for (const session of this.#sessions) session.sink.checkBuffered();
  }

  /** Candidates for a restricted event: for `to`, only sessions with those client ids. */
  *#readers(entry: LogEntry): Iterable<Session> {
    const { topic, to } = entry.event;
    if (to === undefined) {
      yield* this.#subscribers.get(topic) ?? [];
      return;
    }
    for (const cid of new Set(to)) {
      const found = this.#byCid.get(cid);
      if (found === undefined) continue;
      for (const session of Array.isArray(found) ? found : [found]) if (session.topics.has(topic)) yield session;
    }
  }

  #forget(session: Session, topic: string): void {
    removeFrom(this.#subscribers, topic, session);
    removeFrom(this.#manual, topic, session);
    session.sink.leaveTopic(topic);
  }
}

function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  let set = map.get(key);
  if (set === undefined) map.set(key, (set = new Set()));
  set.add(value);
}

function removeFrom<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (set === undefined) return;
  set.delete(value);
  if (set.size === 0) map.delete(key);
}
