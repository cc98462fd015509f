import type { Session } from '../session.js';

/** How often a slice of the connections is pinged. */
export const KEEP_ALIVE_TICK_MS = 250;

/**
 * Pings every connection once per `periodMs`, a slice every tick, instead of uWS's automatic
 * pings. uWS pings from a timer with 4-second resolution, so every socket that connected in the
 * same 4 seconds is pinged in the same tick: 5,000 pings from one edge in one go, and 5,000 pongs
 * back from the clients, held both up for 100–250 ms every idle timeout and was the whole
 * latency tail at 1,000 events/s (docs/benchmarks/latency-breakdown.md). Spread over the period,
 * the same pings cost a few per tick.
 *
 * The connections are visited round-robin in the order they arrived (a Set's iteration order,
 * which removals do not disturb), so each is pinged about once per period; a client's pong, like
 * any frame it sends, restarts uWS's idle timer.
 */
export class KeepAlive {
  readonly #sessions: () => ReadonlySet<Session>;
  readonly #periodMs: number;
  #round: Iterator<Session> | null = null;

  constructor(sessions: () => ReadonlySet<Session>, periodMs: number) {
    this.#sessions = sessions;
    this.#periodMs = periodMs;
  }

  /** Pings the next slice: as many connections as make every one pinged once per period. */
  tick(): void {
    const sessions = this.#sessions();
    let quota = Math.ceil((sessions.size * KEEP_ALIVE_TICK_MS) / this.#periodMs);
    while (quota > 0) {
      let next = this.#round?.next();
      if (next === undefined || next.done === true) {
        this.#round = sessions.values();
        next = this.#round.next();
        if (next.done === true) return;
      }
      next.value.sink.keepAlive();
      quota--;
    }
  }
}
