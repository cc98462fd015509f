export { ConfigError } from './config-error.js';
export { envBool, envEnum, envInt, envRequired, envString, envUrl, envUrlList } from './env.js';
export type { Env } from './env.js';
export { DEFAULT_AMQP_PREFIX, DEFAULT_AMQP_URL, DEFAULT_STREAM_REPLICAS, LOG_LEVELS, readCommonConfig } from './common-config.js';
export type { CommonConfig, LogLevel } from './common-config.js';
export { AMQP_TLS_KEYS, readAmqpTls } from './amqp-tls.js';
export type { AmqpTlsOptions } from './amqp-tls.js';
export { WikiRegistry } from './wikis.js';
export type { ServedWiki } from './wikis.js';
export { WikiKeyRing } from './wiki-keys.js';
export type { KeyUse, VerifyingKey } from './wiki-keys.js';
export type { Wiki } from '@wikicast/protocol/schemas';
export { WikisFile } from './wikis-file.js';
export type { WikisReloaded } from './wikis-file.js';
export { TokenError, verifyToken, verifyTokenKey } from './tokens.js';
export type { TokenFailure, VerifiedToken, VerifyOptions } from './tokens.js';
export { controlLogMaxAge, declareTopology, deleteTopology, maxAgeMs, topologyNames } from './topology.js';
export type { StreamSettings, TopologyNames } from './topology.js';
export { Broker } from './broker.js';
export type { BrokerOptions } from './broker.js';
export { reconnectDelayMs } from './reconnect-delay.js';
export { loadUws, uwsIsNative, UwsFallbackError } from './uws.js';
export type { Uws } from './uws.js';
export {
  beginExchange,
  BodyTooLargeError,
  readBody,
  registerHealthRoutes,
  sendError,
  sendJson,
  statusLine,
} from './http.js';
export type { Exchange, HealthRoutes } from './http.js';
export { createLogger } from './logger.js';
export { createRegistry } from './metrics.js';
export { listen } from './listen.js';
export type { Listening } from './listen.js';
export { runService } from './run-service.js';
export type { RunningService, ServiceBasics, ServiceDefinition } from './run-service.js';
export { ConfirmPublisher, describe as describePublishFailure } from './confirm-publisher.js';
export type { ConfirmPublisherOptions, OutgoingMessage, PublishOutcome } from './confirm-publisher.js';
export { PublishError } from './publish-error.js';
export type { PublishFailure } from './publish-error.js';
export { recycleOnChannelError } from './channel-failure.js';
export { readIntSettings } from './settings.js';
export type { IntSetting, IntSettings } from './settings.js';
export { withinTime } from './within-time.js';
