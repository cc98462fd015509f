import type { HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { beginExchange, registerHealthRoutes, sendError, type HealthRoutes } from '@wikicast/service-runtime';
import { handleJsonPost, type JsonPost, type JsonPostDeps, type JsonReply } from './json-post.js';

export interface IngestRoutes {
  post: JsonPostDeps;
  events: (post: JsonPost) => Promise<JsonReply>;
  revoke: (post: JsonPost) => Promise<JsonReply>;
  retract: (post: JsonPost) => Promise<JsonReply>;
  health: HealthRoutes;
}

/** Every ingest endpoint; anything else is a JSON 404, a known path with another method a 405. */
export function registerRoutes(app: TemplatedApp, routes: IngestRoutes): void {
  app.post('/v1/events', (res, req) => handleJsonPost(res, req, routes.post, routes.events));
  app.any('/v1/events', (res) => methodNotAllowed(res, 'POST'));
  app.post('/v1/control/revoke', (res, req) => handleJsonPost(res, req, routes.post, routes.revoke));
  app.any('/v1/control/revoke', (res) => methodNotAllowed(res, 'POST'));
  app.post('/v1/control/retract', (res, req) => handleJsonPost(res, req, routes.post, routes.retract));
  app.any('/v1/control/retract', (res) => methodNotAllowed(res, 'POST'));
  registerHealthRoutes(app, routes.health);
  for (const path of ['/healthz', '/readyz', '/metrics']) app.any(path, (res) => methodNotAllowed(res, 'GET'));
  app.any('/*', (res, req) => {
    sendError(beginExchange(res), 'not_found', `no endpoint ${req.getMethod().toUpperCase()} ${req.getUrl()}`);
  });
}

function methodNotAllowed(res: HttpResponse, allow: string): void {
  sendError(beginExchange(res), 'method_not_allowed', `this endpoint accepts ${allow} only`, { allow });
}
