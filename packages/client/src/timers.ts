/**
 * Time as the client sees it. Everything that waits (backoff, connect and ack timeouts, token
 * refresh) goes through this, so tests drive time by hand instead of sleeping.
 */
export interface Timers {
  set(callback: () => void, ms: number): TimerHandle;
  clear(handle: TimerHandle): void;
  /** Milliseconds since the epoch. */
  now(): number;
}

export type TimerHandle = unknown;

export const systemTimers: Timers = {
  set: (callback, ms) => setTimeout(callback, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};
