import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from './ports.js';
import { REPO_ROOT } from './service-process.js';
import { waitFor } from './wait.js';

export const HAPROXY_CONFIG = join(REPO_ROOT, 'deploy/haproxy/haproxy.cfg');
/** Fixed edge servers deploy/haproxy/haproxy.cfg has (WIKICAST_EDGE1_ADDR … WIKICAST_EDGE4_ADDR). */
export const HAPROXY_EDGE_SLOTS = 4;

export interface HaproxyAddresses {
  ingest: string;
  /** `host:port` of each edge, 1 to HAPROXY_EDGE_SLOTS. */
  edges: string[];
}

export interface HaproxyProcess {
  /** The entry (`http://127.0.0.1:<port>`): /v1/events → ingest, everything else → edges. */
  url: string;
  /** The stats frontend, with HAProxy's Prometheus exporter at /metrics. */
  statsUrl: string;
  pid: number;
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
 * Runs the shared deploy/haproxy/haproxy.cfg on free ports in front of the given servers.
 * HAProxy cannot report a port it chose itself, so its binds need numbers up front; a clash
 * with another process is retried.
 */
export async function startHaproxy(backends: HaproxyAddresses): Promise<HaproxyProcess> {
  if (backends.edges.length < 1 || backends.edges.length > HAPROXY_EDGE_SLOTS) throw new Error(`haproxy.cfg has 1 to ${HAPROXY_EDGE_SLOTS} fixed edge servers, not ${backends.edges.length}`);
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

/**
 * The config's environment for these servers. The second slot always exists in the config:
 * with one edge it points at a port nothing listens on, so its health check fails and HAProxy
 * sends every client to the one edge.
 */
async function serverEnvironment(backends: HaproxyAddresses): Promise<Record<string, string>> {
  const edges = backends.edges.length === 1 ? [backends.edges[0]!, `127.0.0.1:${await freePort()}`] : backends.edges;
  return { WIKICAST_INGEST_ADDR: backends.ingest, ...Object.fromEntries(edges.map((address, i) => [`WIKICAST_EDGE${i + 1}_ADDR`, address])) };
}

async function startOnce(backends: HaproxyAddresses, httpPort: number, statsPort: number): Promise<HaproxyProcess> {
  const child = spawn('haproxy', ['-db', '-f', HAPROXY_CONFIG], {
    env: {
      // Only the slots given here: none inherited from the caller's environment.
      ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^WIKICAST_EDGE\d+_ADDR$/.test(key))),
      WIKICAST_HTTP_BIND: `127.0.0.1:${httpPort}`,
      WIKICAST_STATS_BIND: `127.0.0.1:${statsPort}`,
      ...(await serverEnvironment(backends)),
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
  return { url, statsUrl, pid: child.pid!, log: () => lines.join('\n'), stop, restart };
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
