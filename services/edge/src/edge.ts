import {
  Broker,
  createRegistry,
  declareTopology,
  listen,
  loadUws,
  registerHealthRoutes,
  beginExchange,
  sendError,
  topologyNames,
  WikisFile,
} from '@wikicast/service-runtime';
import type { Logger } from 'pino';
import { BACKPRESSURE_CHECK_INTERVAL_MS, BACKPRESSURE_HEADROOM_BYTES, MAX_SENDS_IN_FLIGHT, CATCH_UP_TIMEOUT_MS, CONTROL_CATCH_UP_TIMEOUT_MS, MAX_HELD_EVENTS, REPLAY_PREFETCH, type EdgeConfig } from './config.js';
import { TrustedProxies } from './transport/client-address.js';
import { ClientFrames } from './frames/client-frames.js';
import { ClientSends } from './frames/client-sends.js';
import { Connections } from './transport/connections.js';
import { EdgePublisher } from './broker/edge-publisher.js';
import { ControlConsumer } from './broker/control-consumer.js';
import { drain } from './drain.js';
import { undeliverableReason } from './broker/log-entry.js';
import { createEdgeMetrics } from './metrics.js';
import { DEFAULT_REVOKE_REASON, revokeSessions } from './access/revocation.js';
import { RevokedTokens } from './access/revoked-tokens.js';
import { Admission } from './access/admission.js';
import { Router } from './router.js';
import { LiveLog } from './resume/live-log.js';
import { registerSseRoute } from './transport/sse-route.js';
import { SseStreams } from './transport/sse-streams.js';
import { registerFarmRoute } from './eventstreams/farm-route.js';
import { FarmTexts } from './eventstreams/farm-encoder.js';
import { StreamConsumer } from './broker/stream-consumer.js';
import { StreamReadSlots } from './resume/stream-read-slots.js';
import { ResumingSubscriptions } from './resume/resuming-subscriptions.js';
import { SendRateLimiter } from './frames/send-rate.js';
import type { Session } from './session.js';
import { closeExpired, TokenExpiry } from './access/token-expiry.js';
import { TokenRefresh } from './access/token-refresh.js';
import { applyIdentityChange } from './access/identity-change.js';
import { registerWsRoutes } from './transport/ws-route.js';
import { KeepAlive } from './transport/keep-alive.js';
import { closeDisowned } from './access/wikis-reload.js';
import { Retractions } from './retraction/retractions.js';
import { randomUUID } from 'node:crypto';
import { Presence } from './presence/presence.js';
import { PresenceBus } from './presence/presence-bus.js';

export interface Edge {
  port: number;
  /** Stops accepting, closes every client (1012) and the broker connection. Idempotent. */
  close: () => Promise<void>;
  /**
   * Re-reads WIKICAST_WIKIS_FILE (SIGHUP); on a bad file keeps the wikis it had and returns false.
   * Connections the new wikis no longer admit are closed (see wikis-reload.ts).
   */
  reloadWikis: () => boolean;
}

/** Starts one edge: HTTP and WebSocket on `config.port`, the broker connection in the background. */
export async function startEdge(config: Readonly<EdgeConfig>, logger: Logger): Promise<Edge> {
  const uws = loadUws(config.allowUwsFallback);
  const wikisFile = new WikisFile(config.wikisFile, logger);
  const wikis = () => wikisFile.current;
  const registry = createRegistry('edge', config.instance);
  const metrics = createEdgeMetrics(registry);
  const names = topologyNames(config.amqpPrefix);
  const app = uws.App();
  const router = new Router(app, metrics, BACKPRESSURE_HEADROOM_BYTES / 2);
  const revokedTokens = new RevokedTokens(config.revocationMemoryS * 1000);
  const admission = new Admission(wikis, revokedTokens);
  const live = new LiveLog(config.recentEvents);
  // Kept as long as the events stream may still hold what a retraction names.
  const retractions = new Retractions(config.retractionMemoryMs);
  let closing: Promise<void> | null = null;

  const consumer = new StreamConsumer({
    queue: names.log,
    prefetch: config.streamPrefetch,
    logger: logger.child({ component: 'stream' }),
    onEntry: (consumed) => {
      const entry = retractions.redact(consumed);
      live.append(entry);
      router.deliver(entry);
    },
    onInvalid: (offset, topic, reason) => {
      metrics.invalidMessages.inc();
      live.skip(offset, topic, reason);
      if (topic !== null) router.reset(topic, undeliverableReason(reason));
    },
    onChannelFailure: (reason) => broker.restart(reason),
  });
  const control = new ControlConsumer({
    exchange: names.control,
    stream: names.controlLog,
    historyMs: Math.max(config.revocationMemoryS * 1000, config.retractionMemoryMs),
    catchUpTimeoutMs: CONTROL_CATCH_UP_TIMEOUT_MS,
    logger: logger.child({ component: 'control' }),
    onMessage: (message) => {
      if (message.op === 'retract') {
        if (!retractions.note(message)) return;
        live.recent.replaceAll((entry) => retractions.redact(entry));
        metrics.retractions.set(retractions.size);
        logger.info({ id: message.id, wiki: message.wiki, revisions: message.revisions?.length ?? 0, logs: message.logs?.length ?? 0 }, 'retraction applied');
        return;
      }
      revokedTokens.note(message, message.reason ?? DEFAULT_REVOKE_REASON);
      const closed = revokeSessions(router.sessions, message);
      logger.info({ id: message.id, wiki: message.wiki, user: message.user, cid: message.cid, closed }, 'revocation applied');
    },
    onChannelFailure: (reason) => broker.restart(reason),
  });
  const publisher = new EdgePublisher({
    exchange: names.events,
    timeoutMs: config.sendConfirmTimeoutMs,
    maxInFlight: MAX_SENDS_IN_FLIGHT,
    isBlocked: () => broker.blocked,
    logger: logger.child({ component: 'send' }),
    onChannelFailure: (reason) => broker.restart(reason),
  });
  // A run id: a restarted edge is another presence source, and its predecessor's members expire.
  const presenceEdge = `${config.instance}#${randomUUID().slice(0, 8)}`;
  const presence = new Presence({
    edge: presenceEdge,
    logger: logger.child({ component: 'presence' }),
    onSize: (local, cluster) => {
      metrics.presenceMembers.set({ scope: 'local' }, local);
      metrics.presenceMembers.set({ scope: 'cluster' }, cluster);
    },
  });
  const presenceBus = new PresenceBus({
    exchange: names.presence,
    edge: presenceEdge,
    logger: logger.child({ component: 'presence' }),
    onMessage: (message) => presence.receive(message),
    onAttached: () => presence.attached(),
    onChannelFailure: (reason) => broker.restart(reason),
    count: (direction, bytes) => {
      metrics.presenceMessages.inc({ direction });
      metrics.presenceBytes.inc({ direction }, bytes);
    },
  });
  presence.start(presenceBus);
  const expiry = new TokenExpiry<Session>(closeExpired);
  const broker = new Broker({
    urls: config.amqpUrls,
    tls: config.amqpTls,
    connectionName: config.connectionName,
    logger: logger.child({ component: 'broker' }),
    // A failed step fails the setup: the broker retries, and /readyz says why meanwhile.
    setup: async (model) => {
      const declaration = await declareTopology(model, names, { maxAge: config.streamMaxAge, maxLengthBytes: config.streamMaxBytes, replicas: config.streamReplicas });
      if (declaration === 'existing-replicas-kept') logger.info({ stream: names.log }, 'the stream was declared with another replica count than WIKICAST_STREAM_REPLICAS (or before it existed); its replicas are kept as they are');
      await consumer.attach(model);
      await publisher.attach(model);
      await control.attach(model);
      await presenceBus.attach(model);
    },
  });

  const subscriptions = new ResumingSubscriptions({
    router,
    live,
    metrics,
    logger,
    queue: names.log,
    replayPrefetch: REPLAY_PREFETCH,
    replayBacklogBytes: config.maxBufferedBytes / 2,
    model: () => broker.model,
    heldLimit: MAX_HELD_EVENTS,
    redact: (entry) => retractions.redact(entry),
    catchUpTimeoutMs: CATCH_UP_TIMEOUT_MS,
    slots: new StreamReadSlots({ total: config.maxStreamReads, perAddress: config.maxStreamReadsPerAddress }, (running, waiting) => {
      metrics.streamReads.set({ state: 'running' }, running);
      metrics.streamReads.set({ state: 'waiting' }, waiting);
    }),
  });
  const trustedProxies = new TrustedProxies(config.trustedProxies);
  const frames = new ClientFrames({ wikis, subscriptions, router, presence, maxTopicsPerConnection: config.maxTopicsPerConnection,
    sends: new ClientSends({ wikis, publisher, limiter: new SendRateLimiter<Session>(config.sendRatePerS, config.sendBurst) }),
    refresh: new TokenRefresh({ admission, expiry, afterRefresh: (session, previous) => applyIdentityChange(session, previous, { router, presence }) }),
  });
  const connections = new Connections({ router, expiry, metrics, presence });
  wikisFile.onReload((current) => {
    const closed = closeDisowned(router.sessions, current);
    if (closed > 0) logger.info({ closed }, 'connections of removed wikis or keys closed');
  });
  const refusingReason = (): string | null => (closing === null ? null : 'this edge is shutting down; connect to another');
  registerWsRoutes(app, {
    uws,
    admission,
    frames,
    connections,
    metrics,
    logger,
    edgeId: config.instance,
    maxPayloadBytes: config.maxPayloadBytes,
    maxBufferedBytes: config.maxBufferedBytes,
    maxBackpressureBytes: config.maxBufferedBytes + BACKPRESSURE_HEADROOM_BYTES,
    idleTimeoutS: config.idleTimeoutS,
    trustedProxies,
    currentCursor: () => live.cursor,
    refusingReason,
  });
  const sseStreams = new SseStreams({
    wikis,
    admission,
    connections,
    subscriptions,
    metrics,
    logger,
    config,
    trustedProxies,
    currentCursor: () => live.cursor,
    refusingReason,
  });
  registerSseRoute(app, sseStreams, { admission, wikis, config });
  registerFarmRoute(app, sseStreams, { admission, wikis, texts: new FarmTexts(names.log) });
  registerHealthRoutes(app, {
    notReadyReason: () => {
      if (closing !== null) return 'shutting down';
      if (!broker.up) return broker.downReason;
      if (!consumer.active) return 'stream consumer not active';
      if (!control.active) return 'control consumer not active';
      return null;
    },
    metrics: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
  });
  app.any('/*', (res) => sendError(beginExchange(res), 'not_found', 'no such endpoint'));

  const listening = await listen(uws, app, config.host, config.port);
  await broker.start();
  const sweep = setInterval(() => router.sweepIfPublished(), BACKPRESSURE_CHECK_INTERVAL_MS);
  sweep.unref();
  // Half the idle timeout: a connection is pinged about twice before uWS would close it as silent;
  // a client's pong, like any frame it sends, restarts uWS's idle timer.
  const stopPings = new KeepAlive(() => router.sessions, (config.idleTimeoutS * 1000) / 2, (session) => session.sink.keepAlive()).start();

  const close = async (): Promise<void> => {
    clearInterval(sweep);
    stopPings();
    await drain({
      stopAccepting: () => uws.us_listen_socket_close(listening.socket),
      sessions: () => router.sessions,
      // Client sends awaiting RabbitMQ's confirm.
      inFlight: [() => publisher.idle()],
      closeBroker: () => {
        consumer.stop();
        presence.stop();
        return broker.close();
      },
      timeoutMs: config.drainTimeoutS * 1000,
      logger,
    });
  };
  return {
    port: listening.port,
    close: () => (closing ??= close()),
    reloadWikis: () => wikisFile.reload(),
  };
}
