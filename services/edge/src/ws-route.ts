import { CloseCode } from '@wikicast/protocol';
import { beginExchange, sendError, type Uws } from '@wikicast/service-runtime';
import type { Logger } from 'pino';
import type { TemplatedApp, WebSocket, WebSocketBehavior } from 'uWebSockets.js';
import type { ClientFrames } from './client-frames.js';
import { EdgeError } from './edge-error.js';
import type { Admission } from './admission.js';
import type { Identity } from './identity.js';
import type { DisconnectReason, EdgeMetrics } from './metrics.js';
import type { Router } from './router.js';
import { cutOffAsTooBig, payloadRefusal, uwsPayloadLength } from './payload-limit.js';
import { Session } from './session.js';
import type { TokenExpiry } from './token-expiry.js';
import { closeReasonText } from './sink.js';
import { WsSink } from './ws-sink.js';

/** WebSocket paths: SPEC's, and the seed's rewrite-style alias. */
export const WS_PATHS = ['/v1/ws', '/websocket'] as const;

/** What uWS keeps per socket: the upgrade's verdict, then the session once open. */
interface SocketData {
  identity: Identity | null;
  refusal: EdgeError | null;
  session: Session | null;
  /** The `welcome` frame until it is written (see `open`). */
  welcome: string | null;
  /** The close handler ran: uWS forbids touching the socket from now on. */
  ended: boolean;
}

export interface WsRouteDeps {
  uws: Uws;
  admission: Admission;
  router: Router;
  frames: ClientFrames;
  /** Closes connections whose token expires (4001); a session is watched from open to close. */
  expiry: TokenExpiry<Session>;
  metrics: EdgeMetrics;
  logger: Logger;
  edgeId: string;
  maxPayloadBytes: number;
  maxBufferedBytes: number;
  /** uWS's own drop limit; above maxBufferedBytes (see WsSink). */
  maxBackpressureBytes: number;
  idleTimeoutS: number;
  /** The newest cursor this edge has delivered, for `welcome`. */
  currentCursor: () => string | null;
  /** Why new connections are refused (draining), or `null`. */
  refusingReason: () => string | null;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function registerWsRoutes(app: TemplatedApp, deps: WsRouteDeps): void {
  const behavior: WebSocketBehavior<SocketData> = {
    // Frames are small JSON; per-socket deflate would cost more CPU than the bytes it saves.
    compression: deps.uws.DISABLED,
    maxPayloadLength: uwsPayloadLength(deps.maxPayloadBytes),
    maxBackpressure: deps.maxBackpressureBytes,
    idleTimeout: deps.idleTimeoutS,
    sendPingsAutomatically: true,
    upgrade: (res, req, context) => {
      const exchange = beginExchange(res);
      // uWS reuses the request once this handler returns: copy everything before verifying.
      const query = new URLSearchParams(req.getQuery() ?? '');
      const key = req.getHeader('sec-websocket-key');
      const protocol = req.getHeader('sec-websocket-protocol');
      const extensions = req.getHeader('sec-websocket-extensions');
      const refusing = deps.refusingReason();
      if (refusing !== null) {
        sendError(exchange, 503, 'shutting_down', refusing, { 'retry-after': '1' });
        return;
      }
      // Promise continuations can run inside another socket's uWS callback (uWS.js drains
      // microtasks there), with that socket corked; a fresh macrotask upgrades from uWS's top level.
      const upgrade = (data: SocketData): void => {
        setImmediate(() => {
          if (exchange.aborted) return;
          // The edge began draining while the token was verified: this session would miss the 1012 sweep.
          const draining = deps.refusingReason();
          if (draining !== null) return sendError(exchange, 503, 'shutting_down', draining, { 'retry-after': '1' });
          res.cork(() => res.upgrade(data, key, protocol, extensions, context));
        });
      };
      deps.admission.admit({ token: query.get('token') || null, wiki: query.get('wiki') || null }).then(
        (identity) => upgrade({ identity, refusal: null, session: null, welcome: null, ended: false }),
        (err: unknown) => {
          // Refusals are upgraded and then closed with 1008: browsers never see an HTTP status of a failed upgrade.
          if (err instanceof EdgeError) {
            upgrade({ identity: null, refusal: err, session: null, welcome: null, ended: false });
            return;
          }
          deps.logger.error({ err }, 'verifying a token failed unexpectedly');
          sendError(exchange, 500, 'internal', 'verifying the token failed');
        },
      );
    },
    // `open` runs inside the upgrade's res.cork. In this uWS build, writing to the new socket
    // there now and then left it closed at once (1006), so the first frame (welcome, or the
    // refusal) is written on the next turn, or before the answer to the client's first frame.
    open: (ws) => {
      const data = ws.getUserData();
      if (data.identity === null) {
        const refusal = data.refusal ?? new EdgeError('unauthorized', 'not authenticated', { closeCode: CloseCode.policy });
        deps.logger.info({ code: refusal.code, reason: refusal.message }, 'connection refused');
        setImmediate(() => {
          if (data.ended) return;
          ws.cork(() => {
            ws.send(JSON.stringify({ op: 'error', code: refusal.code, message: refusal.message }), false, false);
            ws.end(refusal.closeCode ?? CloseCode.policy, closeReasonText(refusal.message));
          });
        });
        return;
      }
      openSession(ws, data.identity, deps);
      setImmediate(() => sendWelcome(data));
    },
    message: (ws, message, isBinary) => {
      const data = ws.getUserData();
      const session = data.session;
      if (session === null || session.closed) return;
      sendWelcome(data);
      const tooBig = payloadRefusal(message.byteLength, deps.maxPayloadBytes);
      if (tooBig !== null) {
        session.logger.info({ bytes: message.byteLength }, 'frame too big; closing with 1009');
        session.fail(tooBig, 'too_big', CloseCode.tooBig);
        return;
      }
      let text: string;
      try {
        text = utf8.decode(message);
      } catch (err) {
        session.sendError(new EdgeError('bad_json', `frame is not UTF-8 text: ${(err as Error).message}`));
        return;
      }
      if (isBinary) session.logger.trace('binary frame read as text');
      deps.frames.handle(session, text);
    },
    close: (ws, code, message) => {
      const data = ws.getUserData();
      data.ended = true;
      const session = data.session;
      if (session === null) {
        deps.metrics.disconnects.inc({ reason: 'unauthorized' });
        return;
      }
      (session.sink as WsSink<SocketData>).markClosed();
      deps.expiry.forget(session);
      deps.router.remove(session);
      const reason = session.closeReason ?? (cutOffAsTooBig(code, message) ? 'too_big' : reasonFromCode(code));
      deps.metrics.connections.dec({ transport: 'ws' });
      deps.metrics.disconnects.inc({ reason });
      session.logger.info({ code, reason, message: Buffer.from(message).toString('utf8') }, 'disconnected');
      data.session = null;
    },
  };
  for (const path of WS_PATHS) app.ws(path, behavior);
}

function openSession(ws: WebSocket<SocketData>, identity: Identity, deps: WsRouteDeps): void {
  const sink = new WsSink(ws, deps.maxBufferedBytes, noteTooSlow);
  const session = new Session(identity, sink, deps.logger);
  ws.getUserData().session = session;
  deps.router.add(session);
  deps.expiry.watch(session, identity.expiresAtMs);
  deps.metrics.connections.inc({ transport: 'ws' });
  deps.logger.info({ cid: identity.cid, wiki: identity.wiki, user: identity.user, anonymous: identity.anonymous }, 'connected');
  ws.getUserData().welcome = JSON.stringify({ op: 'welcome', cid: identity.cid, edge: deps.edgeId, cursor: deps.currentCursor() });
}

function noteTooSlow(ws: WebSocket<SocketData>): void {
  const session = ws.getUserData().session;
  if (session === null) return;
  session.closeReason ??= 'too_slow';
  session.logger.info('too slow to read; closing with 4009');
}

function sendWelcome(data: SocketData): void {
  const welcome = data.welcome;
  if (welcome === null || data.session === null) return;
  data.welcome = null;
  data.session.sink.write(welcome);
}

/** The reason for a close the edge did not start itself. */
function reasonFromCode(code: number): DisconnectReason {
  if (code === CloseCode.tooBig) return 'too_big';
  if (code === 1000 || code === 1001 || code === 1005) return 'client_closed';
  return 'abnormal';
}
