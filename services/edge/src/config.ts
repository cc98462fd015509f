import { hostname } from 'node:os';
import { trustedProxyError } from './transport/client-address.js';
import { ConfigError, controlLogMaxAge, envBool, envString, maxAgeMs, readCommonConfig, readIntSettings, type CommonConfig, type Env, type IntSettings } from '@wikicast/service-runtime';

/** SPEC "The local cluster": the first edge listens on 8101 (the second is started with PORT=8102). */
export const DEFAULT_PORT = 8101;
/** Largest client frame; a seed-style send with a modest `msg` fits many times over. Larger: close 1009. */
export const MAX_PAYLOAD_BYTES = 64 * 1024;
/** Bytes queued for one slow socket before it is closed with 4009 (it reconnects and resumes by cursor). */
export const MAX_BUFFERED_BYTES = 1024 * 1024;
/**
 * uWS's own `maxBackpressure` sits this far above MAX_BUFFERED_BYTES: uWS silently drops what
 * passes it, which would leave a gap, so the edge must always close the socket (4009) first.
 */
export const BACKPRESSURE_HEADROOM_BYTES = 16 * 1024 * 1024;
/** How often sockets fed by `app.publish` are checked against MAX_BUFFERED_BYTES. */
export const BACKPRESSURE_CHECK_INTERVAL_MS = 250;
/**
 * uWS closes a socket silent for this long, and the edge pings each one every half of it
 * (KeepAlive); well under HAProxy's `timeout tunnel` (1 h) and common proxies' 60–100 s, so idle
 * connections are kept open.
 */
export const IDLE_TIMEOUT_S = 56;
/** SSE comment heartbeats: HAProxy's `timeout server`/`client` (30 s) govern a streamed response, not `timeout tunnel`. */
export const SSE_HEARTBEAT_S = 15;
/** Stream messages RabbitMQ may have in flight to the edge before it acks (streams need a prefetch). */
export const STREAM_PREFETCH = 1000;
/** Newest events kept in memory for resumes (a few hundred bytes each). */
export const RECENT_EVENTS = 10_000;
/** How long a resume waits for a cursor this edge has not reached yet, or for the stream to answer. */
export const CATCH_UP_TIMEOUT_MS = 5_000;
/** Longest wait for the control stream to hand back an edge's catch-up marker at (re)connect. */
export const CONTROL_CATCH_UP_TIMEOUT_MS = 15_000;
/** Live events one resume holds back while it reads history (see ReplayProgress.hold). */
export const MAX_HELD_EVENTS = 10_000;
/** Stream messages in flight to one resume; with half the buffer limit, what a slow reader can be sent ahead. */
export const REPLAY_PREFETCH = 64;
/** Resumes reading older history from the stream at once (each holds a channel). */
export const MAX_STREAM_READS = 16;
/**
 * Of those, for one client address: a few, so that a reconnect storm from one place (or one
 * abuser with many connections) cannot hold them all while other clients' resumes wait.
 */
export const MAX_STREAM_READS_PER_ADDRESS = 2;
/** Peers whose X-Forwarded-For is believed: loopback, where the local cluster's HAProxy runs. */
export const TRUSTED_PROXIES = ['127.0.0.1', '::1'] as const;
/** Topics one connection may be subscribed to at once. */
export const MAX_TOPICS_PER_CONNECTION = 1000;
/**
 * Longest a drain (SIGTERM) may take before the edge exits anyway; deploy/kubernetes's
 * terminationGracePeriodSeconds is at least preStop + this + 5 (docs/operations.md).
 */
export const DRAIN_TIMEOUT_S = 10;
/** How long an edge remembers a revocation (refusing tokens issued before it): the longest token lifetime in use. */
export const REVOCATION_MEMORY_S = 24 * 3600;
/** Sends one connection may make a second, on average, and in one burst (token bucket); more: close 4008. */
export const SEND_RATE_PER_S = 20;
export const SEND_BURST = 40;
/** Longest a client send waits for RabbitMQ's confirm before it is answered `unavailable`. */
export const SEND_CONFIRM_TIMEOUT_MS = 10_000;
/** Client sends this edge has published and RabbitMQ has not answered yet; more are answered `unavailable`. */
export const MAX_SENDS_IN_FLIGHT = 10_000;

/**
 * The edge's whole-number settings, each described once: read by readEdgeConfig, and its row in
 * docs/edge.md's configuration table is checked against it (services/edge/test/config-docs.test.ts).
 */
export const EDGE_INT_SETTINGS = {
  maxPayloadBytes: {
    key: 'WIKICAST_EDGE_MAX_PAYLOAD_BYTES',
    default: MAX_PAYLOAD_BYTES,
    min: 1024,
    max: 16 * 1024 * 1024,
    unit: 'bytes',
    doc: 'Largest client frame; larger closes with 1009 (see "Limits and backpressure").',
  },
  maxBufferedBytes: {
    key: 'WIKICAST_EDGE_MAX_BUFFERED_BYTES',
    default: MAX_BUFFERED_BYTES,
    min: 16 * 1024,
    max: 1024 * 1024 * 1024,
    unit: 'bytes',
    doc: 'Bytes waiting for one slow reader before it is closed with 4009.',
  },
  idleTimeoutS: {
    key: 'WIKICAST_EDGE_IDLE_TIMEOUT_S',
    default: IDLE_TIMEOUT_S,
    min: 8,
    max: 960,
    unit: 's',
    doc: 'A silent connection is closed after this; the edge pings each one every half of it (multiple of 4).',
  },
  sseHeartbeatS: {
    key: 'WIKICAST_EDGE_SSE_HEARTBEAT_S',
    default: SSE_HEARTBEAT_S,
    min: 1,
    max: 600,
    unit: 's',
    doc: 'Seconds between SSE comment heartbeats (under HAProxy\'s `timeout client`/`server`).',
  },
  streamPrefetch: {
    key: 'WIKICAST_EDGE_STREAM_PREFETCH',
    default: STREAM_PREFETCH,
    min: 1,
    max: 65_535,
    unit: 'messages',
    doc: 'Stream messages RabbitMQ may send before the edge acknowledges.',
  },
  maxTopicsPerConnection: {
    key: 'WIKICAST_EDGE_MAX_TOPICS',
    default: MAX_TOPICS_PER_CONNECTION,
    min: 1,
    max: 100_000,
    unit: 'topics',
    doc: 'Topics one connection may hold.',
  },
  recentEvents: {
    key: 'WIKICAST_EDGE_RECENT_EVENTS',
    default: RECENT_EVENTS,
    min: 1,
    max: 10_000_000,
    unit: 'events',
    doc: 'Newest events kept in memory for resumes (and how far back anonymous readers may resume).',
  },
  drainTimeoutS: {
    key: 'WIKICAST_DRAIN_TIMEOUT_S',
    default: DRAIN_TIMEOUT_S,
    min: 1,
    max: 600,
    unit: 's',
    doc: 'Longest a SIGTERM drain takes before the edge exits anyway (see "Drain").',
  },
  revocationMemoryS: {
    // At most the control stream's retention (CONTROL_LOG_MAX_AGE, 7 days): older revocations cannot be read back at start.
    key: 'WIKICAST_EDGE_REVOCATION_MEMORY_S',
    default: REVOCATION_MEMORY_S,
    min: 1,
    max: 7 * 24 * 3600,
    unit: 's',
    doc: 'How long a revocation is remembered, refusing tokens issued before it (at most 7 days, the control stream\'s retention); also how far back a starting edge reads revocations.',
  },
  sendRatePerS: {
    key: 'WIKICAST_EDGE_SEND_RATE',
    default: SEND_RATE_PER_S,
    min: 1,
    max: 100_000,
    unit: 'sends/s',
    doc: 'Client sends per second one connection may make on average (see "Rate limits").',
  },
  sendBurst: {
    key: 'WIKICAST_EDGE_SEND_BURST',
    default: SEND_BURST,
    min: 1,
    max: 100_000,
    unit: 'sends',
    doc: 'Client sends one connection may make in one burst.',
  },
  sendConfirmTimeoutMs: {
    key: 'WIKICAST_EDGE_SEND_TIMEOUT_MS',
    default: SEND_CONFIRM_TIMEOUT_MS,
    min: 100,
    max: 600_000,
    unit: 'ms',
    doc: 'Longest a client send waits for RabbitMQ\'s confirm before it is answered `unavailable`.',
  },
  maxStreamReads: {
    key: 'WIKICAST_EDGE_STREAM_READS',
    default: MAX_STREAM_READS,
    min: 1,
    max: 1000,
    unit: 'reads',
    doc: 'Resumes reading history from the stream at once on this edge (see "Subscribing").',
  },
  maxStreamReadsPerAddress: {
    key: 'WIKICAST_EDGE_STREAM_READS_PER_ADDRESS',
    default: MAX_STREAM_READS_PER_ADDRESS,
    min: 1,
    max: 1000,
    unit: 'reads',
    doc: 'Of those, for one client address.',
  },
} as const satisfies IntSettings;

export interface EdgeConfig extends CommonConfig, Readonly<{ [K in keyof typeof EDGE_INT_SETTINGS]: number }> {
  /** EDGE_ID: names this edge in `welcome`, logs, metrics and its broker connection name. */
  instance: string;
  /** The connection name RabbitMQ shows (`rabbitmqctl list_connections client_properties`). */
  connectionName: string;
  allowUwsFallback: boolean;
  /** Addresses and CIDR ranges of the proxies whose X-Forwarded-For names the client. */
  trustedProxies: readonly string[];
  /** How long retractions are kept: the control stream's retention (controlLogMaxAge), at least the events stream's. */
  retractionMemoryMs: number;
}

/** Reads and validates the environment once; a bad value throws a ConfigError naming its key. */
export function readEdgeConfig(env: Env): Readonly<EdgeConfig> {
  const common = readCommonConfig(env, DEFAULT_PORT);
  const edgeId = envString(env, 'EDGE_ID', `${hostname()}-${process.pid}`);
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(edgeId)) throw new ConfigError('EDGE_ID', 'may contain only letters, digits, "_", "-" and "."');
  const numbers = readIntSettings(env, EDGE_INT_SETTINGS);
  if (numbers.idleTimeoutS % 4 !== 0) throw new ConfigError('WIKICAST_EDGE_IDLE_TIMEOUT_S', `must be a multiple of 4 (uWS's timer resolution), got ${numbers.idleTimeoutS}`);
  const config: EdgeConfig = {
    ...common,
    ...numbers,
    instance: edgeId,
    // Starts with the prefix so that tests (and operators) can close one prefix's edge connections.
    connectionName: `${common.amqpPrefix}-edge-${edgeId}`,
    allowUwsFallback: envBool(env, 'WIKICAST_ALLOW_UWS_FALLBACK', false),
    trustedProxies: readTrustedProxies(env),
    retractionMemoryMs: maxAgeMs(controlLogMaxAge(common.streamMaxAge)),
  };
  return Object.freeze(config);
}

/** `WIKICAST_EDGE_TRUSTED_PROXIES`: comma-separated addresses and CIDR ranges, or `none`. */
function readTrustedProxies(env: Env): readonly string[] {
  const key = 'WIKICAST_EDGE_TRUSTED_PROXIES';
  const raw = envString(env, key, TRUSTED_PROXIES.join(','));
  // An empty value means the default (as for every setting), so trusting nobody needs a word.
  if (raw.trim() === 'none') return Object.freeze([]);
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  for (const entry of entries) {
    const error = trustedProxyError(entry);
    if (error !== null) throw new ConfigError(key, error);
  }
  return Object.freeze(entries);
}
