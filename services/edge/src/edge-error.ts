import type { ErrorCode } from '@wikicast/protocol';

/**
 * A refusal the client hears about: an `error` frame with `code`, and for failures that end the
 * connection, the WebSocket `closeCode` that follows it.
 */
export class EdgeError extends Error {
  readonly closeCode: number | null;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: { cause?: unknown; closeCode?: number } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EdgeError';
    this.closeCode = options.closeCode ?? null;
  }
}
