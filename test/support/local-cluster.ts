import { spawn, type ChildProcess } from 'node:child_process';
import { REPO_ROOT } from './service-process.js';
import { TEST_STREAM_RETENTION } from './broker.js';

/** Ports for `bash deploy/local/cluster.sh`, moved off the defaults so a developer's own cluster can keep running. */
export interface LocalClusterPorts {
  http: number;
  /** HAProxy's internal listener: the public routes plus /v1/control, for wiki servers. */
  internal: number;
  stats: number;
  demo: number;
  ingest: number;
  edges: number[];
}

export interface LocalClusterRun {
  child: ChildProcess;
  /** Everything it printed so far, stdout and stderr. */
  output: () => string;
  /** Resolves with its exit code. */
  exited: Promise<number | null>;
}

/** Starts the README's start command as an operator would, under a test's prefix and state directory. */
export function startLocalCluster(ports: LocalClusterPorts, prefix: string, stateDir: string): LocalClusterRun {
  const child = spawn('bash', ['deploy/local/cluster.sh'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      WIKICAST_AMQP_PREFIX: prefix,
      WIKICAST_STREAM_MAX_AGE: TEST_STREAM_RETENTION.maxAge,
      WIKICAST_STREAM_MAX_BYTES: String(TEST_STREAM_RETENTION.maxLengthBytes),
      WIKICAST_DEMO_PORT: String(ports.demo),
      WIKICAST_LOCAL_DIR: stateDir,
      WIKICAST_HTTP_PORT: String(ports.http),
      WIKICAST_INTERNAL_PORT: String(ports.internal),
      WIKICAST_STATS_PORT: String(ports.stats),
      WIKICAST_INGEST_PORT: String(ports.ingest),
      WIKICAST_EDGE_PORTS: ports.edges.join(','),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}
