import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import type { Logger } from 'pino';
import { INGEST_AUDIENCE, type TokenClaims } from '@wikicast/protocol';
import { beginExchange, BodyTooLargeError, PublishError, readBody, statusLine, TokenError, verifyToken, type Exchange, type WikiRegistry } from '@wikicast/service-runtime';
import { HttpError } from './http-error.js';
import type { TokenCache } from './token-cache.js';

/** What an authenticated JSON POST hands its route. */
export interface JsonPost {
  claims: TokenClaims;
  /** The token's wiki (`iss`). */
  wiki: string;
  body: unknown;
  log: Logger;
}

export interface JsonReply {
  status: number;
  body: unknown;
}

export interface JsonPostDeps {
  wikis: () => WikiRegistry;
  tokens: TokenCache;
  /** Longest a token may still be valid for (`exp` − now), in seconds. */
  maxTokenTtlS: number;
  logger: Logger;
  bodyLimitBytes: number;
  retryAfterS: number;
  /** Whether the service is draining: new work gets 503 `shutting_down`. */
  closing: () => boolean;
  /** Tracks requests in progress, so that shutdown can wait for them. */
  track: (work: Promise<unknown>) => void;
  /** Counts the response by route (the path: only registered paths get here) and status. */
  count: (route: string, status: number) => void;
}

let requestCounter = 0;

/**
 * The shared front of every ingest POST endpoint, in uWS's rules: `onAborted` first, request
 * data copied before any await, then 415/413 before reading, the body read while the token is
 * verified, JSON parsed; the route's reply (or HttpError) is written corked as `{code, message}`.
 */
export function handleJsonPost(res: HttpResponse, req: HttpRequest, deps: JsonPostDeps, route: (post: JsonPost) => Promise<JsonReply>): void {
  const exchange = beginExchange(res);
  const authorization = req.getHeader('authorization');
  const contentType = req.getHeader('content-type');
  const contentLength = req.getHeader('content-length');
  const url = req.getUrl();
  const requestId = ++requestCounter;
  // One child logger per request, made when first needed (most requests never log).
  let log: Logger | null = null;
  const logger = (): Logger => (log ??= deps.logger.child({ req: requestId, url }));
  let bodyRead = false;
  const reply: Reply = (status, body, headers) => {
    deps.count(url, status);
    // An answer given before the whole body arrived closes the connection: that stops the upload
    // and keeps the unread rest from being taken for the next request. While draining, closing
    // it sends the client's next request to another instance instead of into our exit.
    writeJson(exchange, status, body, headers ?? {}, !bodyRead || deps.closing());
  };
  try {
    if (deps.closing()) throw new HttpError('shutting_down', 'ingest is shutting down; retry on another instance', { 'retry-after': String(deps.retryAfterS) });
    if (!isJson(contentType)) throw new HttpError('unsupported_media_type', `content-type must be application/json, got ${JSON.stringify(contentType)}`);
    if (contentLength !== '' && Number(contentLength) > deps.bodyLimitBytes) throw new BodyTooLargeError(deps.bodyLimitBytes);
  } catch (err) {
    answerError(err, logger(), reply, requestId);
    return;
  }
  const work = Promise.all([readBody(exchange, deps.bodyLimitBytes), authenticate(authorization, deps)])
    .then(async ([raw, claims]) => {
      if (raw === null) return;
      bodyRead = true;
      log = deps.logger.child({ req: requestId, url, wiki: claims.iss });
      const post: JsonPost = { claims, wiki: claims.iss, body: parseJson(raw), log };
      const answer = await route(post);
      if (exchange.aborted) log.info({ status: answer.status }, 'client went away before the answer');
      reply(answer.status, answer.body);
    })
    .catch((err: unknown) => answerError(err, logger(), reply, requestId));
  deps.track(work);
}

function isJson(contentType: string): boolean {
  const type = contentType.split(';', 1)[0]!.trim().toLowerCase();
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

async function authenticate(header: string, deps: JsonPostDeps): Promise<TokenClaims> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (match === null) throw new HttpError('unauthorized', 'an Authorization: Bearer <token> header is required', { 'www-authenticate': 'Bearer' });
  const token = match[1]!;
  const cached = deps.tokens.get(token);
  if (cached !== undefined) return cached;
  const claims = await verifyToken(token, deps.wikis(), { audience: INGEST_AUDIENCE, allowMissingAudience: false });
  const ttlS = claims.exp - Math.floor(Date.now() / 1000);
  if (ttlS > deps.maxTokenTtlS) {
    throw new HttpError('unauthorized', `token is valid for ${ttlS} s more; ingest accepts tokens that expire within ${deps.maxTokenTtlS} s`, {
      'www-authenticate': 'Bearer',
    });
  }
  deps.tokens.set(token, claims);
  return claims;
}

/**
 * Fatal: `Buffer#toString` would replace invalid bytes with U+FFFD, and the event stored would not
 * be the one the wiki sent. `ignoreBOM` keeps a byte order mark in the text, where JSON.parse
 * refuses it as before (RFC 8259: senders must not add one).
 */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function parseJson(raw: Buffer): unknown {
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch (err) {
    throw new HttpError('bad_json', 'the body is not valid UTF-8', {}, {}, { cause: err });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new HttpError('bad_json', `the body is not valid JSON: ${(err as Error).message}`, {}, {}, { cause: err });
  }
}

type Reply = (status: number, body: unknown, headers?: Record<string, string>) => void;

function answerError(err: unknown, log: Logger, reply: Reply, requestId: number): void {
  if (err instanceof HttpError) {
    // A refusal while RabbitMQ cannot take writes is logged once, as a state change, by the broker
    // connection and counted per event in metrics; one line per refused request would flood the log.
    if (err.status >= 500 && !(err.cause instanceof PublishError)) log.warn({ code: err.code, status: err.status }, err.message);
    else log.debug({ code: err.code, status: err.status }, err.message);
    reply(err.status, { code: err.code, message: err.message, ...err.extra }, err.headers);
  } else if (err instanceof TokenError) {
    log.info({ reason: err.reason }, err.message);
    reply(401, { code: 'unauthorized', message: err.message }, { 'www-authenticate': 'Bearer' });
  } else if (err instanceof BodyTooLargeError) {
    log.info({ limit: err.limit }, err.message);
    reply(413, { code: 'payload_too_large', message: err.message });
  } else {
    log.error({ err }, 'request failed');
    reply(500, { code: 'internal', message: `an unexpected failure; it is logged as request ${requestId}` });
  }
}

function writeJson(exchange: Exchange, status: number, body: unknown, headers: Record<string, string>, closeConnection: boolean): void {
  if (exchange.aborted) return;
  const text = JSON.stringify(body);
  exchange.res.cork(() => {
    exchange.res.writeStatus(statusLine(status)).writeHeader('content-type', 'application/json');
    for (const [name, value] of Object.entries(headers)) exchange.res.writeHeader(name, value);
    exchange.res.end(text, closeConnection);
  });
}
