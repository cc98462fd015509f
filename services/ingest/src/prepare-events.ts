import { resolveTopic, topicErrorCode, type ErrorCode, type EventInput, type WikiEvent } from '@wikicast/protocol';
import { summarize, validators } from '@wikicast/protocol/schemas';

/** One refused event of a request, as reported back (EventGate-style per-event results). */
export interface InvalidEvent {
  /** Position in the request's array (0 for a single event). */
  index: number;
  code: ErrorCode;
  /** The offending field as a dotted path (`msg.title`), `""` for the event as a whole. */
  field: string;
  message: string;
}

export interface PreparedEvents {
  /** Whether the body was an array (a batch) rather than one event. */
  batch: boolean;
  /** How many events the body held. */
  count: number;
  /** Valid events with every routing field resolved, in request order. */
  events: Array<{ index: number; event: WikiEvent }>;
  invalid: InvalidEvent[];
}

export interface PrepareContext {
  /** The wiki of the publishing token (its `iss`). */
  wiki: string;
  isKnownWiki: (id: string) => boolean;
  newId: () => string;
  now: () => Date;
}

/**
 * Validates a parsed body (one event or an array of them) and resolves each valid event for the
 * token's wiki: `wiki` must be the token's, the topic is scoped to it, `id` and `ts` are filled in.
 * Pure: nothing is published here, so one invalid event never publishes half a decision.
 */
export function prepareEvents(body: unknown, context: PrepareContext): PreparedEvents {
  const batch = Array.isArray(body);
  const items: unknown[] = batch ? body : [body];
  const result: PreparedEvents = { batch, count: items.length, events: [], invalid: [] };
  const nowIso = context.now().toISOString();
  for (let index = 0; index < items.length; index++) {
    const outcome = prepareOne(items[index], context, nowIso);
    if ('event' in outcome) result.events.push({ index, event: outcome.event });
    else result.invalid.push({ index, ...outcome });
  }
  return result;
}

function prepareOne(item: unknown, context: PrepareContext, nowIso: string): { event: WikiEvent } | Omit<InvalidEvent, 'index'> {
  const validation = validators.eventInput.validate(item);
  if (!validation.ok) {
    const field = pointerToField(validation.issues[0]?.path ?? '');
    return { code: 'invalid_event', field, message: summarize(validation.issues) };
  }
  const input: EventInput = validation.value;
  if (input.wiki !== undefined && input.wiki !== context.wiki) {
    return { code: 'forbidden', field: 'wiki', message: `"wiki": the token is for wiki "${context.wiki}", not "${input.wiki}"` };
  }
  const topic = resolveTopic(input.topic, context.wiki, context.isKnownWiki);
  if (!topic.ok) {
    return { code: topicErrorCode(topic.reason), field: 'topic', message: `"topic": ${topic.message}` };
  }
  // Built field by field so the JSON keeps SPEC's order (ts last) without spreading on the hot path.
  const event = { id: input.id ?? context.newId(), wiki: context.wiki, topic: topic.topic, type: input.type } as WikiEvent;
  if (input.msg !== undefined) event.msg = input.msg;
  if (input.from !== undefined) event.from = input.from;
  if (input.to !== undefined) event.to = input.to;
  if (input.audience !== undefined) event.audience = input.audience;
  event.ts = input.ts ?? nowIso;
  return { event };
}

/** `/msg/title` → `msg.title`; the root is `""`. */
function pointerToField(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .join('.');
}
