import { CloseCode } from '@wikicast/protocol';

/**
 * Every code the client reports, in one place (as centrifuge-js keeps them): why the state
 * changed, why a promise was rejected, and the WebSocket close codes it acts on. Codes are stable
 * strings that applications may branch on; docs/client.md lists each one.
 */

/** Why the connection state changed; carried by every `state` event. */
export const ReasonCode = {
  /** `connect()` was called. */
  connectCalled: 'connect_called',
  /** The server's `welcome` frame arrived: the connection is usable. */
  welcome: 'welcome',
  /** A reconnection attempt starts after the backoff delay. */
  reconnect: 'reconnect',
  /** The socket closed or failed without a more specific reason (network error, 1006, 1000, 1001). */
  transportClosed: 'transport_closed',
  /** No `welcome` within the connect timeout. */
  connectTimeout: 'connect_timeout',
  /** Close 1012: the edge restarts; reconnect at once, elsewhere. */
  serverRestarting: 'server_restarting',
  /** Close 1008: the token was refused. */
  authRefused: 'auth_refused',
  /** Close 4001: the token expired. */
  tokenExpired: 'token_expired',
  /** Close 4008: too many frames; back off. */
  rateLimited: 'rate_limited',
  /** Close 4009: the client read too slowly; resume from the last cursor. */
  tooSlow: 'too_slow',
  /** Close 1009: a frame was larger than the server's limit. */
  frameTooBig: 'frame_too_big',
  /** The host's `getToken` callback failed. */
  tokenUnavailable: 'token_unavailable',
  /** The browser went offline; the client waits for `online`. */
  offline: 'offline',
  /** The browser came back online; reconnect at once. */
  online: 'online',
  /** `close()` was called. */
  closeCalled: 'close_called',
} as const;
export type ReasonCode = (typeof ReasonCode)[keyof typeof ReasonCode];

/** Why a promise (a send, a subscription) failed, or what an `error` event reports. */
export const ErrorCode = {
  /** `send()` while not connected: the seed's contract is to fall back to Ajax then. */
  notConnected: 'not_connected',
  /** The connection dropped before the ack: the event may or may not have been published. */
  disconnected: 'disconnected',
  /** No ack within the send timeout. */
  ackTimeout: 'ack_timeout',
  /** The client was closed. */
  closed: 'client_closed',
  /** The host's `getToken` callback threw or returned no token. */
  tokenUnavailable: 'token_unavailable',
  /** A subscription or event callback threw. */
  callbackFailed: 'callback_failed',
  /** A frame from the server that is not JSON or has no known `op`. */
  badFrame: 'bad_frame',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];


export { CloseCode };

/** The server's error code for a refusal by a draining edge (docs/errors.md); a 1012 close follows. */
export const SHUTTING_DOWN = 'shutting_down';

const reasonByCloseCode: Record<number, ReasonCode> = {
  [CloseCode.policy]: ReasonCode.authRefused,
  [CloseCode.tooBig]: ReasonCode.frameTooBig,
  [CloseCode.restarting]: ReasonCode.serverRestarting,
  [CloseCode.tokenExpired]: ReasonCode.tokenExpired,
  [CloseCode.rateLimited]: ReasonCode.rateLimited,
  [CloseCode.tooSlow]: ReasonCode.tooSlow,
};

/** The reason code for a close code the server sent. */
export function reasonForClose(code: number): ReasonCode {
  return reasonByCloseCode[code] ?? ReasonCode.transportClosed;
}
