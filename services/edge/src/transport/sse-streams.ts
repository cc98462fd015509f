import { sendError, type Exchange, type WikiRegistry } from '@wikicast/service-runtime';
import type { Logger } from 'pino';
import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import type { EdgeConfig } from '../config.js';
import { EdgeError } from '../edge-error.js';
import type { Admission } from '../access/admission.js';
import { requestAddress, type TrustedProxies } from './client-address.js';
import type { Identity } from '../access/identity.js';
import type { EdgeMetrics } from '../metrics.js';
import { Session } from '../session.js';
import type { EventEncoder } from './sse-format.js';
import { SseSink } from './sse-sink.js';
import { KeepAlive } from './keep-alive.js';
import type { ResumingSubscriptions } from '../resume/resuming-subscriptions.js';
import type { Connections } from './connections.js';

export interface SseStreamsDeps {
  wikis: () => WikiRegistry;
  admission: Admission;
  /** Routing, token expiry and the connection metrics of each stream, from open to end. */
  connections: Connections;
  /** Subscribing as the WebSocket does: `since` (here `Last-Event-ID`) replays what was missed. */
  subscriptions: ResumingSubscriptions;
  metrics: EdgeMetrics;
  logger: Logger;
  /** `instance` names the edge in `welcome`; `sseHeartbeatS` spaces the comment heartbeats. */
  config: Pick<EdgeConfig, 'instance' | 'maxBufferedBytes' | 'maxTopicsPerConnection' | 'sseHeartbeatS'>;
  /** Proxies whose X-Forwarded-For names the client (stream reads are limited per client address). */
  trustedProxies: TrustedProxies;
  /** The newest cursor this edge has delivered, for `welcome`. */
  currentCursor: () => string | null;
  /** Why new connections are refused (draining), or `null`. */
  refusingReason: () => string | null;
}

/** What one SSE request asks for, read before uWS reuses the request; its checks come later. */
export interface SseAsk {
  /** Who the reader is: a token verified, or an anonymous reader admitted. EdgeError when refused. */
  admit: () => Promise<Identity>;
  /** Where to resume: a cursor or a time (`Last-Event-ID`, `?since=`); absent: live from now. */
  since: string | undefined;
  /** The topics to subscribe and the reader's encoder, for the admitted identity; EdgeError when refused. */
  plan: (identity: Identity) => { topics: string[]; encoder: EventEncoder };
  /** The `id:` of a fresh reader's `welcome`, from the edge's newest cursor. */
  welcomeId: (cursor: string) => string;
}

/**
 * EventSource clients send no credentials (the token is in the URL), so any page may read the
 * stream; without this header a wiki on another origin could not.
 */
export const CORS_HEADERS = { 'access-control-allow-origin': '*' };

/**
 * Answers a CORS preflight. `EventSource` itself never sends one (its GET is a simple request),
 * but a page that reads the stream with `fetch` and `Last-Event-ID` or `Authorization` headers does.
 */
export function preflight(res: HttpResponse): void {
  res.cork(() => {
    res
      .writeStatus('204 No Content')
      .writeHeader('access-control-allow-origin', CORS_HEADERS['access-control-allow-origin'])
      .writeHeader('access-control-allow-methods', 'GET, OPTIONS')
      .writeHeader('access-control-allow-headers', 'Last-Event-ID, Authorization, Cache-Control')
      .writeHeader('access-control-max-age', '86400')
      .end();
  });
}

/**
 * The open SSE streams of one edge, whichever route opened them: admitting them, writing their
 * headers and `welcome`, subscribing them, and their heartbeats (spread out, KeepAlive). Refusals are an HTTP
 * status with the JSON error body, before the stream starts.
 */
export class SseStreams {
  readonly #deps: SseStreamsDeps;
  readonly #open = new Set<SseSink>();
  /** Sessions derive their per-client logger from this one when they first log. */
  readonly #logger: Logger;

  constructor(deps: SseStreamsDeps) {
    this.#deps = deps;
    this.#logger = deps.logger.child({ transport: 'sse' });
    // Every stream gets its heartbeat once per period, a few streams at a time rather than all at once.
    new KeepAlive(() => this.#open, deps.config.sseHeartbeatS * 1000, (sink) => sink.ping()).start();
  }

  /** Opens a stream for the request `read` describes (`read` throws EdgeError for a bad request). */
  handle(res: HttpResponse, req: HttpRequest, read: (req: HttpRequest) => SseAsk): void {
    const exchange: Exchange = { res, aborted: false };
    let sink: SseSink | null = null;
    res.onAborted(() => {
      exchange.aborted = true;
      sink?.aborted();
    });
    const address = requestAddress(res, req, this.#deps.trustedProxies);
    const refusing = this.#deps.refusingReason();
    if (refusing !== null) return refuseDraining(exchange, refusing);
    let ask: SseAsk;
    try {
      ask = read(req);
    } catch (err) {
      if (err instanceof EdgeError) return this.#refuse(exchange, err);
      throw err;
    }
    ask
      .admit()
      .then((identity) => {
        if (exchange.aborted) return;
        // The edge began draining while the token was verified: this stream would miss the 1012 sweep.
        const draining = this.#deps.refusingReason();
        if (draining !== null) return refuseDraining(exchange, draining);
        const { topics, encoder } = ask.plan(identity);
        sink = this.#start(res, identity, topics, encoder, ask, address);
      })
      .catch((err: unknown) => {
        if (sink !== null) return this.#logger.error({ err }, 'starting an SSE stream failed');
        if (err instanceof EdgeError) return this.#refuse(exchange, err);
        this.#logger.error({ err }, 'verifying a token failed unexpectedly');
        sendError(exchange, 'internal', 'opening the stream failed', CORS_HEADERS);
      });
  }

  #refuse(exchange: Exchange, err: EdgeError): void {
    this.#logger.info({ code: err.code, reason: err.message }, 'SSE request refused');
    // Counted as the WebSocket counts the refusal it closes with 1008.
    if (err.code === 'unauthorized') this.#deps.metrics.disconnects.inc({ reason: 'unauthorized' });
    sendError(exchange, err.code, err.message, CORS_HEADERS);
  }

  /** Writes the headers and `welcome`, registers the session and subscribes it. */
  #start(res: HttpResponse, identity: Identity, topics: string[], encoder: EventEncoder, ask: SseAsk, address: string): SseSink {
    const deps = this.#deps;
    const { since } = ask;
    let session: Session | null = null;
    const sink: SseSink = new SseSink(res, {
      maxBufferedBytes: deps.config.maxBufferedBytes,
      encoder,
      onEnded: () => {
        this.#open.delete(sink);
        if (session !== null) this.#ended(session, sink);
      },
    });
    const opened = new Session(identity, sink, this.#logger, address);
    session = opened;
    this.#open.add(sink);
    res.cork(() => {
      res
        .writeStatus('200 OK')
        .writeHeader('content-type', 'text/event-stream')
        .writeHeader('cache-control', 'no-cache')
        // nginx and similar proxies buffer responses unless told not to.
        .writeHeader('x-accel-buffering', 'no')
        // Ended streams are not reused: a reconnect must be able to reach another edge (see SseSink.end).
        .writeHeader('connection', 'close')
        .writeHeader('access-control-allow-origin', CORS_HEADERS['access-control-allow-origin']);
      deps.connections.opened(opened);
      opened.logger.info({ anonymous: identity.anonymous, topics: topics.length <= 10 ? topics : `${topics.length} topics`, since, address }, 'connected');
      const cursor = deps.currentCursor();
      const welcome = { op: 'welcome', cid: identity.cid, edge: deps.config.instance, cursor } as const;
      // A fresh reader's `id` is where the edge is now, so an EventSource that reconnects before
      // its first event resumes from there; a resuming reader keeps the id it came with.
      if (since === undefined && cursor !== null) sink.writeFrameWithId(welcome, ask.welcomeId(cursor));
      else sink.writeFrame(welcome);
      deps.subscriptions.subscribe(opened, topics, since, () => opened.send({ op: 'subscribed', topics }));
    });
    return sink;
  }

  #ended(session: Session, sink: SseSink): void {
    // uWS cuts a reader that took nothing for its HTTP timeout: that reader was too slow.
    const reason = this.#deps.connections.ended(session, sink.backlogged ? 'too_slow' : 'client_closed');
    session.logger.info({ reason }, 'disconnected');
  }
}

function refuseDraining(exchange: Exchange, reason: string): void {
  sendError(exchange, 'shutting_down', reason, { 'retry-after': '1', ...CORS_HEADERS });
}
