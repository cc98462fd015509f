import type { ReasonCode } from './codes.js';

/**
 * The client's connection state.
 * - `disconnected`: no socket; a reconnection is scheduled (or waits for the browser to be online).
 * - `connecting`: a token is fetched, a socket opens, the client waits for `welcome`.
 * - `connected`: `welcome` arrived; subscriptions are (re)sent, sends are possible.
 * - `closed`: `close()` was called or the token was refused for good; nothing more happens.
 */
export enum State {
  Disconnected = 'disconnected',
  Connecting = 'connecting',
  Connected = 'connected',
  Closed = 'closed',
}

/** What every `state` event carries. */
export interface StateChange {
  from: State;
  to: State;
  reason: ReasonCode;
  /** The WebSocket close code, when a close caused the change. */
  closeCode?: number;
  /** The socket error's text, when one preceded the close (`connect ECONNREFUSED …`). */
  detail?: string;
}
