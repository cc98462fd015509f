import type { Logger } from 'pino';
import {
  Broker,
  ConfirmPublisher,
  recycleOnChannelError,
  withinTime,
  createRegistry,
  declareTopology,
  listen,
  loadUws,
  topologyNames,
  WikisFile,
} from '@wikicast/service-runtime';
import type { IngestConfig } from './config.js';
import { EventIds } from './event-ids.js';
import { revokeRoute } from './control-route.js';
import { retractRoute } from './retract-route.js';
import { eventsRoute } from './events-route.js';
import { createIngestMetrics } from './metrics.js';
import { WikiRateLimiter } from './rate-limiter.js';
import { registerRoutes } from './routes.js';
import { TokenCache } from './token-cache.js';

export interface Ingest {
  /** The port actually bound (config port 0 picks a free one). */
  port: number;
  /** Re-reads WIKICAST_WIKIS_FILE; on a bad file keeps the wikis it had and returns false. */
  reloadWikis: () => boolean;
  /** Stops taking requests, lets in-flight ones get their confirms, closes the broker; idempotent. */
  close: () => Promise<void>;
}

/** Starts ingest: the broker connection (with recovery), the HTTP endpoints, listening. */
export async function startIngest(config: Readonly<IngestConfig>, logger: Logger): Promise<Ingest> {
  const uws = loadUws(config.allowUwsFallback);
  const wikisFile = new WikisFile(config.wikisFile, logger);
  const names = topologyNames(config.amqpPrefix);
  const registry = createRegistry('ingest', config.instance);
  let closing: Promise<void> | null = null;
  const inflight = new Set<Promise<unknown>>();
  const tokens = new TokenCache();
  // A remembered token was verified with a key that may be gone or changed.
  wikisFile.onReload(() => tokens.clear());

  const publisher = new ConfirmPublisher({
    appId: 'wikicast-ingest',
    window: config.unconfirmedWindow,
    timeoutMs: config.publishTimeoutMs,
    isBlocked: () => broker.blocked,
    logger,
  });
  const broker: Broker = new Broker({
    urls: config.amqpUrls,
    tls: config.amqpTls,
    connectionName: config.connectionName,
    logger,
    setup: async (model) => {
      // A refused declaration fails the setup: the broker retries, and /readyz says why meanwhile.
      const declaration = await declareTopology(model, names, { maxAge: config.streamMaxAge, maxLengthBytes: config.streamMaxBytes, replicas: config.streamReplicas });
      if (declaration === 'existing-replicas-kept') logger.info({ stream: names.log }, 'the stream was declared with another replica count than WIKICAST_STREAM_REPLICAS (or before it existed); its replicas are kept as they are');
      const channel = await model.createConfirmChannel();
      // A channel lost on a live connection recycles the connection, as the edges do.
      recycleOnChannelError(channel, 'confirm', logger, (reason) => {
        if (closing === null) broker.restart(reason);
      });
      publisher.attach(channel);
    },
  });
  const metrics = createIngestMetrics(registry, () => publisher.unconfirmed);
  const publishDeps = { publisher, metrics, retryAfterS: config.retryAfterS, ids: new EventIds() };

  const app = uws.App();
  registerRoutes(app, {
    post: {
      wikis: () => wikisFile.current,
      tokens,
      maxTokenTtlS: config.maxTokenTtlS,
      logger,
      bodyLimitBytes: config.bodyLimitBytes,
      retryAfterS: config.retryAfterS,
      closing: () => closing !== null,
      track: (work) => {
        inflight.add(work);
        void work.finally(() => inflight.delete(work));
      },
      count: (route, status) => metrics.requests.inc({ route, status: String(status) }),
    },
    events: eventsRoute({
      ...publishDeps,
      wikis: () => wikisFile.current,
      limiter: new WikiRateLimiter(config.ratePerWikiPerS, config.rateBurstEvents),
      maxBatchEvents: config.maxBatchEvents,
      exchange: names.events,
    }),
    revoke: revokeRoute({ ...publishDeps, exchange: names.control }),
    retract: retractRoute({ ...publishDeps, wikis: () => wikisFile.current, controlExchange: names.control, eventsExchange: names.events }),
    health: {
      notReadyReason: () => {
        if (closing !== null) return 'shutting down';
        if (!broker.up) return broker.downReason;
        if (!publisher.open) return 'confirm channel not open';
        if (broker.blocked) return 'broker blocked publishing (memory or disk alarm)';
        return null;
      },
      metrics: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
    },
  });

  await broker.start();
  const listening = await listen(uws, app, config.host, config.port);

  const close = async (): Promise<void> => {
    // Requests already admitted still publish; new ones are refused at the door (`closing`).
    uws.us_listen_socket_close(listening.socket);
    logger.info({ inflight: inflight.size, unconfirmed: publisher.unconfirmed }, 'closing: finishing requests in flight');
    const finished = await withinTime(Promise.allSettled([...inflight]), config.shutdownGraceMs);
    if (finished === 'timeout') logger.warn({ inflight: inflight.size }, 'closing: grace period over with requests still in flight');
    publisher.beginClosing();
    await broker.close();
    logger.info('closed');
  };

  return {
    port: listening.port,
    reloadWikis: () => wikisFile.reload(),
    close: () => (closing ??= close()),
  };
}
