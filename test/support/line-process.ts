import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** A command whose stdout is read line by line (a CLI's results), with its stderr kept for failure messages. */
export interface LineProcess {
  child: ChildProcess;
  /** Every stdout line so far. */
  lines: string[];
  stderr: () => string;
  exit: Promise<number | null>;
}

/** Starts `command` with `args`; stdin closed, stdout split into lines, stderr collected. */
export function spawnLines(command: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv }): LineProcess {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let stderr = '';
  createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return { child, lines, stderr: () => stderr, exit: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
}
