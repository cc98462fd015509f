/**
 * Server frames as text/event-stream messages. An `event` frame becomes `id: <cursor>`,
 * `event: <type>` and `data: <the frame JSON>`, so EventSource's `lastEventId` is always the
 * last cursor and `Last-Event-ID` resumes from it. Every other frame (`welcome`, `subscribed`,
 * `reset`, `error`) is named `wikicast.<op>`: an event type can never be mistaken for one, and a
 * server `error` never reaches EventSource's own `error` (connection failure) listeners.
 */

/** What the edge writes between messages so that idle proxies keep the response open. */
export const SSE_PING = ': ping\n\n';

/** Control messages' `event:` prefix. */
export const SSE_CONTROL_PREFIX = 'wikicast.';

/** A message from one server frame (JSON text, one line: JSON.stringify never writes a raw line break). */
export function sseMessage(frameText: string, id: string | null = null): string {
  const frame = JSON.parse(frameText) as { op?: unknown; type?: unknown; cursor?: unknown };
  if (frame.op === 'event') {
    const cursor = typeof frame.cursor === 'string' ? frame.cursor : id;
    // Producers cannot use the control names (the type is validated at every intake); an event
    // from before that rule still goes out as a plain `message`, never as a control message.
    const type = typeof frame.type === 'string' && !frame.type.startsWith(SSE_CONTROL_PREFIX) ? frame.type : null;
    return sseFields(cursor, type, frameText);
  }
  return sseFields(id, `${SSE_CONTROL_PREFIX}${String(frame.op)}`, frameText);
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

/**
 * Every SSE reader of an event gets the same bytes: the router hands them the same frame string
 * one after another, so remembering the last one parses each event once, not once per reader.
 */
export class SseEncoder {
  #lastFrame: string | null = null;
  #lastMessage = '';

  encode(frameText: string): string {
    if (frameText !== this.#lastFrame) {
      this.#lastMessage = sseMessage(frameText);
      this.#lastFrame = frameText;
    }
    return this.#lastMessage;
  }
}
