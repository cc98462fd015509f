import type { TimerHandle, Timers } from './timers.js';

/** The host page's way to get a fresh token (the MediaWiki extension asks its API). */
export type GetToken = () => Promise<string> | string;

/** Refresh this long before expiry at most (and at half the remaining lifetime for short tokens). */
export const REFRESH_LEAD_MS = 60_000;
/** Never refresh more often than this, even if the host keeps handing out expired tokens. */
const MIN_REFRESH_DELAY_MS = 1_000;

/** The `exp` claim of a JWT in milliseconds, read without verifying (the server verifies). */
export function tokenExpiry(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  let claims: unknown;
  try {
    claims = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/')));
  } catch (err) {
    // Not a JWT we can read: the server will judge it; we just cannot schedule a refresh.
    if (err instanceof Error) return undefined;
    throw err;
  }
  const exp = (claims as { exp?: unknown } | null)?.exp;
  return typeof exp === 'number' ? exp * 1000 : undefined;
}

/** Holds the current token, fetches new ones from the host, and times the refresh before expiry. */
export class TokenKeeper {
  private token: string | undefined;
  private timer: TimerHandle | undefined;

  constructor(
    initial: string | undefined,
    private readonly getToken: GetToken | undefined,
    private readonly timers: Timers,
    private readonly leadMs = REFRESH_LEAD_MS,
  ) {
    this.token = initial;
  }

  get current(): string | undefined {
    return this.token;
  }

  get canRefresh(): boolean {
    return this.getToken !== undefined;
  }

  /** The token to connect with: a fresh one when asked, when there is none, or when it expires soon. */
  async forConnect(refresh: boolean): Promise<string | undefined> {
    if (this.getToken === undefined) return this.token;
    if (refresh || this.token === undefined || this.expiresWithin(this.leadMs)) await this.fetch();
    return this.token;
  }

  /** Fetches a new token from the host and keeps it. */
  async fetch(): Promise<string> {
    if (this.getToken === undefined) throw new Error('no getToken callback was given');
    const token = await this.getToken();
    if (typeof token !== 'string' || token === '') throw new Error('getToken returned no token');
    this.token = token;
    return token;
  }

  /**
   * Calls `refresh` before the current token expires (and again for each later token, as long as
   * `refresh` keeps succeeding). Does nothing without `getToken` or a readable expiry.
   */
  schedule(refresh: () => void): void {
    this.cancel();
    if (this.getToken === undefined || this.token === undefined) return;
    const expiry = tokenExpiry(this.token);
    if (expiry === undefined) return;
    const remaining = expiry - this.timers.now();
    const delay = Math.max(MIN_REFRESH_DELAY_MS, remaining - Math.min(this.leadMs, remaining / 2));
    this.timer = this.timers.set(() => {
      this.timer = undefined;
      refresh();
    }, delay);
  }

  cancel(): void {
    if (this.timer !== undefined) this.timers.clear(this.timer);
    this.timer = undefined;
  }

  private expiresWithin(ms: number): boolean {
    if (this.token === undefined) return true;
    const expiry = tokenExpiry(this.token);
    return expiry !== undefined && expiry - this.timers.now() < ms;
  }
}
