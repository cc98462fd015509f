import type { HttpRequest, TemplatedApp } from 'uWebSockets.js';
import { EdgeError } from '../edge-error.js';
import { assertMaySubscribe, resolveTopics } from '../access/topics.js';
import { SseEncoder } from './sse-format.js';
import { preflight, type SseAsk, type SseStreams, type SseStreamsDeps } from './sse-streams.js';

export const SSE_PATH = '/v1/sse';

/**
 * `GET /v1/sse?topics=a,b&token=…` (or `?wiki=` for anonymous reading of a public wiki): the
 * WebSocket's identity, topics and permissions, as text/event-stream.
 */
export function registerSseRoute(app: TemplatedApp, streams: SseStreams, deps: Pick<SseStreamsDeps, 'admission' | 'wikis' | 'config'>): void {
  const encoder = new SseEncoder();
  app.get(SSE_PATH, (res, req) => streams.handle(res, req, (request) => readRequest(request, encoder, deps)));
  app.options(SSE_PATH, preflight);
}

function readRequest(req: HttpRequest, encoder: SseEncoder, deps: Pick<SseStreamsDeps, 'admission' | 'wikis' | 'config'>): SseAsk {
  const query = new URLSearchParams(req.getQuery() ?? '');
  const names = query
    .getAll('topics')
    .flatMap((value) => value.split(','))
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (names.length === 0) throw new EdgeError('invalid_topic', 'no topics: pass ?topics=a,b');
  // `Last-Event-ID`, else `?since=`, else `?lastEventId=` (for clients that cannot set headers).
  const since = req.getHeader('last-event-id') || query.get('since') || query.get('lastEventId') || undefined;
  const credentials = { token: query.get('token') || null, wiki: query.get('wiki') || null };
  return {
    admit: () => deps.admission.admit(credentials),
    since,
    plan: (identity) => {
      const topics = resolveTopics(names, identity.wiki, deps.wikis());
      assertMaySubscribe(topics, identity);
      const max = deps.config.maxTopicsPerConnection;
      if (topics.length > max) throw new EdgeError('forbidden', `at most ${max} topics per connection`);
      return { topics, encoder };
    },
    welcomeId: (cursor) => cursor,
  };
}
