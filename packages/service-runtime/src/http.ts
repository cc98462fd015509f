import type { HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { ErrorCodes, type ErrorBody, type ErrorCode } from '@wikicast/protocol';

const STATUS_TEXT: Record<number, string> = {
  200: '200 OK',
  202: '202 Accepted',
  204: '204 No Content',
  207: '207 Multi-Status',
  400: '400 Bad Request',
  401: '401 Unauthorized',
  403: '403 Forbidden',
  404: '404 Not Found',
  405: '405 Method Not Allowed',
  413: '413 Payload Too Large',
  415: '415 Unsupported Media Type',
  429: '429 Too Many Requests',
  500: '500 Internal Server Error',
  503: '503 Service Unavailable',
};

export function statusLine(status: number): string {
  return STATUS_TEXT[status] ?? `${status} Status`;
}

/** Tracks whether the client went away; uWS forbids touching an aborted response. */
export interface Exchange {
  res: HttpResponse;
  aborted: boolean;
}

/** Registers `onAborted` first, as uWS requires before any asynchronous work. */
export function beginExchange(res: HttpResponse): Exchange {
  const exchange: Exchange = { res, aborted: false };
  res.onAborted(() => {
    exchange.aborted = true;
  });
  return exchange;
}

export function sendJson(exchange: Exchange, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (exchange.aborted) return;
  const text = JSON.stringify(body);
  exchange.res.cork(() => {
    exchange.res.writeStatus(statusLine(status)).writeHeader('content-type', 'application/json');
    for (const [name, value] of Object.entries(headers)) exchange.res.writeHeader(name, value);
    exchange.res.end(text);
  });
}

/** `{code, message}` with the HTTP status the error registry binds to `code`. */
export function sendError(exchange: Exchange, code: ErrorCode, message: string, headers?: Record<string, string>): void {
  const body: ErrorBody = { code, message };
  sendJson(exchange, ErrorCodes[code].status, body, headers);
}

export class BodyTooLargeError extends Error {
  readonly code = 'payload_too_large';
  constructor(readonly limit: number) {
    super(`body is larger than ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/**
 * Reads the whole request body up to `limit` bytes. uWS hands out chunks that are only valid
 * during the callback, so each one is copied. Resolves `null` if the client aborted.
 */
export function readBody(exchange: Exchange, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    exchange.res.onData((chunk, isLast) => {
      if (failed) return;
      size += chunk.byteLength;
      if (size > limit) {
        failed = true;
        reject(new BodyTooLargeError(limit));
        return;
      }
      chunks.push(Buffer.from(chunk.slice(0)));
      if (isLast) resolve(Buffer.concat(chunks, size));
    });
    const poll = (): void => {
      if (exchange.aborted && !failed) resolve(null);
    };
    exchange.res.onAborted(() => {
      exchange.aborted = true;
      poll();
    });
  });
}

export interface HealthRoutes {
  /** Why the service is not ready, or `null` when it is. */
  notReadyReason: () => string | null;
  metrics: () => Promise<{ contentType: string; body: string }>;
}

/** `/healthz` (alive), `/readyz` (dependencies up), `/metrics` (Prometheus text). */
export function registerHealthRoutes(app: TemplatedApp, routes: HealthRoutes): void {
  app.get('/healthz', (res) => {
    sendJson(beginExchange(res), 200, { status: 'ok' });
  });
  app.get('/readyz', (res) => {
    const reason = routes.notReadyReason();
    const exchange = beginExchange(res);
    if (reason === null) sendJson(exchange, 200, { status: 'ready' });
    else sendJson(exchange, 503, { status: 'not_ready', reason });
  });
  app.get('/metrics', (res) => {
    const exchange = beginExchange(res);
    routes.metrics().then(
      ({ contentType, body }) => {
        if (exchange.aborted) return;
        res.cork(() => {
          res.writeStatus('200 OK').writeHeader('content-type', contentType).end(body);
        });
      },
      (err: unknown) => sendError(exchange, 'internal', `metrics failed: ${(err as Error).message}`),
    );
  });
}
