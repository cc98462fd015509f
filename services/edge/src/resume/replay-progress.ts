import type { LogEntry } from '../broker/log-entry.js';

/**
 * One `subscribe … since` in progress on a session: the topics being replayed, and the live
 * events for them that arrive meanwhile, held back until the replay has caught up so that the
 * client sees history and live in stream order, with no gap and no duplicate.
 */
export class ReplayProgress {
  readonly topics: ReadonlySet<string>;
  /** The stream offset the replay has reached (the cursor's at first). */
  reached: number;
  /** The replay reached the edge's newest event; what is held from now on is all needed. */
  finishing = false;
  readonly #limit: number;
  #held: LogEntry[] = [];

  /** @param limit live events held back at most (see `hold`). */
  constructor(topics: readonly string[], from: number, limit: number) {
    this.topics = new Set(topics);
    this.reached = from;
    this.#limit = limit;
  }

  holds(topic: string): boolean {
    return this.topics.has(topic);
  }

  /**
   * Keeps a live event (already permission-checked by the router) for after the replay. A replay
   * only ends once it reached the edge's newest event, so everything held before that moment is
   * replayed anyway; holding matters only for those arriving after it got there. Past the limit
   * the held events are therefore dropped, not the replay.
   */
  hold(entry: LogEntry): void {
    if (this.#held.length >= this.#limit && !this.finishing) this.#held = [];
    this.#held.push(entry);
  }

  /** Takes the held events the replay did not deliver itself: those after `reached`. */
  takeHeld(): LogEntry[] {
    const held = this.#held;
    this.#held = [];
    return held.filter((entry) => entry.offset > this.reached);
  }
}
