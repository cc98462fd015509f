/** What a command reads and writes, passed in so tests run commands in-process. */
export interface CliIo {
  env: Record<string, string | undefined>;
  /** One line of output (a token, an id, an event) on stdout. */
  out(line: string): void;
  /** One line of log on stderr. */
  err(line: string): void;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM); tests resolve it by hand. */
  stopped: Promise<void>;
}
