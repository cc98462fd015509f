import type { ErrorCode } from './codes.js';

/**
 * The one error class the client rejects with and emits. `code` is one of the client's
 * `ErrorCode`s or, for an `error` frame from the server, the server's code (docs/errors.md).
 */
export class WikicastError extends Error {
  override readonly name = 'WikicastError';
  readonly code: ErrorCode | string;
  /** The server's `ref` or the subscription's topic, when the error concerns one. */
  readonly ref: string | number | undefined;

  constructor(code: ErrorCode | string, message: string, options: { cause?: unknown; ref?: string | number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.ref = options.ref;
  }
}
