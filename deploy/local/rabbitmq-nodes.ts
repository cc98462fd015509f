/**
 * RabbitMQ nodes of our own, clustered, for the local cluster (WIKICAST_RABBITMQ_NODES) and the
 * broker failover tests. Each node has its own name, AMQP and distribution ports, and data and
 * log directories under `dir`, and runs as the `rabbitmq` user (whose Erlang cookie every node
 * and rabbitmqctl then share). None of it touches the machine's default node: the nodes read
 * their own config and env files instead of /etc/rabbitmq's, which name the default node and port.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Debian's server script; /usr/sbin/rabbitmq-server would su and redirect the output itself. */
export const RABBITMQ_SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';
const RABBITMQ_USER = 'rabbitmq';
/** A node's boot takes a few seconds alone and far longer on a loaded 2-core machine. */
export const NODE_START_TIMEOUT_MS = 90_000;
const POLL_MS = 100;

export interface RabbitNodeSpec {
  /** Erlang node name, e.g. `wikicast-a@localhost`. */
  name: string;
  amqpPort: number;
  distPort: number;
}

/** One RabbitMQ node as a child process; `start` again after a stop brings it back with its data. */
export class RabbitNode {
  #child: ChildProcess | null = null;
  #exited: Promise<number | string> = Promise.resolve('not started');
  readonly #dir: string;

  constructor(
    readonly spec: RabbitNodeSpec,
    dir: string,
  ) {
    this.#dir = join(dir, spec.name.replace(/@.*/, ''));
  }

  get name(): string {
    return this.spec.name;
  }

  /** guest may connect from loopback only, which is where these nodes listen. */
  get url(): string {
    return `amqp://guest:guest@127.0.0.1:${this.spec.amqpPort}`;
  }

  get running(): boolean {
    return this.#child !== null;
  }

  get logFile(): string {
    return join(this.#dir, 'log', `${this.name}.log`);
  }

  /** Starts the node and resolves once it accepts AMQP connections. */
  async start(): Promise<void> {
    if (this.#child !== null) throw new Error(`${this.name} is running already`);
    // Otherwise the poll below would take whoever holds the port for this node.
    if (await accepts(this.spec.amqpPort)) throw new Error(`${this.name}: port ${this.spec.amqpPort} is taken by another process`);
    this.#prepareDirectory();
    const env = {
      PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
      HOME: '/var/lib/rabbitmq',
      RABBITMQ_NODENAME: this.name,
      RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
      RABBITMQ_NODE_PORT: String(this.spec.amqpPort),
      RABBITMQ_DIST_PORT: String(this.spec.distPort),
      RABBITMQ_MNESIA_BASE: join(this.#dir, 'mnesia'),
      RABBITMQ_LOG_BASE: join(this.#dir, 'log'),
      RABBITMQ_PID_FILE: this.#pidFile,
      RABBITMQ_ENABLED_PLUGINS_FILE: join(this.#dir, 'enabled_plugins'),
      RABBITMQ_CONFIG_FILE: join(this.#dir, 'rabbitmq.conf'),
      RABBITMQ_CONF_ENV_FILE: join(this.#dir, 'rabbitmq-env.conf'),
      ERL_EPMD_ADDRESS: '127.0.0.1',
    };
    const child = spawn('runuser', ['-u', RABBITMQ_USER, '--', 'env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), RABBITMQ_SERVER], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const stderr: string[] = [];
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
    this.#child = child;
    this.#exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        if (this.#child === child) this.#child = null;
        resolve(code ?? signal ?? 'unknown');
      });
    });
    const deadline = Date.now() + NODE_START_TIMEOUT_MS;
    while (!(await accepts(this.spec.amqpPort))) {
      if (this.#child !== child) throw new Error(`${this.name} exited while starting (${await this.#exited}); see ${this.logFile}\n${stderr.join('')}`);
      if (Date.now() > deadline) throw new Error(`${this.name} did not accept AMQP on ${this.spec.amqpPort} within ${NODE_START_TIMEOUT_MS} ms; see ${this.logFile}`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  /** The Erlang VM's process id (the child is `runuser`, which would not pass SIGKILL on). */
  pid(): number {
    return Number.parseInt(readFileSync(this.#pidFile, 'utf8').trim(), 10);
  }

  /** SIGKILL to the VM: the node vanishes as in a crash, with no goodbye to its peers. */
  async kill(): Promise<void> {
    if (this.#child === null) return;
    process.kill(this.pid(), 'SIGKILL');
    await this.#exited;
  }

  /** SIGKILL without waiting, for a process 'exit' handler: no node outlives its owner. */
  killNow(): void {
    if (this.#child === null) return;
    try {
      process.kill(this.pid(), 'SIGKILL');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }

  /** A clean stop (SIGTERM makes the VM shut down in order); resolves once it has exited. */
  async stop(): Promise<void> {
    if (this.#child === null) return;
    process.kill(this.pid(), 'SIGTERM');
    await this.#exited;
  }

  /** rabbitmqctl against this node. */
  async ctl(...args: string[]): Promise<string> {
    const { stdout } = await run('rabbitmqctl', ['-n', this.name, ...args], { timeout: 120_000 });
    return stdout;
  }

  get #pidFile(): string {
    return join(this.#dir, 'node.pid');
  }

  #prepareDirectory(): void {
    mkdirSync(join(this.#dir, 'log'), { recursive: true });
    // The Debian defaults listen on 5672; this node listens on its own port, on loopback.
    writeFileSync(join(this.#dir, 'rabbitmq.conf'), `listeners.tcp.local = 127.0.0.1:${this.spec.amqpPort}\nloopback_users.guest = true\n`);
    writeFileSync(join(this.#dir, 'rabbitmq-env.conf'), '');
    writeFileSync(join(this.#dir, 'enabled_plugins'), '[].\n');
    chownRecursive(this.#dir);
  }
}

export interface RabbitClusterOptions {
  /** Parent of every node's data, logs and config; removed by `close`. */
  dir: string;
  nodes: RabbitNodeSpec[];
}

/** Nodes started together; the first is the seed the others join. */
export class RabbitCluster {
  private constructor(
    readonly nodes: RabbitNode[],
    private readonly dir: string,
  ) {}

  /** Starts every node, joins the rest to the first, and resolves once all run as one cluster. */
  static async start(options: RabbitClusterOptions): Promise<RabbitCluster> {
    mkdirSync(options.dir, { recursive: true });
    chownRecursive(options.dir);
    const cluster = new RabbitCluster(options.nodes.map((spec) => new RabbitNode(spec, options.dir)), options.dir);
    try {
      await Promise.all(cluster.nodes.map((node) => node.start()));
      const [seed, ...rest] = cluster.nodes;
      // One at a time: concurrent joins race for the seed's schema.
      for (const node of rest) {
        await node.ctl('stop_app');
        await node.ctl('join_cluster', seed!.name);
        await node.ctl('start_app');
      }
    } catch (err) {
      await cluster.close();
      throw err;
    }
    return cluster;
  }

  /** Every node's AMQP URL, comma-separated: what AMQP_URL takes. */
  get amqpUrl(): string {
    return this.nodes.map((node) => node.url).join(',');
  }

  node(name: string): RabbitNode {
    const node = this.nodes.find((n) => n.name === name);
    if (node === undefined) throw new Error(`no node named ${name} in this cluster`);
    return node;
  }

  /** Some node that runs, for rabbitmqctl commands about the whole cluster. */
  running(): RabbitNode {
    const node = this.nodes.find((n) => n.running);
    if (node === undefined) throw new Error('no node of the cluster is running');
    return node;
  }

  /** The node that leads a quorum queue or stream, as the cluster sees it now. */
  async leaderOf(queue: string): Promise<RabbitNode> {
    const rows = JSON.parse(await this.running().ctl('list_queues', 'name', 'leader', '--formatter', 'json', '-q')) as Array<{ name: string; leader: string }>;
    const row = rows.find((r) => r.name === queue);
    if (row === undefined) throw new Error(`no queue ${queue} in the cluster`);
    return this.node(row.leader);
  }

  /** Ends every node and removes their directories; idempotent. */
  async close(): Promise<void> {
    // Killed, all at once: their data is deleted next, so a clean shutdown would only cost time.
    await Promise.all(this.nodes.map((node) => node.kill()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Whether something accepts TCP connections on the loopback port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The nodes run as `rabbitmq`, so their directories must be its own. */
function chownRecursive(dir: string): void {
  const { uid, gid } = rabbitmqIds();
  chownSync(dir, uid, gid);
  for (const entry of ['log', 'rabbitmq.conf', 'rabbitmq-env.conf', 'enabled_plugins']) {
    try {
      chownSync(join(dir, entry), uid, gid);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}

function rabbitmqIds(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${RABBITMQ_USER}:`));
  if (line === undefined) throw new Error(`there is no ${RABBITMQ_USER} user; deploy/bootstrap.sh installs rabbitmq-server`);
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}
