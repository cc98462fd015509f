import { EdgeError } from '../edge-error.js';
import type { Session } from '../session.js';

/** setTimeout's longest delay (about 24.8 days); a later expiry re-arms when it fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Fires `onExpired` for each watched connection when its token expires. `watch` again (after a
 * token refresh) replaces the expiry; `forget` (on close) drops it. Connections are grouped by
 * expiry time (tokens expire on whole seconds) behind one timer for the earliest group, rather
 * than a timer each: a timer costs about as much memory as the rest of an idle connection's
 * bookkeeping. The timer does not hold the process open.
 */
export class TokenExpiry<K> {
  /** Each watched key's expiry, ms since the epoch. */
  readonly #due = new Map<K, number>();
  readonly #byTime = new Map<number, Set<K>>();
  #timer: NodeJS.Timeout | null = null;
  #timerAt = Number.POSITIVE_INFINITY;

  constructor(
    private readonly onExpired: (key: K) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Connections being watched. */
  get size(): number {
    return this.#due.size;
  }

  /** Watches `key` until `expiresAtMs`, replacing an earlier watch; `null` (anonymous) never expires. */
  watch(key: K, expiresAtMs: number | null): void {
    this.forget(key);
    if (expiresAtMs === null) return;
    this.#due.set(key, expiresAtMs);
    let keys = this.#byTime.get(expiresAtMs);
    if (keys === undefined) this.#byTime.set(expiresAtMs, (keys = new Set()));
    keys.add(key);
    if (expiresAtMs < this.#timerAt) this.#arm(expiresAtMs);
  }

  forget(key: K): void {
    const at = this.#due.get(key);
    if (at === undefined) return;
    this.#due.delete(key);
    const keys = this.#byTime.get(at);
    keys?.delete(key);
    if (keys?.size === 0) this.#byTime.delete(at);
  }

  #arm(at: number): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => this.#fire(), Math.min(Math.max(0, at - this.now()), MAX_TIMER_MS));
    this.#timer.unref();
  }

  #fire(): void {
    this.#timer = null;
    this.#timerAt = Number.POSITIVE_INFINITY;
    const now = this.now();
    const expired: K[] = [];
    let next = Number.POSITIVE_INFINITY;
    for (const [at, keys] of this.#byTime) {
      if (at > now) {
        next = Math.min(next, at);
        continue;
      }
      this.#byTime.delete(at);
      for (const key of keys) {
        this.#due.delete(key);
        expired.push(key);
      }
    }
    if (next !== Number.POSITIVE_INFINITY) this.#arm(next);
    for (const key of expired) this.onExpired(key);
  }
}

/** What the edge does when a connection's token expires: `token_expired`, then close 4001. */
export function closeExpired(session: Session): void {
  session.logger.info('token expired; closing with 4001');
  session.fail(new EdgeError('token_expired', 'the token expired; refresh it with {"op":"auth","token"} before it does'));
}
