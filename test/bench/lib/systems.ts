/**
 * The systems under test, each started the same way (its own Node processes on port 0, from
 * source) and driven through its own producer path:
 * - Wikicast: `POST /v1/events` to ingest → RabbitMQ (fanout exchange → stream) → edge(s);
 * - uWS publish loop: `POST /publish` into the server, which calls `app.publish` in a loop
 *   (with Redis: `PUBLISH bench:<topic>`, as for ws + Redis);
 * - ws + Redis: `PUBLISH bench:<topic>` with the prebuilt frame;
 * - Socket.IO: `@socket.io/redis-emitter` → the adapter's Redis channel.
 * Every system delivers the same event JSON (about 330 bytes) to its clients.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Emitter } from '@socket.io/redis-emitter';
import { createClient } from 'redis';
import amqp, { type ConsumeMessage } from 'amqplib';
import { AMQP_URL, REPO_ROOT, setupTopology, signToken, startService, testWiki, waitUntilReady, writeWikisFile } from '@wikicast/test/support';
import type { Protocol } from './loadgen-protocol.js';
import { startProgram, type ServerProcess } from './proc.js';

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
  /** Publishes events through the system's producer path; resolves when the producer was answered. */
  publish: (topic: string, events: BenchEvent[]) => Promise<void>;
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

/** The frame a peer delivers: the event as Wikicast delivers it, with a cursor. */
function peerFrame(event: BenchEvent, seq: number): string {
  return JSON.stringify({ op: 'event', ...event, cursor: `b${seq}` });
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

/**
 * Producers' HTTP client: node:http with a keep-alive agent, much lighter per request than
 * `fetch`, so the benchmark's own producer takes as little CPU as it can from the two cores.
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function post(port: number, path: string, token: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: '127.0.0.1', port, path, method: 'POST', agent, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
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

let seq = 0;

async function startRedisPeer(kind: SystemKind, file: string, instances: number, viaRedis: boolean): Promise<SystemUnderTest> {
  const servers = await startAll(kind, file, instances, viaRedis ? { REDIS_URL } : {});
  const redis = viaRedis ? createClient({ url: REDIS_URL }) : null;
  await redis?.connect();
  const publish = viaRedis
    ? async (topic: string, events: BenchEvent[]): Promise<void> => {
        await Promise.all(events.map((e) => redis!.publish(`bench:${topic}`, peerFrame(e, seq++))));
      }
    : async (topic: string, events: BenchEvent[]): Promise<void> => {
        const body = JSON.stringify({ topic, frames: events.map((e) => peerFrame(e, seq++)) });
        await Promise.all(servers.map((s) => post(s.port, '/publish', '', body)));
      };
  return {
    kind,
    label: SYSTEM_LABELS[kind],
    protocol: 'plain',
    targets: servers.map((s) => ({ host: '127.0.0.1', port: s.port, path: '/' })),
    serverPids: servers.map((s) => s.pid),
    helperPids: [],
    ...(viaRedis ? { tap: redisTap } : {}),
    publish,
    stop: async () => {
      await redis?.quit();
      await Promise.all(servers.map((s) => s.stop()));
    },
  };
}

async function startSocketIo(instances: number): Promise<SystemUnderTest> {
  const servers = await startAll('socketio', 'socketio.ts', instances, { REDIS_URL });
  const redis = createClient({ url: REDIS_URL });
  await redis.connect();
  const emitter = new Emitter(redis);
  return {
    kind: 'socketio',
    label: SYSTEM_LABELS.socketio,
    protocol: 'socketio',
    targets: servers.map((s) => ({ host: '127.0.0.1', port: s.port, path: '/socket.io/?EIO=4&transport=websocket' })),
    serverPids: servers.map((s) => s.pid),
    helperPids: [],
    publish: async (topic, events) => {
      for (const e of events) emitter.to(topic).emit('event', { ...e, cursor: `b${seq++}` });
      await redis.ping(); // the emitter does not wait; a round trip after the publishes does
    },
    stop: async () => {
      await redis.quit();
      await Promise.all(servers.map((s) => s.stop()));
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
  const started = await Promise.allSettled([
    startService('ingest', { ...env, WIKICAST_INGEST_RATE_PER_WIKI: '0', INGEST_ID: 'bench-ingest' }),
    ...Array.from({ length: edges }, (_, i) => startService('edge', { ...env, EDGE_ID: `bench-edge-${i + 1}` })),
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
  return {
    kind: 'wikicast',
    label: SYSTEM_LABELS.wikicast,
    protocol: 'wikicast',
    targets: edgeProcesses.map((e) => ({ host: '127.0.0.1', port: e.port, path: `/v1/ws?token=${encodeURIComponent(readerToken)}` })),
    serverPids: edgeProcesses.map((e) => e.child.pid!),
    helperPids: [ingest!.child.pid!],
    tap: async (onEvent) => {
      const connection = await amqp.connect(AMQP_URL, { noDelay: true, clientProperties: { connection_name: `${topology.prefix}-bench-tap` } });
      const channel = await connection.createChannel();
      await channel.prefetch(1000);
      let unacked: ConsumeMessage | null = null;
      let scheduled = false;
      await channel.consume(
        topology.names.log,
        (message) => {
          if (message === null) return;
          const bt = readBt(message.content);
          if (bt !== null) onEvent(bt);
          unacked = message;
          if (!scheduled) {
            scheduled = true;
            setImmediate(() => {
              scheduled = false;
              if (unacked) channel.ack(unacked, true);
              unacked = null;
            });
          }
        },
        { noAck: false, arguments: { 'x-stream-offset': 'next' } },
      );
      return async () => {
        await connection.close();
      };
    },
    warnings: () => [ingest!, ...edgeProcesses].flatMap((p) => p.logs.filter((l) => typeof l.level === 'number' && l.level >= Number(process.env.BENCH_LOG_LEVEL ?? 40))),
    publish: async (_topic, events) => {
      const { status, body } = await post(ingest!.port, '/v1/events', ingestToken, JSON.stringify(events.length === 1 ? events[0] : events));
      if (status !== 202) throw new Error(`ingest answered ${status}: ${body.slice(0, 300)}`);
    },
    stop: async () => {
      await Promise.all([ingest!, ...edgeProcesses].map((s) => s.stop()));
      await topology.cleanup();
      wikisFile.remove();
    },
  };
}
