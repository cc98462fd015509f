import { resolveTopicList, RETRACT_EVENT_TYPE, topicErrorCode, type RetractControl, type RetractRequest, type WikiEvent } from '@wikicast/protocol';
import { summarize, validators } from '@wikicast/protocol/schemas';
import type { WikiRegistry } from '@wikicast/service-runtime';
import type { EventIds } from './event-ids.js';
import { HttpError } from './http-error.js';
import type { JsonPost, JsonReply } from './json-post.js';
import { publishOrRefuse, type PublishDeps } from './publish-or-refuse.js';

export interface RetractRouteDeps extends PublishDeps {
  wikis: () => WikiRegistry;
  ids: EventIds;
  /** Where the edges learn what to redact, before anyone is told (`<prefix>.control`). */
  controlExchange: string;
  /** Where the `retract` events go, to the readers of the topics named (`<prefix>.events`). */
  eventsExchange: string;
}

/**
 * `POST /v1/control/retract` `{revisions?, logs?, topics, reason?}`: fields of the token's wiki's
 * revisions or log entries were hidden after their events went out. Publishes, each confirmed
 * before the next step, first the control message (from then on every edge redacts those events,
 * live, from memory and from the stream), then one `retract` event per topic (so live and
 * resuming readers drop or redact what they show). Answers 202 `{accepted: [control id, event
 * ids…]}`; a 503 means nothing or part was confirmed and the whole request may be sent again
 * (a retraction applied twice changes nothing).
 */
export function retractRoute(deps: RetractRouteDeps): (post: JsonPost) => Promise<JsonReply> {
  return async ({ wiki, body, log }) => {
    const validation = validators.retractRequest.validate(body);
    if (!validation.ok) throw new HttpError('invalid_request', summarize(validation.issues));
    const request = validation.value;
    if ((request.revisions?.length ?? 0) + (request.logs?.length ?? 0) === 0) {
      throw new HttpError('invalid_request', '"revisions" or "logs" must name at least one retracted item');
    }
    const registry = deps.wikis();
    // Each topic must be the token's wiki's: a wiki retracts only its own changes.
    const resolution = resolveTopicList(request.topics, wiki, (id) => registry.has(id));
    if (!resolution.ok) throw new HttpError(topicErrorCode(resolution.reason), resolution.message);
    const topics = resolution.topics;
    const ts = new Date().toISOString();
    const items = { ...(request.revisions !== undefined ? { revisions: request.revisions } : {}), ...(request.logs !== undefined ? { logs: request.logs } : {}) };
    const control: RetractControl = { op: 'retract', id: deps.ids.next(), wiki, ...items, ts };
    const controlOutcome = await publishOrRefuse(deps, {
      exchange: deps.controlExchange,
      messages: [{ id: control.id, type: control.op, body: Buffer.from(JSON.stringify(control)) }],
      log,
      indexOf: () => 0,
      extra: {},
      count: null,
    });
    const events = topics.map((topic): WikiEvent => ({ id: deps.ids.next(), wiki, topic, type: RETRACT_EVENT_TYPE, msg: retractMessage(request), ts }));
    const eventsOutcome = await publishOrRefuse(deps, {
      exchange: deps.eventsExchange,
      messages: events.map((event) => ({ id: event.id, type: event.type, body: Buffer.from(JSON.stringify(event)) })),
      log,
      indexOf: (position) => position,
      extra: { accepted: controlOutcome.confirmed },
      count: null,
    });
    log.info({ id: control.id, revisions: request.revisions?.length ?? 0, logs: request.logs?.length ?? 0, topics }, 'retraction published');
    return { status: 202, body: { accepted: [...controlOutcome.confirmed, ...eventsOutcome.confirmed] } };
  };
}

/** What readers of a topic are told: which changes to drop or redact, and how. */
function retractMessage(request: RetractRequest): Record<string, unknown> {
  return {
    revisions: request.revisions ?? [],
    logs: request.logs ?? [],
    ...(request.reason !== undefined ? { reason: request.reason } : {}),
  };
}
