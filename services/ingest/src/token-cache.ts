import type { TokenClaims } from '@wikicast/protocol';

/** Most verified tokens remembered; producers reuse a handful of tokens each, so this is plenty. */
export const TOKEN_CACHE_ENTRIES = 10_000;

/**
 * Remembers tokens that verified, until they expire, so that a producer posting many requests
 * with one token pays for the HMAC check (and jose's key import) once. Only successes are kept;
 * `clear()` on a wikis reload, so a changed or removed secret takes effect at once.
 */
export class TokenCache {
  readonly #entries = new Map<string, { claims: TokenClaims; expiresMs: number }>();

  constructor(
    private readonly maxEntries = TOKEN_CACHE_ENTRIES,
    private readonly now: () => number = Date.now,
  ) {}

  get(token: string): TokenClaims | undefined {
    const entry = this.#entries.get(token);
    if (entry === undefined) return undefined;
    if (entry.expiresMs <= this.now()) {
      this.#entries.delete(token);
      return undefined;
    }
    return entry.claims;
  }

  set(token: string, claims: TokenClaims): void {
    // Maps iterate in insertion order: the first key is the oldest entry.
    if (this.#entries.size >= this.maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(token, { claims, expiresMs: claims.exp * 1000 });
  }

  clear(): void {
    this.#entries.clear();
  }
}
