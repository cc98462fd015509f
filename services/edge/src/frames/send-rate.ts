/** Milliseconds from a monotonic source; unit tests pass their own. */
export type Clock = () => number;

const monotonicMs: Clock = () => performance.now();

/**
 * How many sends one connection may make: a token bucket refilled at `ratePerS` up to `burst`.
 * Buckets are made on a connection's first send, so read-only connections cost nothing, and are
 * forgotten with the connection (a WeakMap: no cleanup to miss).
 */
export class SendRateLimiter<K extends object> {
  readonly #buckets = new WeakMap<K, { tokens: number; at: number }>();

  constructor(
    readonly ratePerS: number,
    readonly burst: number,
    private readonly clock: Clock = monotonicMs,
  ) {}

  /** Spends one send of `key`'s allowance; false when it has none left. */
  allow(key: K): boolean {
    const now = this.clock();
    const bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      this.#buckets.set(key, { tokens: this.burst - 1, at: now });
      return true;
    }
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.ratePerS);
    bucket.at = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
