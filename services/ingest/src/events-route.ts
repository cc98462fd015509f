import { ErrorCodes } from '@wikicast/protocol';
import type { EventIds } from './event-ids.js';
import { HttpError } from './http-error.js';
import { prepareEvents, type InvalidEvent } from './prepare-events.js';
import type { JsonPost, JsonReply } from './json-post.js';
import { describePublishFailure as describe, PublishError, type WikiRegistry } from '@wikicast/service-runtime';
import { publishOrRefuse, refusedError, type PublishDeps } from './publish-or-refuse.js';
import type { WikiRateLimiter } from './rate-limiter.js';
import type { IngestMetrics } from './metrics.js';

export interface EventsRouteDeps extends PublishDeps {
  wikis: () => WikiRegistry;
  limiter: WikiRateLimiter;
  ids: EventIds;
  metrics: IngestMetrics;
  maxBatchEvents: number;
  /** The fanout exchange every event goes to. */
  exchange: string;
}

/**
 * `POST /v1/events`: one event or an array. Answers
 * 202 `{accepted}` when every event was confirmed, 207 `{accepted, invalid}` when some were
 * refused and the rest confirmed, 400/403 `{code, message, accepted: [], invalid}` when none was
 * valid, and 503 `{code, message, accepted, unconfirmed, invalid}` when RabbitMQ did not confirm.
 */
export function eventsRoute(deps: EventsRouteDeps): (post: JsonPost) => Promise<JsonReply> {
  return async ({ wiki, body, log }) => {
    const count = Array.isArray(body) ? body.length : 1;
    if (count === 0) throw new HttpError('invalid_event', 'the batch is empty: send one event or an array of 1 or more');
    if (count > deps.maxBatchEvents) {
      throw new HttpError('payload_too_large', `the batch has ${count} events; at most ${deps.maxBatchEvents} per request`);
    }
    // Refuse at once while RabbitMQ cannot take anything, before the request costs rate tokens.
    const down = deps.publisher.refusal(0);
    if (down !== null) {
      deps.metrics.events.inc({ wiki, result: 'unavailable' }, count);
      throw refusedError(new PublishError(down, describe(down)), deps.retryAfterS);
    }
    const waitS = deps.limiter.take(wiki, count);
    if (waitS > 0) {
      deps.metrics.events.inc({ wiki, result: 'rate_limited' }, count);
      throw new HttpError('rate_limited', `wiki "${wiki}" is over its rate limit; retry in ${waitS} s`, { 'retry-after': String(waitS) });
    }
    const registry = deps.wikis();
    const prepared = prepareEvents(body, { wiki, isKnownWiki: (id) => registry.has(id), newId: () => deps.ids.next(), now: () => new Date() });
    countRefusals(deps.metrics, wiki, prepared.invalid);
    const extra = prepared.batch || prepared.invalid.length > 0 ? { invalid: prepared.invalid } : {};
    if (prepared.events.length === 0) throw refusalOf(prepared.invalid, prepared.batch);

    const messages = prepared.events.map(({ event }) => ({ id: event.id, type: event.type, body: Buffer.from(JSON.stringify(event)) }));
    const outcome = await publishOrRefuse(deps, {
      exchange: deps.exchange,
      messages,
      log,
      indexOf: (position) => prepared.events[position]!.index,
      extra,
      count: (result, n) => deps.metrics.events.inc({ wiki, result }, n),
    });
    return prepared.invalid.length === 0 ? { status: 202, body: { accepted: outcome.confirmed } } : { status: 207, body: { accepted: outcome.confirmed, ...extra } };
  };
}

function countRefusals(metrics: IngestMetrics, wiki: string, invalid: readonly InvalidEvent[]): void {
  let forbidden = 0;
  for (const refusal of invalid) if (ErrorCodes[refusal.code].status === 403) forbidden++;
  if (forbidden > 0) metrics.events.inc({ wiki, result: 'forbidden' }, forbidden);
  if (invalid.length > forbidden) metrics.events.inc({ wiki, result: 'invalid' }, invalid.length - forbidden);
}

/**
 * Nothing valid: answered with the first refusal about the event's shape (400), or, when every
 * refusal is about permission (403), with the first one.
 */
function refusalOf(invalid: readonly InvalidEvent[], batch: boolean): HttpError {
  const first = invalid[0]!;
  const code = (invalid.find((refusal) => ErrorCodes[refusal.code].status !== 403) ?? first).code;
  const where = batch ? `event ${first.index}: ` : '';
  const more = invalid.length > 1 ? ` (and ${invalid.length - 1} more invalid events)` : '';
  return new HttpError(code, `${where}${first.message}${more}`, {}, { accepted: [], invalid });
}
