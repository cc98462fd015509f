export const RECONNECT_INITIAL_DELAY_MS = 100;
export const RECONNECT_MAX_DELAY_MS = 5_000;
/** Each delay is the base ± this fraction, so that a fleet of services does not reconnect in step. */
const JITTER = 0.2;

/**
 * The wait before connection attempt `attempt` (1 for the first after a loss or failure) when
 * there are `nodes` nodes to try. Every node gets one quick try before the wait grows: a node that
 * died should cost one refused connection, not a backoff; when all were tried, the wait doubles
 * with each further round, up to the maximum. `random` is injectable for tests.
 */
export function reconnectDelayMs(attempt: number, nodes: number, random: () => number = Math.random): number {
  const round = Math.floor((attempt - 1) / Math.max(1, nodes));
  const base = Math.min(RECONNECT_MAX_DELAY_MS / (1 + JITTER), RECONNECT_INITIAL_DELAY_MS * 2 ** round);
  return Math.round(base * (1 + JITTER * (2 * random() - 1)));
}
