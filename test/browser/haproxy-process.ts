import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_ROOT, waitFor } from '@wikicast/test/support';

export const HAPROXY_CONFIG = join(REPO_ROOT, 'deploy/haproxy/haproxy.cfg');

export interface HaproxyAddresses {
  ingest: string;
  edge1: string;
  edge2: string;
}

export interface HaproxyProcess {
  /** The entry (`http://127.0.0.1:<port>`): /v1/events → ingest, everything else → edges. */
  url: string;
  /** The stats frontend, with HAProxy's Prometheus exporter at /metrics. */
  statsUrl: string;
  /** HAProxy's last log lines, for failure messages. */
  log: () => string;
  stop: () => Promise<void>;
  /**
   * Stops this process and starts HAProxy again on the same ports in front of other servers, as
   * an operator restarts it with new addresses (the shared config reads them at start).
   */
  restart: (backends: HaproxyAddresses) => Promise<HaproxyProcess>;
}

const START_ATTEMPTS = 3;

/**
 * A port that was free a moment ago. HAProxy cannot report a port it chose itself, so its binds
 * need numbers up front; a clash with another process is retried by startHaproxy.
 */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Runs the shared deploy/haproxy/haproxy.cfg on free ports in front of the given servers. */
export async function startHaproxy(backends: HaproxyAddresses): Promise<HaproxyProcess> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    try {
      return await startOnce(backends, await freePort(), await freePort());
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}

async function startOnce(backends: HaproxyAddresses, httpPort: number, statsPort: number): Promise<HaproxyProcess> {
  const child = spawn('haproxy', ['-db', '-f', HAPROXY_CONFIG], {
    env: {
      ...process.env,
      WIKICAST_HTTP_BIND: `127.0.0.1:${httpPort}`,
      WIKICAST_STATS_BIND: `127.0.0.1:${statsPort}`,
      WIKICAST_INGEST_ADDR: backends.ingest,
      WIKICAST_EDGE1_ADDR: backends.edge1,
      WIKICAST_EDGE2_ADDR: backends.edge2,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const lines: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => {
    lines.push(line);
    if (lines.length > 200) lines.shift();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const isRunning = (): boolean => child.exitCode === null && child.signalCode === null;
  const stop = async (): Promise<void> => {
    if (!isRunning()) return;
    child.kill('SIGKILL');
    await exited;
  };
  const url = `http://127.0.0.1:${httpPort}`;
  const statsUrl = `http://127.0.0.1:${statsPort}`;
  try {
    await waitFor(
      'haproxy to answer on its stats port',
      async () => {
        if (!isRunning()) throw new Error(`haproxy exited at start:\n${lines.join('\n')}`);
        return (await fetch(`${statsUrl}/healthz`).catch(() => null))?.ok === true;
      },
      { timeoutMs: 10_000, intervalMs: 50 },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  const restart = async (next: HaproxyAddresses): Promise<HaproxyProcess> => {
    await stop();
    return startOnce(next, httpPort, statsPort);
  };
  return { url, statsUrl, log: () => lines.join('\n'), stop, restart };
}

export interface ServerCheck {
  backend: string;
  server: string;
  /** `UP`, `DOWN`, `UP 1/2` (going down), … */
  status: string;
  /** The last health check: `L7OK`, `L7TOUT`, `L4CON`, `INI` (none yet), … (HAProxy's `* ` for "in progress" removed) */
  check: string;
}

/** Every server's state and last health check, from HAProxy's CSV statistics. */
export async function serverChecks(haproxy: HaproxyProcess): Promise<ServerCheck[]> {
  const [header, ...rows] = (await (await fetch(`${haproxy.statsUrl}/stats;csv`)).text()).trim().split('\n');
  const columns = header!.replace(/^# /, '').split(',');
  const at = (name: string): number => columns.indexOf(name);
  return rows
    .map((row) => row.split(','))
    .filter((cells) => cells[at('svname')] !== 'FRONTEND' && cells[at('svname')] !== 'BACKEND')
    .map((cells) => ({ backend: cells[at('pxname')]!, server: cells[at('svname')]!, status: cells[at('status')]!, check: cells[at('check_status')]!.replace(/^\* /, '') }));
}

/** Servers of `backend` that are up and whose last health check passed. */
export async function healthyServers(haproxy: HaproxyProcess, backend: 'edges' | 'ingest'): Promise<number> {
  return (await serverChecks(haproxy)).filter((s) => s.backend === backend && s.status === 'UP' && s.check === 'L7OK').length;
}

/** Waits until `count` servers of `backend` passed a health check; the failure shows every check. */
export async function waitForHealthy(haproxy: HaproxyProcess, backend: 'edges' | 'ingest', count: number, timeoutMs = 15_000): Promise<void> {
  try {
    await waitFor(`HAProxy to see ${count} healthy server(s) in ${backend}`, async () => (await healthyServers(haproxy, backend)) === count, { timeoutMs, intervalMs: 100 });
  } catch (err) {
    const checks = (await serverChecks(haproxy)).map((s) => `${s.backend}/${s.server} ${s.status} ${s.check}`).join('; ');
    throw new Error(`${(err as Error).message} (${checks})\nhaproxy log:\n${haproxy.log().split('\n').slice(-10).join('\n')}`, { cause: err });
  }
}
