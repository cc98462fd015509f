import { ErrorCodes, type ClosingErrorCode, type ErrorCode } from '@wikicast/protocol';

/**
 * A refusal the client hears about as an `error` frame with `code`. Whether it ends the
 * connection, and with which close code, the protocol's error registry says (`ErrorCodes`), not
 * the place that throws it.
 */
export class EdgeError<C extends ErrorCode = ErrorCode> extends Error {
  constructor(
    readonly code: C,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EdgeError';
  }
}

/** Whether this refusal ends a connection: the registry gives its code a close code. */
export function endsConnection(error: EdgeError): error is EdgeError<ClosingErrorCode> {
  return 'close' in ErrorCodes[error.code];
}
