import { CloseCode, ErrorCodes, type ClosingErrorCode } from '@wikicast/protocol';
import { beginExchange, sendError, type Uws } from '@wikicast/service-runtime';
import type { Logger } from 'pino';
import type { TemplatedApp, WebSocket, WebSocketBehavior } from 'uWebSockets.js';
import type { ClientFrames } from '../frames/client-frames.js';
import { EdgeError, endsConnection } from '../edge-error.js';
import type { Admission } from '../access/admission.js';
import { requestAddress, type TrustedProxies } from './client-address.js';
import type { Credentials, Identity } from '../access/identity.js';
import type { DisconnectReason, EdgeMetrics } from '../metrics.js';
import { cutOffAsTooBig, payloadRefusal, uwsPayloadLength } from './payload-limit.js';
import { Session } from '../session.js';
import type { Connections } from './connections.js';
import { closeReasonText } from './sink.js';
import { WsSink } from './ws-sink.js';

/** WebSocket paths: SPEC's, and the seed's rewrite-style alias. */
export const WS_PATHS = ['/v1/ws', '/websocket'] as const;

/**
 * What uWS keeps per socket. The upgrade is accepted at once and the token verified in `open`
 * (see there): until then `credentials` and `early` are set, afterwards `session` (or nothing,
 * for a refused connection).
 */
interface SocketData {
  credentials: Credentials | null;
  /** The client's address, read in the upgrade (the request is gone by `open`). */
  address: string;
  /** Frames that came while the token was being verified, copied; handled in order once it is. */
  early: ArrayBuffer[] | null;
  session: Session | null;
  /** Why the connection was refused (an `error` frame, then its close code), for the disconnect metric. */
  refused: DisconnectReason | null;
  /** The close handler ran: uWS forbids touching the socket from now on. */
  ended: boolean;
}

/** Frames a client may send before its token is verified (a subscribe, a send or two); more: 4008. */
const MAX_EARLY_FRAMES = 16;

export interface WsRouteDeps {
  uws: Uws;
  admission: Admission;
  frames: ClientFrames;
  /** Routing, token expiry and the connection metrics of each session, from open to close. */
  connections: Connections;
  metrics: EdgeMetrics;
  logger: Logger;
  edgeId: string;
  maxPayloadBytes: number;
  maxBufferedBytes: number;
  /** uWS's own drop limit; above maxBufferedBytes (see WsSink). */
  maxBackpressureBytes: number;
  idleTimeoutS: number;
  /** Proxies whose X-Forwarded-For names the client (stream reads are limited per client address). */
  trustedProxies: TrustedProxies;
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
    // The edge pings itself, spread over time (KeepAlive): uWS's own pings come in bursts.
    sendPingsAutomatically: false,
    // The upgrade is accepted synchronously, inside uWS's own handler, and the token verified in
    // `open`. Upgrading later from an asynchronous token check needs res.cork, and in this uWS
    // build upgrading a corked response now and then left the new socket closed at once (1006).
    // Refusals end with an `error` frame and 1008 either way: browsers never see the HTTP status
    // of a failed upgrade.
    upgrade: (res, req, context) => {
      const refusing = deps.refusingReason();
      if (refusing !== null) {
        sendError(beginExchange(res), 'shutting_down', refusing, { 'retry-after': '1' });
        return;
      }
      const query = new URLSearchParams(req.getQuery() ?? '');
      const data: SocketData = {
        credentials: { token: query.get('token') || null, wiki: query.get('wiki') || null },
        address: requestAddress(res, req, deps.trustedProxies),
        early: [],
        session: null,
        refused: null,
        ended: false,
      };
      res.upgrade(data, req.getHeader('sec-websocket-key'), req.getHeader('sec-websocket-protocol'), req.getHeader('sec-websocket-extensions'), context);
    },
    open: (ws) => {
      const data = ws.getUserData();
      const credentials = data.credentials!;
      data.credentials = null;
      deps.admission.admit(credentials).then(
        (identity) => {
          if (data.ended) return;
          // The edge began draining while the token was verified: this session would miss the 1012 sweep.
          const draining = deps.refusingReason();
          if (draining !== null) return refuse(ws, new EdgeError('shutting_down', draining), deps.logger);
          ws.cork(() => admit(ws, identity, deps));
        },
        (err: unknown) => {
          if (data.ended) return;
          if (err instanceof EdgeError && endsConnection(err)) return refuse(ws, err, deps.logger);
          deps.logger.error({ err }, 'verifying a token failed unexpectedly');
          refuse(ws, new EdgeError('internal', 'verifying the token failed'), deps.logger);
        },
      );
    },
    message: (ws, message, isBinary) => {
      const data = ws.getUserData();
      const session = data.session;
      if (session !== null) {
        if (!session.closed) handleFrame(session, message, isBinary, deps);
        return;
      }
      const early = data.early;
      if (early === null) return;
      if (early.length < MAX_EARLY_FRAMES) {
        // uWS lends the message only for this call.
        early.push(message.slice(0));
        return;
      }
      refuse(ws, new EdgeError('rate_limited', `more than ${MAX_EARLY_FRAMES} frames before the token was verified`), deps.logger);
    },
    close: (ws, code, message) => {
      const data = ws.getUserData();
      data.ended = true;
      const session = data.session;
      if (session === null) {
        deps.metrics.disconnects.inc({ reason: data.refused ?? reasonFromCode(code) });
        return;
      }
      (session.sink as WsSink<SocketData>).markClosed();
      const reason = deps.connections.ended(session, cutOffAsTooBig(code, message) ? 'too_big' : reasonFromCode(code));
      session.logger.info({ code, reason, message: Buffer.from(message).toString('utf8') }, 'disconnected');
      data.session = null;
    },
  };
  for (const path of WS_PATHS) app.ws(path, behavior);
}

/** The token was verified: the session begins, `welcome` first, then the frames that came early. */
function admit(ws: WebSocket<SocketData>, identity: Identity, deps: WsRouteDeps): void {
  const data = ws.getUserData();
  const session = new Session(identity, new WsSink(ws, deps.maxBufferedBytes), deps.logger, data.address);
  data.session = session;
  deps.connections.opened(session);
  deps.logger.info({ cid: identity.cid, wiki: identity.wiki, user: identity.user, anonymous: identity.anonymous, address: data.address }, 'connected');
  session.send({ op: 'welcome', cid: identity.cid, edge: deps.edgeId, cursor: deps.currentCursor() });
  const early = data.early ?? [];
  data.early = null;
  for (const message of early) if (!session.closed) handleFrame(session, message, false, deps);
}

function refuse(ws: WebSocket<SocketData>, refusal: EdgeError<ClosingErrorCode>, logger: Logger): void {
  const { close, disconnectReason } = ErrorCodes[refusal.code];
  const data = ws.getUserData();
  data.refused = disconnectReason;
  data.early = null;
  logger.info({ code: refusal.code, reason: refusal.message }, 'connection refused');
  ws.cork(() => {
    ws.send(JSON.stringify({ op: 'error', code: refusal.code, message: refusal.message }), false, false);
    ws.end(close, closeReasonText(refusal.message));
  });
}

function handleFrame(session: Session, message: ArrayBuffer, isBinary: boolean, deps: WsRouteDeps): void {
  const tooBig = payloadRefusal(message.byteLength, deps.maxPayloadBytes);
  if (tooBig !== null) {
    session.logger.info({ bytes: message.byteLength }, 'frame too big; closing with 1009');
    session.fail(tooBig);
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
}

/** The reason for a close the edge did not start itself. */
function reasonFromCode(code: number): DisconnectReason {
  if (code === CloseCode.tooBig) return 'too_big';
  if (code === 1000 || code === 1001 || code === 1005) return 'client_closed';
  return 'abnormal';
}
