import type { LogEntry } from '../broker/log-entry.js';
import { RecentEvents } from './recent-events.js';

/**
 * The edge's live position in the events stream, with one owner: the newest offset consumed (an
 * event or a message it could not deliver), the cursor of the newest event (for `welcome`), the
 * newest events kept for resumes, and the resumes waiting for a position this edge has not
 * reached yet (a cursor handed out by a slightly faster edge). The stream consumer feeds it.
 */
export class LiveLog {
  readonly recent: RecentEvents;
  #head: number | null = null;
  #cursor: string | null = null;
  readonly #waiters = new Set<{ offset: number; resolve: (reached: boolean) => void }>();

  constructor(capacity: number) {
    this.recent = new RecentEvents(capacity);
  }

  /** The offset of the newest message consumed; `null` before the first. */
  get head(): number | null {
    return this.#head;
  }

  /** The cursor of the newest event; `null` before the first. */
  get cursor(): string | null {
    return this.#cursor;
  }

  append(entry: LogEntry): void {
    this.recent.push(entry);
    this.#cursor = entry.cursor;
    this.#advance(entry.offset);
  }

  /** A message no edge could deliver: the position moves on, and resumes across it are told (RecentEvents). */
  skip(offset: number, topic: string | null, reason: string): void {
    if (topic !== null) this.recent.noteUndeliverable(offset, topic, reason);
    this.#advance(offset);
  }

  /** Resolves true once this edge consumed `offset`, false after `timeoutMs`. */
  reach(offset: number, timeoutMs: number): Promise<boolean> {
    if (this.#head !== null && this.#head >= offset) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = {
        offset,
        resolve: (reached: boolean) => {
          clearTimeout(timer);
          resolve(reached);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        resolve(false);
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  #advance(offset: number): void {
    this.#head = offset;
    for (const waiter of this.#waiters) {
      if (waiter.offset > offset) continue;
      this.#waiters.delete(waiter);
      waiter.resolve(true);
    }
  }
}
