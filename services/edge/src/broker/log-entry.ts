import { encodeCursor, type EventFrame, type WikiEvent } from '@wikicast/protocol';
import { summarize, validators } from '@wikicast/protocol/schemas';

/**
 * One event of the stream as the edge keeps it: parsed once, its `event` frame serialized once.
 *
 * The edge holds thousands of these for resumes (RecentEvents). Once delivered, an entry gives up
 * its parsed event (`release`) and keeps only the frame and what routing needs: a parsed event
 * is a dozen small objects, and holding 10,000 of them cost the edge a garbage collection pause
 * of 10 ms or more every few seconds at 1,000 events/s (docs/benchmarks/latency-breakdown.md).
 * The rare reader of a released entry's event (a resume, a retraction) parses it from the frame.
 */
export class LogEntry {
  /** The stream offset (`x-stream-offset`): the event's global position. */
  readonly offset: number;
  readonly topic: string;
  readonly cursor: string;
  /** The `event` frame text, the same bytes for every socket and every edge. */
  readonly frame: string;
  /** `to` or `audience` is set: each reader must be checked, uWS topic broadcast would leak it. */
  readonly restricted: boolean;
  /** Event `ts` in ms since the epoch, for the delivery lag metric; NaN if unreadable. */
  readonly tsMs: number;
  /** The visibility bits (HiddenBits) a retraction removed from `event.msg`; 0 for an entry as published. */
  readonly hidden: number;
  #event: WikiEvent | null;

  constructor(offset: number, event: WikiEvent, cursor: string, hidden = 0) {
    this.offset = offset;
    this.topic = event.topic;
    this.cursor = cursor;
    this.frame = eventFrame(event, cursor);
    this.restricted = event.to !== undefined || event.audience !== undefined;
    this.tsMs = Date.parse(event.ts);
    this.hidden = hidden;
    this.#event = event;
  }

  get event(): WikiEvent {
    return (this.#event ??= eventOfFrame(this.frame));
  }

  /** Drops the parsed event; `event` parses it again from the frame when asked. */
  release(): void {
    this.#event = null;
  }

  /** The same entry (position, cursor, routing) carrying another version of its event: a redacted one. */
  withEvent(event: WikiEvent, hidden: number): LogEntry {
    return new LogEntry(this.offset, event, this.cursor, hidden);
  }
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
  return { ok: true, entry: new LogEntry(offset, event, encodeCursor(offset, event.id)) };
}

function eventFrame(event: WikiEvent, cursor: string): string {
  const frame: EventFrame = { op: 'event', ...event, cursor };
  return JSON.stringify(frame);
}

/** The event inside a frame this edge built (so no validation again). */
function eventOfFrame(frame: string): WikiEvent {
  const { op: _op, cursor: _cursor, ...event } = JSON.parse(frame) as EventFrame;
  return event;
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
