import { hostname } from 'node:os';
import { ConfigError, envBool, envString, readCommonConfig, readIntSettings, type CommonConfig, type Env, type IntSettings } from '@wikicast/service-runtime';

/** SPEC "The local cluster": ingest listens on 8100. */
export const DEFAULT_PORT = 8100;
/** Largest request body; a batch of a few hundred typical events fits comfortably. */
export const BODY_LIMIT_BYTES = 1024 * 1024;
/** Most events in one batch; each one costs a confirm slot, so this also bounds one request's share of the window. */
export const MAX_BATCH_EVENTS = 1_000;
/** Messages published but not yet confirmed by RabbitMQ, across all requests; beyond it: 503. */
export const UNCONFIRMED_WINDOW = 10_000;
/** Longest a request waits for RabbitMQ's confirms before it is answered 503 (never a hang). */
export const PUBLISH_TIMEOUT_MS = 5_000;
/** `Retry-After` sent with 503 while the broker cannot take writes. */
export const RETRY_AFTER_S = 1;
/** Per-wiki token bucket: sustained events per second (0 turns rate limiting off)… */
export const RATE_PER_WIKI_PER_S = 2_000;
/** …and the burst a wiki may spend at once. */
export const RATE_BURST_EVENTS = 4_000;
/** How long `close()` lets in-flight requests finish (their confirms arrive) before closing the broker connection. */
export const SHUTDOWN_GRACE_MS = 10_000;
/** Publishing tokens must expire within this long from now: a leaked one is useful only briefly. */
export const MAX_TOKEN_TTL_S = 3_600;

/**
 * Ingest's whole-number settings, each described once: read by readIngestConfig, and its row in
 * docs/ingest.md's configuration table is checked against it (services/ingest/test/config.test.ts).
 */
export const INGEST_INT_SETTINGS = {
  bodyLimitBytes: {
    key: 'WIKICAST_INGEST_BODY_LIMIT_BYTES',
    default: BODY_LIMIT_BYTES,
    min: 1024,
    max: 64 * 1024 * 1024,
    unit: 'bytes',
    doc: 'largest request body (413 beyond)',
  },
  maxBatchEvents: {
    key: 'WIKICAST_INGEST_MAX_BATCH',
    default: MAX_BATCH_EVENTS,
    min: 1,
    max: 100_000,
    unit: 'events',
    doc: 'most events in one request (413 beyond)',
  },
  unconfirmedWindow: {
    key: 'WIKICAST_INGEST_UNCONFIRMED_WINDOW',
    default: UNCONFIRMED_WINDOW,
    min: 1,
    max: 1_000_000,
    unit: 'messages',
    doc: 'published-but-unconfirmed messages allowed at once (503 `window_full` beyond); at least the max batch',
  },
  publishTimeoutMs: {
    key: 'WIKICAST_INGEST_PUBLISH_TIMEOUT_MS',
    default: PUBLISH_TIMEOUT_MS,
    min: 100,
    max: 120_000,
    unit: 'ms',
    doc: 'longest wait for confirms before 503 `timeout`',
  },
  retryAfterS: {
    key: 'WIKICAST_INGEST_RETRY_AFTER_S',
    default: RETRY_AFTER_S,
    min: 1,
    max: 3_600,
    unit: 's',
    doc: '`Retry-After` of 503 answers',
  },
  ratePerWikiPerS: {
    key: 'WIKICAST_INGEST_RATE_PER_WIKI',
    default: RATE_PER_WIKI_PER_S,
    min: 0,
    max: 10_000_000,
    unit: 'events/s',
    doc: 'per-wiki token bucket refill; `0` turns rate limiting off',
  },
  rateBurstEvents: {
    key: 'WIKICAST_INGEST_RATE_BURST',
    default: RATE_BURST_EVENTS,
    min: 1,
    max: 10_000_000,
    unit: 'events',
    doc: 'per-wiki bucket size',
  },
  shutdownGraceMs: {
    key: 'WIKICAST_INGEST_SHUTDOWN_GRACE_MS',
    default: SHUTDOWN_GRACE_MS,
    min: 0,
    max: 600_000,
    unit: 'ms',
    doc: 'how long shutdown lets requests in flight finish',
  },
  maxTokenTtlS: {
    key: 'WIKICAST_INGEST_MAX_TOKEN_TTL_S',
    default: MAX_TOKEN_TTL_S,
    min: 1,
    max: 366 * 24 * 3_600,
    unit: 's',
    doc: 'tokens whose `exp` is further away than this are refused (401): publishing tokens must be short-lived',
  },
} as const satisfies IntSettings;

export interface IngestConfig extends CommonConfig, Readonly<{ [K in keyof typeof INGEST_INT_SETTINGS]: number }> {
  /** Names this process in logs, metrics and its broker connection name. */
  instance: string;
  /** The connection name RabbitMQ shows (`rabbitmqctl list_connections client_properties`). */
  connectionName: string;
  allowUwsFallback: boolean;
}

/** Reads and validates the environment once; a bad value throws a ConfigError naming its key. */
export function readIngestConfig(env: Env): Readonly<IngestConfig> {
  const common = readCommonConfig(env, DEFAULT_PORT);
  const instance = envString(env, 'INGEST_ID', `${hostname()}-${process.pid}`);
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(instance)) throw new ConfigError('INGEST_ID', 'may contain only letters, digits, "_", "-" and "."');
  const numbers = readIntSettings(env, INGEST_INT_SETTINGS);
  if (numbers.unconfirmedWindow < numbers.maxBatchEvents) {
    throw new ConfigError('WIKICAST_INGEST_UNCONFIRMED_WINDOW', `must be at least WIKICAST_INGEST_MAX_BATCH (${numbers.maxBatchEvents}), or a full batch could never be published`);
  }
  const config: IngestConfig = {
    ...common,
    ...numbers,
    instance,
    // Starts with the prefix so that tests (and operators) can close one prefix's connections.
    connectionName: `${common.amqpPrefix}-ingest-${instance}`,
    allowUwsFallback: envBool(env, 'WIKICAST_ALLOW_UWS_FALLBACK', false),
  };
  return Object.freeze(config);
}
