import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_ROOT, waitFor } from '@wikicast/test/support';

/** One line of `wikicast tail`: a delivered event. */
export interface TailEvent {
  topic: string;
  type: string;
  cursor: string;
  msg: Record<string, unknown> & { title?: string; comment?: string; revision?: { old?: number; new?: number } };
}

export interface TailProcess {
  /** Every event printed so far, in order. */
  readonly events: TailEvent[];
  stderr: () => string;
  /** The first printed event that matches, waiting for it up to `timeoutMs`; undefined if none came. */
  find: (predicate: (event: TailEvent) => boolean, timeoutMs: number) => Promise<TailEvent | undefined>;
  /** SIGTERM (tail closes its connection and exits 0); resolves with the exit code. */
  stop: () => Promise<number | null>;
}

/**
 * `wikicast tail` as a user runs it: the package's `bin/wikicast.js`, against `url` (an edge or
 * HAProxy), minting its own tokens with the secret from `wikisFile`. Runs until `stop()`.
 */
export function startTail(options: { url: string; wikisFile: string; wiki: string; topics: string[] }): TailProcess {
  const child = spawn(
    process.execPath,
    [join(REPO_ROOT, 'packages/client/bin/wikicast.js'), 'tail', '--wiki', options.wiki, '--topics', options.topics.join(',')],
    { env: { ...process.env, WIKICAST_URL: options.url, WIKICAST_WIKIS_FILE: options.wikisFile }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const events: TailEvent[] = [];
  let stderr = '';
  createInterface({ input: child.stdout! }).on('line', (line) => events.push(JSON.parse(line) as TailEvent));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const exitedYet = (): boolean => child.exitCode !== null || child.signalCode !== null;
  return {
    events,
    stderr: () => stderr,
    find: async (predicate, timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      await waitFor('a matching event or the deadline', () => events.some(predicate) || Date.now() >= deadline || exitedYet(), {
        timeoutMs: timeoutMs + 1_000,
      });
      return events.find(predicate);
    },
    stop: async () => {
      if (!exitedYet()) child.kill('SIGTERM');
      return exited;
    },
  };
}
