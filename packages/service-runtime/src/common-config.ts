import { readAmqpTls, type AmqpTlsOptions } from './amqp-tls.js';
import { ConfigError } from './config-error.js';
import { envEnum, envInt, envString, envUrlList, type Env } from './env.js';

export const DEFAULT_AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';
export const DEFAULT_AMQP_PREFIX = 'wikicast';
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_STREAM_MAX_AGE = '7D';
export const DEFAULT_STREAM_MAX_BYTES = 20 * 1024 ** 3;
/**
 * Replicas of the events stream (`x-initial-cluster-size`) when it is first declared. RabbitMQ
 * places them on that many nodes, or on every node of a smaller cluster: one on a single node,
 * three on a cluster of three or more, which survives the loss of one node (a quorum of 2 remains).
 */
export const DEFAULT_STREAM_REPLICAS = 3;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Settings every Wikicast service reads the same way (SPEC "Configuration"). */
export interface CommonConfig {
  /** One URL per RabbitMQ node to try, in order; a lost connection moves on to the next. */
  amqpUrls: string[];
  /** CA and client certificate for `amqps://` AMQP_URLs; empty when not set. */
  amqpTls: AmqpTlsOptions;
  amqpPrefix: string;
  wikisFile: string;
  host: string;
  port: number;
  logLevel: LogLevel;
  streamMaxAge: string;
  streamMaxBytes: number;
  streamReplicas: number;
}

export function readCommonConfig(env: Env, defaultPort: number): CommonConfig {
  const amqpPrefix = envString(env, 'WIKICAST_AMQP_PREFIX', DEFAULT_AMQP_PREFIX);
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(amqpPrefix)) {
    throw new ConfigError('WIKICAST_AMQP_PREFIX', 'may contain only letters, digits, "_", "-" and "."');
  }
  const streamMaxAge = envString(env, 'WIKICAST_STREAM_MAX_AGE', DEFAULT_STREAM_MAX_AGE);
  if (!/^\d+(Y|M|D|h|m|s)$/.test(streamMaxAge)) {
    throw new ConfigError('WIKICAST_STREAM_MAX_AGE', `must be a RabbitMQ x-max-age such as 7D or 12h, got ${JSON.stringify(streamMaxAge)}`);
  }
  const wikisFile = envString(env, 'WIKICAST_WIKIS_FILE', '');
  if (wikisFile === '') throw new ConfigError('WIKICAST_WIKIS_FILE', 'is required: the JSON list of {id, secret, public}');
  const amqpUrls = envUrlList(env, 'AMQP_URL', DEFAULT_AMQP_URL, ['amqp:', 'amqps:']);
  return {
    amqpUrls,
    amqpTls: readAmqpTls(env, amqpUrls),
    amqpPrefix,
    wikisFile,
    host: envString(env, 'HOST', DEFAULT_HOST),
    port: envInt(env, 'PORT', defaultPort, { min: 0, max: 65535 }),
    logLevel: envEnum(env, 'LOG_LEVEL', 'info', LOG_LEVELS),
    streamMaxAge,
    streamMaxBytes: envInt(env, 'WIKICAST_STREAM_MAX_BYTES', DEFAULT_STREAM_MAX_BYTES, { min: 1024 ** 2, max: Number.MAX_SAFE_INTEGER }),
    // No RabbitMQ cluster has a hundred nodes: a larger number is a typo.
    streamReplicas: envInt(env, 'WIKICAST_STREAM_REPLICAS', DEFAULT_STREAM_REPLICAS, { min: 1, max: 99 }),
  };
}
