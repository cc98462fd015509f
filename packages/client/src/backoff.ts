/** Reconnection delays: exponential, capped, with full jitter (AWS Architecture Blog, 2015). */
export interface BackoffOptions {
  /** The ceiling of the first retry's delay. */
  baseMs: number;
  /** The largest ceiling any retry may have. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 30_000 };

/**
 * The delay before retry number `attempt` (0 for the first): a uniformly random value in
 * [0, min(maxMs, baseMs × 2^attempt)). Full jitter spreads thousands of browsers that lost the
 * same edge at the same moment, so they do not come back all at once.
 */
export function fullJitterDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(0, Math.floor(attempt)), 30);
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** exponent);
  return Math.floor(random() * ceiling);
}
