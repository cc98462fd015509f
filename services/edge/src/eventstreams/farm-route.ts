import type { WikiRegistry } from '@wikicast/service-runtime';
import type { HttpRequest, TemplatedApp } from 'uWebSockets.js';
import { EdgeError } from '../edge-error.js';
import type { Admission } from '../access/admission.js';
import { anonymousFarmReader, type Identity } from '../access/identity.js';
import { parseResumePoint } from '../resume/resume-point.js';
import { preflight, type SseAsk, type SseStreams } from '../transport/sse-streams.js';
import { FarmEncoder, readsWiki, recentChangesTopic, type FarmTexts } from './farm-encoder.js';
import { parseFarmFilter, type FarmFilter } from './farm-filter.js';
import { sinceFromLastEventId } from './farm-position.js';
import { isStreamName, STREAMS, type StreamName } from './streams.js';

export const FARM_STREAM_PREFIX = '/v2/stream/';

export interface FarmRouteDeps {
  admission: Admission;
  wikis: () => WikiRegistry;
  /** The messages of each entry, shared by every reader of this edge. */
  texts: FarmTexts;
}

/**
 * `GET /v2/stream/{streams}`: Wikimedia's EventStreams interface for the whole farm (see
 * docs/eventstreams.md). Anonymous readers get every public wiki's events on one connection; a
 * token (`?token=` or `Authorization: Bearer`) adds what it may read of its own wiki. The
 * filters, permissions and the streams' shapes are applied per reader before anything is written.
 */
export function registerFarmRoute(app: TemplatedApp, streams: SseStreams, deps: FarmRouteDeps): void {
  app.get(`${FARM_STREAM_PREFIX}:streams`, (res, req) => streams.handle(res, req, (request) => readFarmRequest(request, deps)));
  app.options(`${FARM_STREAM_PREFIX}*`, preflight);
}

function readFarmRequest(req: HttpRequest, deps: FarmRouteDeps): SseAsk {
  const names = decodeURIComponent(req.getParameter(0) ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const wanted: StreamName[] = [];
  for (const name of names) {
    if (!isStreamName(name)) throw new EdgeError('not_found', `no stream ${JSON.stringify(name)}: this farm has ${Object.keys(STREAMS).join(', ')}`);
    if (!wanted.includes(name)) wanted.push(name);
  }
  if (wanted.length === 0) throw new EdgeError('not_found', `name a stream: /v2/stream/${Object.keys(STREAMS).join(',')}`);
  const query = new URLSearchParams(req.getQuery() ?? '');
  const filter = parseFarmFilter(query);
  const since = readSince(req, query, deps.texts.topic);
  const token = query.get('token') || bearerToken(req.getHeader('authorization'));
  return {
    admit: () => (token === null ? Promise.resolve(anonymousFarmReader()) : deps.admission.admit({ token, wiki: null })),
    since,
    plan: (identity) => ({ topics: farmTopics(identity, filter, deps.wikis()), encoder: new FarmEncoder(identity, wanted, filter, deps.wikis, deps.texts) }),
    welcomeId: (cursor) => deps.texts.farmId(cursor),
  };
}

/**
 * `Last-Event-ID` (what a reconnecting EventSource sends) wins over `?since=`, as in EventStreams;
 * `since` is an ISO-8601 time, milliseconds since the epoch, or a Wikicast cursor.
 */
function readSince(req: HttpRequest, query: URLSearchParams, topic: string): string | undefined {
  const lastEventId = req.getHeader('last-event-id');
  if (lastEventId !== '') return sinceFromLastEventId(lastEventId, topic);
  const since = query.get('since');
  if (since === null || since === '') return undefined;
  if (parseResumePoint(since) === null) throw new EdgeError('invalid_query', 'since must be an ISO-8601 time with a zone, milliseconds since the epoch, or a cursor');
  return since;
}

function bearerToken(header: string): string | null {
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match === null ? null : match[1]!;
}

/** The recent-changes topics of every wiki the reader sees and its `wiki` filter keeps; a named wiki it cannot read is refused. */
function farmTopics(identity: Identity, filter: FarmFilter, wikis: WikiRegistry): string[] {
  for (const wiki of filter.wikis ?? []) {
    if (!wikis.has(wiki)) throw new EdgeError('invalid_query', `wiki=${wiki}: no such wiki on this farm`);
    if (!readsWiki(identity, wiki, wikis)) throw new EdgeError('forbidden', `wiki ${JSON.stringify(wiki)} is not public: a token of that wiki is required`);
  }
  const topics: string[] = [];
  for (const { id } of wikis.all()) {
    if (readsWiki(identity, id, wikis) && (filter.wikis === null || filter.wikis.has(id))) topics.push(recentChangesTopic(id));
  }
  return topics;
}
