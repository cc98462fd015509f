/**
 * Every error code a client can see, in an HTTP JSON body `{code, message}` or a WebSocket
 * `error` frame. Codes are stable: clients branch on them. docs/errors.md documents each one,
 * and a test keeps the two in step.
 */
export const ErrorCodes = {
  bad_json: 'The body or frame is not valid JSON.',
  invalid_event: 'The event does not match the schema; the message names the field.',
  invalid_frame: 'The WebSocket frame does not match any known frame; the message names the field.',
  invalid_topic: 'The topic is not a valid topic name.',
  foreign_topic: "The topic belongs to another wiki than the token's.",
  unauthorized: 'No token, or a token that is malformed, expired or not signed with a known wiki secret.',
  forbidden: 'The token is valid but does not allow this action.',
  not_found: 'No such endpoint.',
  method_not_allowed: 'The endpoint does not accept this HTTP method.',
  payload_too_large: 'The body or frame is larger than the configured limit.',
  unsupported_media_type: 'The body is not application/json.',
  unavailable: 'The broker cannot take writes right now; retry after the given delay.',
  shutting_down: 'The service is draining and takes no new work; retry on another instance.',
  internal: 'An unexpected failure; it is logged on the server.',
  rate_limited: 'The wiki (ingest) or the connection (edge, then close 4008) sent more than its rate limit allows; retry later.',
  token_expired: "The connection's token expired before it was refreshed; close 4001 follows.",
  revoked: "The wiki revoked this user's or client's access; close 1008 follows.",
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

export interface ErrorBody {
  code: ErrorCode;
  message: string;
}
