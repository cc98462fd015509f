/**
 * The local cluster: ingest, two edges and HAProxy in front (SPEC "The local cluster"), each a
 * child process with its log in .local/logs. Runs in the foreground; a child that dies is
 * restarted (supervisor.ts) while the others keep serving; SIGINT/SIGTERM stops every child and
 * waits for it, so nothing is left behind. With WIKICAST_RABBITMQ_NODES it first starts that
 * many RabbitMQ nodes of its own, clustered (rabbitmq-nodes.ts), and stops them last. It runs
 * after deploy/bootstrap.sh, so the workspace's dependencies are installed.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDemoServer } from './demo-server.js';
import { RabbitCluster } from './rabbitmq-nodes.js';
import { SupervisedProcess, type SupervisorEvents } from './supervisor.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const STATE_DIR = process.env.WIKICAST_LOCAL_DIR ?? join(REPO, '.local');
const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 15_000;
const DEMO_WIKI = 'demo';

interface Settings {
  host: string;
  entryPort: number;
  /** The wikis' servers' entry: the public routes plus /v1/control (revocations). */
  internalPort: number;
  statsPort: number;
  demoPort: number;
  ingestPort: number;
  edgePorts: number[];
  /** RabbitMQ nodes of the cluster's own (WIKICAST_RABBITMQ_NODES); 0: use AMQP_URL as it is. */
  rabbitNodes: number;
  /** AMQP port of the first own node; the others follow, and each distribution port is 20000 above. */
  rabbitBasePort: number;
}

function readSettings(): Settings {
  const port = (key: string, fallback: number): number => {
    const raw = process.env[key];
    const value = raw === undefined || raw === '' ? fallback : Number(raw);
    if (!Number.isInteger(value) || value < 1 || value > 65535) throw new Error(`${key}: must be a port number, got ${JSON.stringify(raw)}`);
    return value;
  };
  const edgePorts = (process.env.WIKICAST_EDGE_PORTS ?? '8101,8102').split(',').map((p, i) => {
    const value = Number(p);
    if (!Number.isInteger(value) || value < 1 || value > 65535) throw new Error(`WIKICAST_EDGE_PORTS: entry ${i} is not a port number`);
    return value;
  });
  // deploy/haproxy/haproxy.cfg has four fixed edge servers (WIKICAST_EDGE1_ADDR … _EDGE4_ADDR).
  if (edgePorts.length > 4) throw new Error(`WIKICAST_EDGE_PORTS: at most 4 edges (haproxy.cfg has 4 fixed edge servers), got ${edgePorts.length}`);
  const rabbitNodes = process.env.WIKICAST_RABBITMQ_NODES ?? '';
  if (rabbitNodes !== '' && !/^[1-9]$/.test(rabbitNodes)) throw new Error(`WIKICAST_RABBITMQ_NODES: must be a number of nodes from 1 to 9, got ${JSON.stringify(rabbitNodes)}`);
  return {
    rabbitNodes: rabbitNodes === '' ? 0 : Number(rabbitNodes),
    rabbitBasePort: port('WIKICAST_RABBITMQ_BASE_PORT', 5681),
    host: '127.0.0.1',
    entryPort: port('WIKICAST_HTTP_PORT', 8080),
    internalPort: port('WIKICAST_INTERNAL_PORT', 8081),
    statsPort: port('WIKICAST_STATS_PORT', 8404),
    demoPort: port('WIKICAST_DEMO_PORT', 8099),
    ingestPort: port('WIKICAST_INGEST_PORT', 8100),
    edgePorts,
  };
}

/** The demo wiki's development secret is made once and kept, so tokens stay valid across restarts. */
function ensureWikisFile(): { path: string; secret: string } {
  const path = join(STATE_DIR, 'wikis.json');
  if (!existsSync(path)) {
    const wikis = [{ id: DEMO_WIKI, secret: randomBytes(32).toString('hex'), public: true }];
    writeFileSync(path, `${JSON.stringify(wikis, null, 2)}\n`, { mode: 0o600 });
  }
  const wikis = JSON.parse(readFileSync(path, 'utf8')) as Array<{ id: string; secret: string }>;
  const demo = wikis.find((w) => w.id === DEMO_WIKI);
  if (demo === undefined) throw new Error(`${path} has no "${DEMO_WIKI}" wiki; delete the file to recreate it`);
  return { path, secret: demo.secret };
}

interface Child {
  process: SupervisedProcess;
  readyUrl: string | null;
}

async function waitReady(child: Child, deadline: number, gaveUp: ReadonlySet<string>): Promise<void> {
  if (child.readyUrl === null) return;
  for (;;) {
    if (gaveUp.has(child.process.name)) throw new Error(`${child.process.name} could not be started; see ${child.process.spec.logPath}`);
    try {
      const response = await fetch(child.readyUrl);
      if (response.ok) return;
    } catch (err) {
      if (!(err instanceof TypeError)) throw err; // fetch's TypeError: not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${child.process.name} was not ready within ${READY_TIMEOUT_MS} ms; see ${child.process.spec.logPath}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function main(): Promise<void> {
  const settings = readSettings();
  mkdirSync(join(STATE_DIR, 'logs'), { recursive: true });
  const wikis = ensureWikisFile();
  const node = [process.execPath, '--conditions=wikicast-source', '--import', 'tsx'] as const;
  const gaveUp = new Set<string>();
  let stopping = false;
  const children: Child[] = [];
  let demo: { close: () => void } | null = null;
  let rabbit: Promise<RabbitCluster | null> = Promise.resolve(null);
  const stop = async (code: number): Promise<never> => {
    stopping = true;
    demo?.close();
    await Promise.all(children.map((c) => c.process.stop(STOP_GRACE_MS)));
    // The services first: they would only log the nodes' departure.
    const nodes = await rabbit.catch(() => null);
    await nodes?.close();
    process.exit(code);
  };
  // Ctrl-C during start-up must stop what has started too.
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  rabbit = settings.rabbitNodes === 0 ? rabbit : startRabbitNodes(settings);
  let nodes: RabbitCluster | null;
  try {
    nodes = await rabbit;
  } catch (err) {
    process.stderr.write(`wikicast: the RabbitMQ nodes could not be started: ${(err as Error).message}\n`);
    return stop(1);
  }
  const common = { WIKICAST_WIKIS_FILE: wikis.path, HOST: settings.host, ...(nodes === null ? {} : { AMQP_URL: nodes.amqpUrl }) };
  const events: SupervisorEvents = {
    say: (line) => process.stderr.write(`wikicast: ${line}\n`),
    gaveUp: (name) => {
      gaveUp.add(name);
      if (stopping) return;
      process.stderr.write(`wikicast: stopping the cluster, as ${name} cannot be kept running.\n`);
      void stop(1);
    },
  };
  const supervise = (name: string, command: string, args: string[], env: Record<string, string>, readyUrl: string | null): void => {
    const supervised = new SupervisedProcess({ name, command, args, env, cwd: REPO, logPath: join(STATE_DIR, 'logs', `${name}.log`) }, events);
    supervised.start();
    children.push({ process: supervised, readyUrl });
  };

  supervise('ingest', node[0], [...node.slice(1), 'services/ingest/src/main.ts'], { ...common, PORT: String(settings.ingestPort) }, `http://${settings.host}:${settings.ingestPort}/readyz`);
  settings.edgePorts.forEach((port, i) =>
    supervise(`edge-${i + 1}`, node[0], [...node.slice(1), 'services/edge/src/main.ts'], { ...common, PORT: String(port), EDGE_ID: `edge-${i + 1}` }, `http://${settings.host}:${port}/readyz`),
  );
  demo = await startDemoServer({ repo: REPO, host: settings.host, port: settings.demoPort, wiki: DEMO_WIKI, secret: wikis.secret });
  const haproxyEnv = {
    WIKICAST_DEMO_ADDR: `${settings.host}:${settings.demoPort}`,
    WIKICAST_HTTP_BIND: `${settings.host}:${settings.entryPort}`,
    WIKICAST_INTERNAL_BIND: `${settings.host}:${settings.internalPort}`,
    WIKICAST_STATS_BIND: `${settings.host}:${settings.statsPort}`,
    WIKICAST_INGEST_ADDR: `${settings.host}:${settings.ingestPort}`,
    ...Object.fromEntries(settings.edgePorts.map((port, i) => [`WIKICAST_EDGE${i + 1}_ADDR`, `${settings.host}:${port}`])),
  };
  // HAProxy starts last, once the services answer, so that its first health checks find them up.
  const deadline = Date.now() + READY_TIMEOUT_MS;
  try {
    for (const child of [...children]) await waitReady(child, deadline, gaveUp);
    // -q: in the foreground HAProxy would print each runtime warning twice, once as its log line.
    supervise('haproxy', 'haproxy', ['-db', '-q', '-f', join(REPO, 'deploy/haproxy/haproxy.cfg')], haproxyEnv, `http://${settings.host}:${settings.entryPort}/readyz`);
    await waitReady(children.at(-1)!, deadline, gaveUp);
  } catch (err) {
    process.stderr.write(`wikicast: ${(err as Error).message}\n`);
    await stop(1);
  }

  const base = `http://${settings.host}:${settings.entryPort}`;
  process.stdout.write(
    [
      'Wikicast local cluster is ready.',
      `  demo page        ${base}/`,
      `  entry (HAProxy)  ${base}   POST /v1/events · WebSocket /v1/ws, /websocket · SSE /v1/sse · EventStreams /v2/stream/recentchange`,
      `  internal entry   http://${settings.host}:${settings.internalPort}   the same, plus POST /v1/control/revoke ($wgWikicastIngestUrl)`,
      `  stats, metrics   http://${settings.host}:${settings.statsPort}/stats · /metrics`,
      `  ingest           http://${settings.host}:${settings.ingestPort}`,
      ...settings.edgePorts.map((port, i) => `  edge-${i + 1}           http://${settings.host}:${port}`),
      `  demo server      http://${settings.host}:${settings.demoPort} (behind HAProxy at /)`,
      ...(nodes === null ? [] : nodes.nodes.map((n) => `  rabbitmq         ${n.name}  AMQP 127.0.0.1:${n.spec.amqpPort}  distribution ${n.spec.distPort}`)),
      `  processes        ${children.map((c) => `${c.process.name} ${c.process.pid}`).join(' · ')} (each is restarted if it dies)`,
      `  wiki             ${DEMO_WIKI} (public), development secret ${wikis.secret}`,
      `  wikis file       ${wikis.path}`,
      `  logs             ${join(STATE_DIR, 'logs')}`,
      'Try, in another shell:',
      `  export WIKICAST_WIKIS_FILE=${wikis.path}`,
      `  pnpm exec wikicast tail --wiki ${DEMO_WIKI} --topics ${DEMO_WIKI}:news`,
      `  pnpm exec wikicast send --wiki ${DEMO_WIKI} --topic ${DEMO_WIKI}:news --type hello --msg '{"text":"hi"}'`,
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
}

/**
 * WIKICAST_RABBITMQ_NODES: nodes of the cluster's own, named wikicast-local-a@localhost and so
 * on, with fresh data under .local/rabbitmq each time (a cluster left over from a run that did
 * not stop cleanly would refuse to be joined again).
 */
function startRabbitNodes(settings: Settings): Promise<RabbitCluster> {
  const dir = join(STATE_DIR, 'rabbitmq');
  rmSync(dir, { recursive: true, force: true });
  const nodes = Array.from({ length: settings.rabbitNodes }, (_, i) => ({
    name: `wikicast-local-${String.fromCharCode(97 + i)}@localhost`,
    amqpPort: settings.rabbitBasePort + i,
    distPort: settings.rabbitBasePort + i + 20_000,
  }));
  process.stderr.write(`wikicast: starting ${nodes.length} RabbitMQ node(s) of the cluster's own (${nodes.map((n) => n.name).join(', ')})\n`);
  return RabbitCluster.start({ dir, nodes });
}

main().catch((err: unknown) => {
  process.stderr.write(`wikicast: ${(err as Error).message}\n`);
  process.exit(1);
});
