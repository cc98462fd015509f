import type { BackoffOptions } from './backoff.js';
import type { WikicastError } from './errors.js';
import type { WikicastMessage } from './message.js';
import type { NetworkStatus } from './network.js';
import type { SocketConstructor } from './socket.js';
import type { StateChange } from './state.js';
import type { Timers } from './timers.js';
import type { GetToken } from './token-keeper.js';

/** The client's options, defaults and events: what docs/client.md documents. */

export interface ClientOptions {
  /** `http(s)://host` (the edge or HAProxy), or a full `ws(s)://host/v1/ws` URL; relative in browsers. */
  url: string;
  /** The WebSocket class: the browser's, or the `ws` package's in Node. */
  WebSocket: SocketConstructor;
  /** A token to start with. Without `getToken` it is used until it expires. */
  token?: string;
  /** Gets a fresh token: called before expiry, after 4001/1008, and when there is none. */
  getToken?: GetToken;
  /** Without a token: the public wiki to read anonymously (sent as `?wiki=`, as the edge asks). */
  wiki?: string;
  timers?: Timers;
  /** Online/offline events; defaults to the browser's `window` events, none in Node. */
  network?: NetworkStatus;
  backoff?: BackoffOptions;
  random?: () => number;
  connectTimeoutMs?: number;
  ackTimeoutMs?: number;
  rateLimitDelayMs?: number;
  maxAuthFailures?: number;
  /** How many recent event ids to remember for de-duplication. */
  dedupCapacity?: number;
  /** Resolves a relative `url` (defaults to the page's location). */
  baseUrl?: string;
  /**
   * `connect()` opens nothing until the first `subscribe()`, `presence()` or `send()`: a page
   * that loads the client everywhere opens a socket only where something listens.
   */
  lazy?: boolean;
}

export type Tunables = Required<Pick<ClientOptions, 'connectTimeoutMs' | 'ackTimeoutMs' | 'rateLimitDelayMs' | 'maxAuthFailures' | 'dedupCapacity'>>;

export const DEFAULTS: Readonly<Tunables> = {
  connectTimeoutMs: 10_000,
  ackTimeoutMs: 10_000,
  rateLimitDelayMs: 5_000,
  maxAuthFailures: 3,
  dedupCapacity: 2048,
};

export interface SendOptions {
  /** The topic; default: `type`, as the seed did (`send('FooDataChanged', …)`). */
  topic?: string;
  /** Recipient client ids; absent: every subscriber of the topic. */
  to?: string | string[];
  timeoutMs?: number;
}

/** The seed's third argument of `send`: one client id, several, or none. */
export type Recipients = string | string[] | false | null | undefined;

export interface ClientEvents {
  state: (change: StateChange) => void;
  connected: (info: { cid: string; edge: string }) => void;
  /** Every loss of an established connection (the seed's `disconnected` callbacks). */
  disconnected: (info: { reason: string; closeCode?: number }) => void;
  event: (message: WikicastMessage) => void;
  /** History for these topics is gone: reload their state from the wiki. */
  reset: (info: { topics: string[]; reason: string }) => void;
  error: (err: WikicastError) => void;
}
