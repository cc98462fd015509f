/** How often a slice of the connections is pinged. */
export const KEEP_ALIVE_TICK_MS = 250;

/**
 * Pings every member of a set of connections once per `periodMs`, a slice every tick, rather
 * than all at once. uWS's automatic WebSocket pings come from a timer with 4-second resolution,
 * so every socket that connected in the same 4 seconds is pinged in the same tick: 5,000 pings
 * from one edge in one go, and 5,000 pongs back from the clients, held both up for 100–250 ms
 * every idle timeout and were the whole latency tail at 1,000 events/s
 * (docs/benchmarks/latency-breakdown.md). A heartbeat written to every SSE stream from one timer
 * is the same burst. Spread over the period, the same pings cost a few per tick.
 *
 * Members are visited round-robin in the order they arrived (a Set's iteration order, which
 * removals do not disturb), so each is pinged about once per period.
 */
export class KeepAlive<T> {
  readonly #members: () => ReadonlySet<T>;
  readonly #periodMs: number;
  readonly #ping: (member: T) => void;
  #round: Iterator<T> | null = null;

  constructor(members: () => ReadonlySet<T>, periodMs: number, ping: (member: T) => void) {
    this.#members = members;
    this.#periodMs = periodMs;
    this.#ping = ping;
  }

  /** Starts ticking every KEEP_ALIVE_TICK_MS; returns the function that stops it. */
  start(): () => void {
    const timer = setInterval(() => this.tick(), KEEP_ALIVE_TICK_MS);
    timer.unref();
    return () => clearInterval(timer);
  }

  /** Pings the next slice: as many members as make every one pinged once per period. */
  tick(): void {
    const members = this.#members();
    let quota = Math.ceil((members.size * KEEP_ALIVE_TICK_MS) / this.#periodMs);
    while (quota > 0) {
      let next = this.#round?.next();
      if (next === undefined || next.done === true) {
        this.#round = members.values();
        next = this.#round.next();
        if (next.done === true) return;
      }
      this.#ping(next.value);
      quota--;
    }
  }
}
