import { CloseCode } from './close-codes.js';

/** Why the edge ended a connection, as `wikicast_edge_disconnects_total{reason}` counts it. */
export type DisconnectReason =
  | 'client_closed'
  | 'abnormal'
  | 'unauthorized'
  | 'token_expired'
  | 'rate_limited'
  | 'too_slow'
  | 'too_big'
  | 'restarting'
  | 'revoked'
  | 'error';

/** What one error code means everywhere it is used: bound once here, never chosen at a call site. */
export interface ErrorSpec {
  /** The HTTP status of this refusal: ingest's answers, and an SSE request refused before its stream starts. */
  readonly status: number;
  /** When this refusal ends a WebSocket connection: the close code after its `error` frame. */
  readonly close?: CloseCode;
  /** How the edge counts a connection that this refusal ended. */
  readonly disconnectReason?: DisconnectReason;
  readonly doc: string;
}

/**
 * Every error code a client can see, in an HTTP JSON body `{code, message}` or a WebSocket
 * `error` frame (fastify's error registry is the model). Codes are stable: clients branch on them.
 * docs/errors.md documents each one, and a test keeps its table equal to this.
 */
export const ErrorCodes = {
  bad_json: { status: 400, doc: 'The body or frame is not valid JSON (or not UTF-8 text).' },
  invalid_event: { status: 400, doc: 'The event does not match the schema; the message names the field.' },
  invalid_frame: { status: 400, doc: 'The WebSocket frame does not match any known frame; the message names the field.' },
  invalid_request: { status: 400, doc: 'A control request (such as a revocation) does not match its schema; the message names the field.' },
  invalid_topic: { status: 400, doc: 'The topic is not a valid topic name.' },
  invalid_query: { status: 400, doc: 'A parameter of a stream request (a filter, `since`, `Last-Event-ID`) is not valid; the message names it.' },
  foreign_topic: { status: 403, doc: "The topic belongs to another wiki than the token's." },
  unauthorized: {
    status: 401,
    close: CloseCode.policy,
    disconnectReason: 'unauthorized',
    doc: 'No token, or a token that is malformed, expired or not signed with a key its wiki lists.',
  },
  forbidden: { status: 403, doc: 'The token is valid but does not allow this action.' },
  not_found: { status: 404, doc: 'No such endpoint, or no such stream.' },
  method_not_allowed: { status: 405, doc: 'The endpoint does not accept this HTTP method.' },
  payload_too_large: { status: 413, close: CloseCode.tooBig, disconnectReason: 'too_big', doc: 'The body or frame is larger than the configured limit.' },
  unsupported_media_type: { status: 415, doc: 'The body is not application/json.' },
  unavailable: { status: 503, doc: 'The broker cannot take writes right now; retry after the given delay.' },
  shutting_down: {
    status: 503,
    close: CloseCode.restarting,
    disconnectReason: 'restarting',
    doc: 'The service is draining and takes no new work; retry on another instance.',
  },
  internal: { status: 500, close: CloseCode.internalError, disconnectReason: 'error', doc: 'An unexpected failure; it is logged on the server.' },
  rate_limited: {
    status: 429,
    close: CloseCode.rateLimited,
    disconnectReason: 'rate_limited',
    doc: 'The wiki (ingest) or the connection (edge) sent more than its rate limit allows; retry later.',
  },
  token_expired: {
    status: 401,
    close: CloseCode.tokenExpired,
    disconnectReason: 'token_expired',
    doc: "The connection's token expired before it was refreshed.",
  },
  revoked: { status: 401, close: CloseCode.policy, disconnectReason: 'revoked', doc: "The wiki revoked this user's or client's access." },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ErrorCodes;

/** The codes whose refusal ends a WebSocket connection (they carry a close code). */
export type ClosingErrorCode = { [K in ErrorCode]: (typeof ErrorCodes)[K] extends { close: number } ? K : never }[ErrorCode];

export interface ErrorBody {
  code: ErrorCode;
  message: string;
}
