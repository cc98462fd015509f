/** The `wikicast` command's exit codes: scripts branch on them (docs/cli.md). */
export const ExitCode = {
  ok: 0,
  /** Wrong command line: unknown command or option, a required option missing, a bad value. */
  usage: 1,
  /** No secret for the wiki, or the server refused the token (401, 403, close 1008/4001). */
  auth: 2,
  /** The server refused the event or the topics as invalid (400, 413, 415). */
  invalid: 3,
  /** The server could not be reached, or could not take it now (503, 429, 5xx, timeout). */
  unavailable: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A failure that ends the command with `exitCode` and one line on stderr. */
export class CliError extends Error {
  override readonly name = 'CliError';

  constructor(
    readonly exitCode: ExitCode,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
  }
}
