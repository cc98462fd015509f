/** WebSocket close codes (RFC 6455 and Wikicast's 4xxx application range). */
export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  /** Never sent: what a browser reports when a connection ended without a close frame. */
  abnormal: 1006,
  policy: 1008,
  tooBig: 1009,
  /** An unexpected failure on the server (the `error` frame says `internal`). */
  internalError: 1011,
  restarting: 1012,
  tokenExpired: 4001,
  rateLimited: 4008,
  tooSlow: 4009,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];
