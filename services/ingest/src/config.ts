import { hostname } from 'node:os';
import { ConfigError, envBool, envInt, envString, readCommonConfig, type CommonConfig, type Env } from '@wikicast/service-runtime';

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

export interface IngestConfig extends CommonConfig {
  /** Names this process in logs, metrics and its broker connection name. */
  instance: string;
  /** The connection name RabbitMQ shows (`rabbitmqctl list_connections client_properties`). */
  connectionName: string;
  bodyLimitBytes: number;
  maxBatchEvents: number;
  unconfirmedWindow: number;
  publishTimeoutMs: number;
  retryAfterS: number;
  ratePerWikiPerS: number;
  rateBurstEvents: number;
  shutdownGraceMs: number;
  maxTokenTtlS: number;
  allowUwsFallback: boolean;
}

/** Reads and validates the environment once; a bad value throws a ConfigError naming its key. */
export function readIngestConfig(env: Env): Readonly<IngestConfig> {
  const common = readCommonConfig(env, DEFAULT_PORT);
  const instance = envString(env, 'INGEST_ID', `${hostname()}-${process.pid}`);
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(instance)) throw new ConfigError('INGEST_ID', 'may contain only letters, digits, "_", "-" and "."');
  const rateBurstEvents = envInt(env, 'WIKICAST_INGEST_RATE_BURST', RATE_BURST_EVENTS, { min: 1, max: 10_000_000 });
  const maxBatchEvents = envInt(env, 'WIKICAST_INGEST_MAX_BATCH', MAX_BATCH_EVENTS, { min: 1, max: 100_000 });
  const unconfirmedWindow = envInt(env, 'WIKICAST_INGEST_UNCONFIRMED_WINDOW', UNCONFIRMED_WINDOW, { min: 1, max: 1_000_000 });
  if (unconfirmedWindow < maxBatchEvents) {
    throw new ConfigError('WIKICAST_INGEST_UNCONFIRMED_WINDOW', `must be at least WIKICAST_INGEST_MAX_BATCH (${maxBatchEvents}), or a full batch could never be published`);
  }
  const config: IngestConfig = {
    ...common,
    instance,
    // Starts with the prefix so that tests (and operators) can close one prefix's connections.
    connectionName: `${common.amqpPrefix}-ingest-${instance}`,
    bodyLimitBytes: envInt(env, 'WIKICAST_INGEST_BODY_LIMIT_BYTES', BODY_LIMIT_BYTES, { min: 1024, max: 64 * 1024 * 1024 }),
    maxBatchEvents,
    unconfirmedWindow,
    publishTimeoutMs: envInt(env, 'WIKICAST_INGEST_PUBLISH_TIMEOUT_MS', PUBLISH_TIMEOUT_MS, { min: 100, max: 120_000 }),
    retryAfterS: envInt(env, 'WIKICAST_INGEST_RETRY_AFTER_S', RETRY_AFTER_S, { min: 1, max: 3_600 }),
    ratePerWikiPerS: envInt(env, 'WIKICAST_INGEST_RATE_PER_WIKI', RATE_PER_WIKI_PER_S, { min: 0, max: 10_000_000 }),
    rateBurstEvents,
    shutdownGraceMs: envInt(env, 'WIKICAST_INGEST_SHUTDOWN_GRACE_MS', SHUTDOWN_GRACE_MS, { min: 0, max: 600_000 }),
    maxTokenTtlS: envInt(env, 'WIKICAST_INGEST_MAX_TOKEN_TTL_S', MAX_TOKEN_TTL_S, { min: 1, max: 366 * 24 * 3_600 }),
    allowUwsFallback: envBool(env, 'WIKICAST_ALLOW_UWS_FALLBACK', false),
  };
  return Object.freeze(config);
}
