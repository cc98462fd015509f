import type { LogEntry } from '../broker/log-entry.js';

/**
 * The newest events this edge consumed, in stream order, for resumes that missed only a little
 * (a reconnect, an edge restart): served from memory without touching RabbitMQ. Every valid
 * event the stream consumer hands on is pushed, so between `first` and `last` nothing is missing.
 */
export class RecentEvents {
  readonly #capacity: number;
  /** A circular buffer: `#start` is the oldest entry's slot. */
  readonly #slots: Array<LogEntry | undefined>;
  #start = 0;
  #size = 0;
  /**
   * Stream messages no edge could deliver, by offset, with their topic: a resume served from
   * memory across one of them must tell its reader (`reset`), as live delivery did. Rare, so a
   * short list, pruned to the span memory holds.
   */
  #undeliverable: Array<{ offset: number; topic: string; reason: string }> = [];

  constructor(capacity: number) {
    this.#capacity = capacity;
    this.#slots = new Array<LogEntry | undefined>(capacity);
  }

  /** Events held at most (`WIKICAST_EDGE_RECENT_EVENTS`). */
  get capacity(): number {
    return this.#capacity;
  }

  get size(): number {
    return this.#size;
  }

  /**
   * Adds the newest entry. The one before it was delivered by now, so it gives up its parsed
   * event (LogEntry `release`): what memory holds for resumes is frames, not object graphs.
   */
  push(entry: LogEntry): void {
    if (this.#size > 0) this.#get(this.#size - 1).release();
    const end = (this.#start + this.#size) % this.#capacity;
    this.#slots[end] = entry;
    if (this.#size < this.#capacity) this.#size++;
    else this.#start = (this.#start + 1) % this.#capacity;
  }

  noteUndeliverable(offset: number, topic: string, reason: string): void {
    const oldest = this.#size === 0 ? offset : this.#get(0).offset;
    this.#undeliverable = this.#undeliverable.filter((u) => u.offset >= oldest);
    this.#undeliverable.push({ offset, topic, reason });
  }

  /** The undeliverable messages after `from` up to `to`, oldest first. */
  undeliverableBetween(from: number, to: number): ReadonlyArray<{ offset: number; topic: string; reason: string }> {
    return this.#undeliverable.filter((u) => u.offset > from && u.offset <= to);
  }

  /** Replaces each held entry with what `change` makes of it (a retraction redacting events already held). */
  replaceAll(change: (entry: LogEntry) => LogEntry): void {
    for (let i = 0; i < this.#size; i++) {
      const slot = (this.#start + i) % this.#capacity;
      const changed = change(this.#slots[slot] as LogEntry);
      if (i < this.#size - 1) changed.release();
      this.#slots[slot] = changed;
    }
  }

  /** The entry at stream `offset`, if it is still held. */
  at(offset: number): LogEntry | undefined {
    const index = this.#indexOf(offset);
    return index === -1 ? undefined : this.#get(index);
  }

  /**
   * Every held entry, oldest first, when memory reaches far enough back for a resume from time
   * `ms`: its oldest entry is stamped at least the clock skew before it (see CLOCK_SKEW_MS), so
   * no event stamped at or after `ms` can be older than what is held. `null` when it does not.
   */
  fromTime(ms: number, skewMs: number): Iterable<LogEntry> | null {
    if (this.#size === 0 || !(this.#get(0).tsMs <= ms - skewMs)) return null;
    return this.#from(0);
  }

  /** Every held entry after `offset` (which must be held), oldest first. */
  *after(offset: number): Iterable<LogEntry> {
    const index = this.#indexOf(offset);
    if (index === -1) return;
    yield* this.#from(index + 1);
  }

  *#from(index: number): Iterable<LogEntry> {
    for (let i = index; i < this.#size; i++) yield this.#get(i);
  }

  #get(index: number): LogEntry {
    return this.#slots[(this.#start + index) % this.#capacity] as LogEntry;
  }

  /** Binary search by offset: offsets grow but skip invalid messages, so they are not contiguous. */
  #indexOf(offset: number): number {
    let low = 0;
    let high = this.#size - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const found = this.#get(mid).offset;
      if (found === offset) return mid;
      if (found < offset) low = mid + 1;
      else high = mid - 1;
    }
    return -1;
  }
}
