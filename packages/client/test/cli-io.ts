/** An in-memory CliIo: the tests run commands in-process and read what they printed. */
import type { CliIo } from '../src/cli/io.js';

export interface RecordingIo extends CliIo {
  stdout: string[];
  stderr: string[];
  stop: () => void;
}

export function recordingIo(env: Record<string, string | undefined> = {}): RecordingIo {
  let stop = (): void => {};
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { env, stdout, stderr, out: (line) => stdout.push(line), err: (line) => stderr.push(line), stopped, stop };
}
