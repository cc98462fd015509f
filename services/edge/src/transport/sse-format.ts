import type { ServerFrame } from '@wikicast/protocol';
import type { LogEntry } from '../broker/log-entry.js';

/**
 * Server frames as text/event-stream messages. An event becomes `id: <cursor>`, `event: <type>`
 * and `data: <the event frame JSON>`, so EventSource's `lastEventId` is always the last cursor and
 * `Last-Event-ID` resumes from it. Every other frame (`welcome`, `subscribed`, `reset`, `error`)
 * is named `wikicast.<op>`: an event type can never be mistaken for one, and a server `error`
 * never reaches EventSource's own `error` (connection failure) listeners. Both are built from
 * what the edge already holds (the parsed entry, the frame object), never by parsing text again.
 */

/** What the edge writes between messages so that idle proxies keep the response open. */
export const SSE_PING = ': ping\n\n';

/** Control messages' `event:` prefix. */
export const SSE_CONTROL_PREFIX = 'wikicast.';

/** One event of the stream (its frame text is one line: JSON.stringify never writes a raw line break). */
export function sseEvent(entry: LogEntry): string {
  const type = entry.event.type;
  // Producers cannot use the control names (the type is validated at every intake); an event
  // from before that rule still goes out as a plain `message`, never as a control message.
  return sseFields(entry.cursor, type.startsWith(SSE_CONTROL_PREFIX) ? null : type, entry.frame);
}

/** Any other frame, named `wikicast.<op>`; with `id` when given one (the `welcome` of a fresh reader). */
export function sseControl(frame: ServerFrame | { op: 'close'; code: number; reason: string }, id: string | null = null): string {
  return sseFields(id, `${SSE_CONTROL_PREFIX}${frame.op}`, JSON.stringify(frame));
}

function sseFields(id: string | null, event: string | null, data: string): string {
  let text = '';
  // A field value with a line break would split the message; the type is also in `data`, so
  // such an event goes out as a plain `message` rather than being altered or dropped.
  if (id !== null && !hasLineBreak(id)) text += `id: ${id}\n`;
  if (event !== null && !hasLineBreak(event)) text += `event: ${event}\n`;
  return `${text}data: ${data}\n\n`;
}

function hasLineBreak(value: string): boolean {
  return value.includes('\n') || value.includes('\r');
}

/** Turns an event into the text one SSE reader gets, or `null` when that reader gets nothing of it. */
export interface EventEncoder {
  encode(entry: LogEntry): string | null;
}

/**
 * Every SSE reader of an event gets the same bytes: the router hands them the same entry one
 * after another, so remembering the last one builds each event's text once, not once per reader.
 */
export class SseEncoder implements EventEncoder {
  #lastEntry: LogEntry | null = null;
  #lastMessage = '';

  encode(entry: LogEntry): string {
    if (entry !== this.#lastEntry) {
      this.#lastMessage = sseEvent(entry);
      this.#lastEntry = entry;
    }
    return this.#lastMessage;
  }
}
