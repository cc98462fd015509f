import { ErrorCodes, type ErrorCode } from '@wikicast/protocol';

/**
 * A request that ends in an error response. Handlers throw it; the route answers with
 * `{code, message}` (plus `extra`, e.g. per-event results) and the status the error registry
 * binds to `code`, and logs by severity.
 */
export class HttpError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly extra: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HttpError';
  }

  get status(): number {
    return ErrorCodes[this.code].status;
  }
}
