import { CloseCode } from '@wikicast/protocol';
import { EdgeError } from './edge-error.js';
import type { Session } from './session.js';

/** setTimeout's longest delay (about 24.8 days); a later expiry re-arms when it fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * One timer per connection that fires when its token expires. `watch` again (after a token
 * refresh) replaces the timer; `forget` (on close) clears it. Timers do not hold the process open.
 */
export class TokenExpiry<K> {
  readonly #timers = new Map<K, NodeJS.Timeout>();

  constructor(
    private readonly onExpired: (key: K) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Connections with a timer armed. */
  get size(): number {
    return this.#timers.size;
  }

  /** Arms (or re-arms) `key`'s timer for `expiresAtMs`; `null` (anonymous) never expires. */
  watch(key: K, expiresAtMs: number | null): void {
    this.forget(key);
    if (expiresAtMs === null) return;
    const delay = Math.max(0, expiresAtMs - this.now());
    const timer = setTimeout(() => {
      this.#timers.delete(key);
      if (delay > MAX_TIMER_MS) this.watch(key, expiresAtMs);
      else this.onExpired(key);
    }, Math.min(delay, MAX_TIMER_MS));
    timer.unref();
    this.#timers.set(key, timer);
  }

  forget(key: K): void {
    const timer = this.#timers.get(key);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.#timers.delete(key);
  }
}

/** What the edge does when a connection's token expires: `token_expired`, then close 4001. */
export function closeExpired(session: Session): void {
  session.logger.info('token expired; closing with 4001');
  const error = new EdgeError('token_expired', 'the token expired; refresh it with {"op":"auth","token"} before it does', {
    closeCode: CloseCode.tokenExpired,
  });
  session.fail(error, 'token_expired', CloseCode.tokenExpired);
}
