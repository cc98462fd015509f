import { encodeCursor, type EventFrame, type WikiEvent } from '@wikicast/protocol';
import { summarize, validators } from '@wikicast/protocol/schemas';

/** One event of the stream as the edge keeps it: parsed once, its `event` frame serialized once. */
export interface LogEntry {
  /** The stream offset (`x-stream-offset`): the event's global position. */
  offset: number;
  event: WikiEvent;
  cursor: string;
  /** The `event` frame text, the same bytes for every socket and every edge. */
  frame: string;
  /** `to` or `audience` is set: each reader must be checked, uWS topic broadcast would leak it. */
  restricted: boolean;
  /** Event `ts` in ms since the epoch, for the delivery lag metric; NaN if unreadable. */
  tsMs: number;
  /** The visibility bits (HiddenBits) a retraction removed from `event.msg`; 0 for an entry as published. */
  hidden: number;
}

/** A message the edge cannot deliver names its topic when it has a readable one, so its readers can be told. */
export type ParsedEntry = { ok: true; entry: LogEntry } | { ok: false; reason: string; topic: string | null };

/** Parses and validates a stream message body: producers are trusted to publish valid events, not assumed to. */
export function parseLogEntry(offset: number, content: Buffer): ParsedEntry {
  let value: unknown;
  try {
    value = JSON.parse(content.toString('utf8'));
  } catch (err) {
    return { ok: false, reason: `not JSON: ${(err as Error).message}`, topic: null };
  }
  const result = validators.wikiEvent.validate(value);
  if (!result.ok) {
    const topic = (value as { topic?: unknown } | null)?.topic;
    return { ok: false, reason: summarize(result.issues), topic: typeof topic === 'string' ? topic : null };
  }
  const event = result.value;
  const cursor = encodeCursor(offset, event.id);
  return {
    ok: true,
    entry: {
      offset,
      event,
      cursor,
      frame: eventFrame(event, cursor),
      restricted: event.to !== undefined || event.audience !== undefined,
      tsMs: Date.parse(event.ts),
      hidden: 0,
    },
  };
}

/** The same entry (position, cursor, routing) carrying another version of its event: a redacted one. */
export function withEvent(entry: LogEntry, event: WikiEvent, hidden: number): LogEntry {
  return { ...entry, event, frame: eventFrame(event, entry.cursor), hidden };
}

function eventFrame(event: WikiEvent, cursor: string): string {
  const frame: EventFrame = { op: 'event', ...event, cursor };
  return JSON.stringify(frame);
}

/** The `reset` reason readers of a topic get for an event of it that could not be delivered. */
export function undeliverableReason(reason: string): string {
  return `an event on this topic could not be delivered (${reason})`;
}

/** The stream offset RabbitMQ put in a delivery's headers, or `null` when it is missing. */
export function streamOffset(headers: Record<string, unknown> | undefined): number | null {
  const raw = headers?.['x-stream-offset'];
  const offset = typeof raw === 'number' ? raw : typeof raw === 'bigint' ? Number(raw) : Number.NaN;
  return Number.isSafeInteger(offset) && offset >= 0 ? offset : null;
}
