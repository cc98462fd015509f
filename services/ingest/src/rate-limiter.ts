/** Milliseconds from a monotonic source; tests pass their own. */
export type Clock = () => number;

export const monotonicMs: Clock = () => performance.now();

/** Refill `ratePerS` tokens a second up to `burst`; `take` spends them or says how long until it could. */
export class TokenBucket {
  #tokens: number;
  #last: number;

  constructor(
    readonly ratePerS: number,
    readonly burst: number,
    private readonly clock: Clock,
  ) {
    this.#tokens = burst;
    this.#last = clock();
  }

  /** Spends `cost` tokens and returns 0, or spends none and returns the seconds to wait (≥ 1). */
  take(cost: number): number {
    const now = this.clock();
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#last) / 1000) * this.ratePerS);
    this.#last = now;
    if (cost <= this.#tokens) {
      this.#tokens -= cost;
      return 0;
    }
    // A request larger than the burst could never pass; tell it the wait for a full bucket.
    const missing = Math.min(cost, this.burst) - this.#tokens;
    return Math.max(1, Math.ceil(missing / this.ratePerS));
  }
}

/** One bucket per wiki, made on first use; `ratePerS` 0 turns limiting off. */
export class WikiRateLimiter {
  readonly #buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly ratePerS: number,
    private readonly burst: number,
    private readonly clock: Clock = monotonicMs,
  ) {}

  /** 0 when `wiki` may publish `cost` events now, else the seconds for `Retry-After`. */
  take(wiki: string, cost: number): number {
    if (this.ratePerS === 0) return 0;
    let bucket = this.#buckets.get(wiki);
    if (bucket === undefined) {
      bucket = new TokenBucket(this.ratePerS, this.burst, this.clock);
      this.#buckets.set(wiki, bucket);
    }
    return bucket.take(cost);
  }
}
