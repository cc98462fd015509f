/**
 * The systems under test, each started the same way (its own Node processes on port 0, from
 * source) and driven through its own producer path:
 * - Wikicast: `POST /v1/events` to ingest → RabbitMQ (fanout exchange → stream) → edge(s);
 * - uWS publish loop: `POST /publish` into the server, which calls `app.publish` in a loop
 *   (with Redis: `PUBLISH bench:<topic>`, as for ws + Redis);
 * - ws + Redis: `PUBLISH bench:<topic>` with the prebuilt frame;
 * - Socket.IO: `@socket.io/redis-emitter` → the adapter's Redis channel.
 * Every system delivers the same event JSON (about 310 bytes as a peer frame) to its clients.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createClient } from 'redis';
import amqp, { type ConsumeMessage } from 'amqplib';
import { AMQP_URL, REPO_ROOT, setupTopology, signToken, startService, testWiki, waitUntilReady, writeWikisFile, wsConnections } from '@wikicast/test/support';
import type { Protocol } from './loadgen-protocol.js';
import { createPublisher, type ProducerSpec } from './publisher.js';
import { startProgram, type ServerProcess } from './proc.js';
import type { ServiceEndpoint } from './service-stalls.js';

export type SystemKind = 'wikicast' | 'uws' | 'uws-redis' | 'ws-redis' | 'socketio';

export const SYSTEM_LABELS: Record<SystemKind, string> = {
  wikicast: 'Wikicast edge',
  uws: 'uWS publish loop',
  'uws-redis': 'uWS + Redis',
  'ws-redis': 'ws + Redis',
  socketio: 'Socket.IO + redis-adapter',
};

export const REDIS_URL = 'redis://127.0.0.1:6379';
export const BENCH_WIKI = 'benchwiki';

export interface SystemUnderTest {
  kind: SystemKind;
  label: string;
  protocol: Protocol;
  targets: Array<{ host: string; port: number; path: string }>;
  /** The delivery processes (edges / peer servers): CPU per delivery and RSS are theirs. */
  serverPids: number[];
  /** Other processes of the same path (ingest), added for the whole-path CPU figure. */
  helperPids: number[];
  /** The system's processes by role (`edges`, `ingest`, `HAProxy`), for CPU per role. */
  processGroups?: Record<string, number[]>;
  /** Processes that serve their own `/metrics` with Node's default metrics (Wikicast's services), for stalls per process. */
  services?: ServiceEndpoint[];
  /** Connections each delivery process holds, from its own metrics. */
  connections?: () => Promise<number[]>;
  /** Publishes events through the system's producer path; resolves when the producer was answered. */
  publish: (topic: string, events: BenchEvent[]) => Promise<void>;
  /** How to publish, for a producer in another process. */
  producer: ProducerSpec;
  /**
   * A side listener on the broker hop (Wikicast: a consumer of the stream; Redis designs: a
   * Redis subscriber), called with each event's `bt`, to split end-to-end latency into hops.
   */
  tap?: (onEvent: (bt: number) => void) => Promise<() => Promise<void>>;
  /** Warnings and errors the system's processes logged (Wikicast's services log JSON lines). */
  warnings?: () => Array<Record<string, unknown>>;
  stop: () => Promise<void>;
}

export interface BenchEvent {
  id: string;
  wiki: string;
  topic: string;
  type: string;
  msg: { title: string; user: string; comment: string; revision: { old: number; new: number }; bt: number };
  ts: string;
  /** Only readers in these groups may see the event (Wikicast checks it per reader). */
  audience?: { groups: string[] };
}

export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

function uuidv7(): string {
  const bytes = randomBytes(16);
  const ms = BigInt(Date.now());
  for (let i = 0; i < 6; i++) bytes[i] = Number((ms >> BigInt(8 * (5 - i))) & 0xffn);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A recent-changes-like event; `msg.bt` is the producer's send time (ms, µs decimals). */
export function makeEvent(topic: string, seq: number, bt: number = nowMs()): BenchEvent {
  return {
    id: uuidv7(),
    wiki: BENCH_WIKI,
    topic,
    type: 'edit',
    msg: { title: `Benchmark page ${seq % 1000}`, user: 'BenchUser', comment: 'copyedit', revision: { old: 100000 + seq, new: 100001 + seq }, bt: Math.round(bt * 1000) / 1000 },
    ts: new Date(bt).toISOString(),
  };
}

const BT = Buffer.from('"bt":');

/** The `bt` field of a serialized event, without parsing it all. */
export function readBt(payload: Buffer): number | null {
  const at = payload.indexOf(BT);
  if (at < 0) return null;
  const match = /^[0-9.]+/.exec(payload.toString('latin1', at + BT.length, at + BT.length + 24));
  return match ? Number(match[0]) : null;
}

async function redisTap(onEvent: (bt: number) => void): Promise<() => Promise<void>> {
  const sub = createClient({ url: REDIS_URL });
  await sub.connect();
  await sub.pSubscribe('bench:*', (message: Buffer) => {
    const bt = readBt(message);
    if (bt !== null) onEvent(bt);
  }, true);
  return async () => {
    await sub.quit();
  };
}

const PEERS = fileURLToPath(new URL('../peers/', import.meta.url));

export function wikicastAvailable(): boolean {
  return existsSync(`${REPO_ROOT}/services/edge/src/main.ts`) && existsSync(`${REPO_ROOT}/services/ingest/src/main.ts`);
}

export async function startSystem(kind: SystemKind, instances: number): Promise<SystemUnderTest> {
  switch (kind) {
    case 'wikicast':
      return startWikicast(instances);
    case 'uws':
    case 'uws-redis':
      return startRedisPeer(kind, 'uws.ts', instances, kind === 'uws-redis');
    case 'ws-redis':
      return startRedisPeer(kind, 'ws-redis.ts', instances, true);
    case 'socketio':
      return startSocketIo(instances);
  }
}

async function startAll(kind: SystemKind, file: string, instances: number, env: Record<string, string>): Promise<ServerProcess[]> {
  return Promise.all(Array.from({ length: instances }, (_, i) => startProgram(`${kind}-${i + 1}`, `${PEERS}${file}`, env)));
}

async function startRedisPeer(kind: SystemKind, file: string, instances: number, viaRedis: boolean): Promise<SystemUnderTest> {
  const servers = await startAll(kind, file, instances, viaRedis ? { REDIS_URL } : {});
  return withPublisher({
    kind,
    label: SYSTEM_LABELS[kind],
    protocol: 'plain',
    targets: servers.map((s) => ({ host: '127.0.0.1', port: s.port, path: '/' })),
    serverPids: servers.map((s) => s.pid),
    helperPids: [],
    ...(viaRedis ? { tap: redisTap } : {}),
    producer: viaRedis ? { kind: 'redis', url: REDIS_URL } : { kind: 'uws-http', ports: servers.map((s) => s.port) },
    stop: async () => {
      await Promise.all(servers.map((s) => s.stop()));
    },
  });
}

async function startSocketIo(instances: number): Promise<SystemUnderTest> {
  const servers = await startAll('socketio', 'socketio.ts', instances, { REDIS_URL });
  return withPublisher({
    kind: 'socketio',
    label: SYSTEM_LABELS.socketio,
    protocol: 'socketio',
    targets: servers.map((s) => ({ host: '127.0.0.1', port: s.port, path: '/socket.io/?EIO=4&transport=websocket' })),
    serverPids: servers.map((s) => s.pid),
    helperPids: [],
    producer: { kind: 'socketio-emitter', url: REDIS_URL },
    stop: async () => {
      await Promise.all(servers.map((s) => s.stop()));
    },
  });
}

/** Adds the runner's own publisher (built from the system's producer spec) to a system. */
export async function withPublisher(system: Omit<SystemUnderTest, 'publish'>): Promise<SystemUnderTest> {
  const publisher = await createPublisher(system.producer);
  return {
    ...system,
    publish: publisher.publish,
    stop: async () => {
      await publisher.close();
      await system.stop();
    },
  };
}

async function startWikicast(edges: number): Promise<SystemUnderTest> {
  const wiki = { ...testWiki(BENCH_WIKI), public: true };
  const topology = await setupTopology('bench');
  const wikisFile = writeWikisFile([wiki]);
  // Stream retention as setupTopology declared it; ingest's per-wiki rate limit off (the
  // benchmark is the only producer). Everything else is the services' defaults.
  const env = {
    WIKICAST_AMQP_PREFIX: topology.prefix,
    WIKICAST_WIKIS_FILE: wikisFile.path,
    WIKICAST_STREAM_MAX_AGE: '1h',
    WIKICAST_STREAM_MAX_BYTES: String(100 * 1024 ** 2),
    LOG_LEVEL: 'info',
  };
  // CPU profiles of the services for the whole run, written when they stop (finding where time
  // goes); BENCH_SERVICE_NODE_ARGS adds Node flags to the services (trying a GC setting, say).
  const nodeArgs = [
    ...(process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : []),
    ...(process.env.BENCH_SERVICE_NODE_ARGS?.split(' ').filter((arg) => arg !== '') ?? []),
  ];
  const started = await Promise.allSettled([
    startService('ingest', { ...env, WIKICAST_INGEST_RATE_PER_WIKI: '0', INGEST_ID: 'bench-ingest' }, nodeArgs),
    ...Array.from({ length: edges }, (_, i) => startService('edge', { ...env, EDGE_ID: `bench-edge-${i + 1}` }, nodeArgs)),
  ]);
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    for (const s of started) if (s.status === 'fulfilled') await s.value.stop();
    await topology.cleanup();
    wikisFile.remove();
    throw (failed as PromiseRejectedResult).reason;
  }
  const [ingest, ...edgeProcesses] = started.map((s) => (s as PromiseFulfilledResult<Awaited<ReturnType<typeof startService>>>).value);
  await Promise.all([ingest!, ...edgeProcesses].map((s) => waitUntilReady(s)));
  const readerToken = await signToken(wiki, { sub: 'BenchReader', ttlS: 6 * 3600 });
  // Ingest accepts publishing tokens that expire within an hour; a run of one system is far shorter.
  const ingestToken = await signToken(wiki, { aud: 'ingest', ttlS: 3000 });
  return withPublisher({
    kind: 'wikicast',
    label: SYSTEM_LABELS.wikicast,
    protocol: 'wikicast',
    targets: edgeProcesses.map((e) => ({ host: '127.0.0.1', port: e.port, path: `/v1/ws?token=${encodeURIComponent(readerToken)}` })),
    serverPids: edgeProcesses.map((e) => e.child.pid!),
    helperPids: [ingest!.child.pid!],
    processGroups: { edges: edgeProcesses.map((e) => e.child.pid!), ingest: [ingest!.child.pid!] },
    services: [{ role: 'ingest', port: ingest!.port }, ...edgeProcesses.map((e, i) => ({ role: `edge ${i + 1}`, port: e.port }))],
    connections: () => Promise.all(edgeProcesses.map(async (e) => (await wsConnections(e)) ?? 0)),
    tap: async (onEvent) => {
      const connection = await amqp.connect(AMQP_URL, { noDelay: true, clientProperties: { connection_name: `${topology.prefix}-bench-tap` } });
      const channel = await connection.createChannel();
      await channel.prefetch(1000);
      // Acked in bulk like the edges' consumer (a quarter of the window, or after 50 ms), so the
      // measurement does not add an ack per event to RabbitMQ's load.
      let unacked: ConsumeMessage | null = null;
      let count = 0;
      let timer: NodeJS.Timeout | null = null;
      const ackNow = (): void => {
        if (timer !== null) clearTimeout(timer);
        timer = null;
        if (unacked) channel.ack(unacked, true);
        unacked = null;
        count = 0;
      };
      await channel.consume(
        topology.names.log,
        (message) => {
          if (message === null) return;
          const bt = readBt(message.content);
          if (bt !== null) onEvent(bt);
          unacked = message;
          if (++count >= 250) ackNow();
          else timer ??= setTimeout(ackNow, 50);
        },
        { noAck: false, arguments: { 'x-stream-offset': 'next' } },
      );
      return async () => {
        if (timer !== null) clearTimeout(timer);
        await connection.close();
      };
    },
    warnings: () => [ingest!, ...edgeProcesses].flatMap((p) => p.logs.filter((l) => typeof l.level === 'number' && l.level >= Number(process.env.BENCH_LOG_LEVEL ?? 40))),
    producer: { kind: 'ingest', port: ingest!.port, token: ingestToken },
    stop: async () => {
      await Promise.all([ingest!, ...edgeProcesses].map((s) => s.stop()));
      await topology.cleanup();
      wikisFile.remove();
    },
  });
}
