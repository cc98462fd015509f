import { fullJitterDelay, type BackoffOptions } from './backoff.js';
import { ReasonCode } from './codes.js';

export interface ReconnectContext {
  /** Failed attempts since the last successful connection. */
  attempts: number;
  /** Consecutive 1008 closes (token refused) since the last successful connection. */
  authFailures: number;
  /** Whether the host gave a `getToken` callback, so a new token can be had. */
  canRefreshToken: boolean;
  backoff: BackoffOptions;
  /** Added to the backoff after close 4008, so a rate-limited client really slows down. */
  rateLimitDelayMs: number;
  /** After this many consecutive token refusals the client gives up (state `closed`). */
  maxAuthFailures: number;
  random: () => number;
}

export type ReconnectStep =
  | { action: 'retry'; delayMs: number; refreshToken: boolean }
  | { action: 'wait-online' }
  | { action: 'give-up' };

/**
 * What to do after the connection was lost for `reason`: the whole reconnection policy as one
 * pure function, so it is tested without sockets or timers.
 * - 1012 (restart) and 4001 (expired): reconnect at once (with a fresh token for 4001); only the
 *   first time in a row, so a cluster that keeps refusing still gets backoff.
 * - 1008 (refused): a fresh token and backoff; give up when no new token can be had, or after
 *   `maxAuthFailures` refusals in a row.
 * - 4008 (rate limited): backoff plus a fixed delay.
 * - offline: wait for the browser's `online` event instead of retrying.
 * - anything else: full-jitter backoff.
 */
export function nextStep(reason: string, ctx: ReconnectContext): ReconnectStep {
  const backoff = fullJitterDelay(ctx.attempts, ctx.backoff, ctx.random);
  switch (reason) {
    case ReasonCode.offline:
      return { action: 'wait-online' };
    case ReasonCode.serverRestarting:
      return { action: 'retry', delayMs: ctx.attempts === 0 ? 0 : backoff, refreshToken: false };
    case ReasonCode.tokenExpired:
      if (!ctx.canRefreshToken) return { action: 'give-up' };
      return { action: 'retry', delayMs: ctx.attempts === 0 ? 0 : backoff, refreshToken: true };
    case ReasonCode.authRefused:
      if (!ctx.canRefreshToken || ctx.authFailures >= ctx.maxAuthFailures) return { action: 'give-up' };
      return { action: 'retry', delayMs: backoff, refreshToken: true };
    case ReasonCode.rateLimited:
      return { action: 'retry', delayMs: ctx.rateLimitDelayMs + backoff, refreshToken: false };
    case ReasonCode.tokenUnavailable:
      return { action: 'retry', delayMs: backoff, refreshToken: true };
    default:
      return { action: 'retry', delayMs: backoff, refreshToken: false };
  }
}
