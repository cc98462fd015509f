import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { TEST_STREAM_RETENTION } from './broker.js';
import { waitFor } from './wait.js';

export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

export type ServiceKind = 'ingest' | 'edge';

export interface ServiceProcess {
  kind: ServiceKind;
  port: number;
  url: string;
  child: ChildProcess;
  /** Every log line so far, parsed. */
  logs: Array<Record<string, unknown>>;
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<number | string>;
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  stop: (graceMs?: number) => Promise<number | string>;
}

const STARTUP_TIMEOUT_MS = 20_000;

/**
 * Runs a service from its TypeScript source as its own process on port 0 and resolves once it
 * logged `listening` with the port it bound. Services run as separate processes so tests can kill them.
 * `nodeArgs` go to Node itself (a benchmark's `--cpu-prof`, which NODE_OPTIONS does not take).
 */
export function startService(kind: ServiceKind, env: Record<string, string>, nodeArgs: readonly string[] = []): Promise<ServiceProcess> {
  const entry = resolve(REPO_ROOT, 'services', kind, 'src', 'main.ts');
  const child = spawn(process.execPath, [...nodeArgs, '--conditions=wikicast-source', '--import', 'tsx', entry], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      // What setupTopology declared the stream with; a service asking for other retention is refused by RabbitMQ.
      WIKICAST_STREAM_MAX_AGE: TEST_STREAM_RETENTION.maxAge,
      WIKICAST_STREAM_MAX_BYTES: String(TEST_STREAM_RETENTION.maxLengthBytes),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  const stderr: string[] = [];
  const exited = new Promise<number | string>((resolveExit) => {
    child.on('exit', (code, signal) => resolveExit(code ?? signal ?? 'unknown'));
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  return new Promise((resolveStart, rejectStart) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      rejectStart(new Error(`${kind} did not start within ${STARTUP_TIMEOUT_MS} ms\n${stderr.join('')}`));
    }, STARTUP_TIMEOUT_MS);
    exited.then((code) => {
      clearTimeout(timer);
      rejectStart(new Error(`${kind} exited (${code}) before listening\n${stderr.join('')}\n${JSON.stringify(logs.slice(-5))}`));
    });
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        entry = { msg: line };
      }
      logs.push(entry);
      if (entry.msg === 'listening' && typeof entry.port === 'number') {
        clearTimeout(timer);
        const port = entry.port;
        resolveStart({
          kind,
          port,
          url: `http://127.0.0.1:${port}`,
          child,
          logs,
          exited,
          stop: async (graceMs = 10_000) => {
            if (child.exitCode !== null || child.signalCode !== null) return exited;
            child.kill('SIGTERM');
            const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
            const code = await exited;
            clearTimeout(killer);
            return code;
          },
        });
      }
    });
  });
}

/** Waits until the service's /readyz answers 200. */
export async function waitUntilReady(service: { url: string }, timeoutMs = 15_000): Promise<void> {
  await waitFor(`${service.url}/readyz to answer 200`, async () => (await fetch(`${service.url}/readyz`)).ok, { timeoutMs, intervalMs: 50 });
}
