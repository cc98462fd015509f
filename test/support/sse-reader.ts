import { waitFor } from './wait.js';

/** One dispatched text/event-stream message, as EventSource would see it. */
export interface SseMessage {
  /** The `id:` of this message, `null` when it had none (EventSource then keeps the previous one). */
  id: string | null;
  /** `event:` (default `message`). */
  event: string;
  data: string;
  /** `data` parsed as JSON. */
  json: Record<string, unknown>;
}

/**
 * A text/event-stream reader over fetch(), parsing as the HTML standard's EventSource does
 * (fields, comments, blank-line dispatch), but keeping what EventSource hides: each message's own
 * id, comments, the status and headers, and the error body of a refusal.
 */
export class SseReader {
  readonly messages: SseMessage[] = [];
  readonly comments: string[] = [];
  status = 0;
  headers: Headers | null = null;
  /** A refusal's body (not text/event-stream). */
  body: Record<string, unknown> | null = null;
  /** The server ended the stream (or the connection failed). */
  ended = false;
  readonly opened: Promise<void>;
  readonly #abort = new AbortController();
  #buffer = '';
  #pending: { id: string | null; event: string; data: string[] } = { id: null, event: 'message', data: [] };

  constructor(url: string, headers: Record<string, string> = {}) {
    this.opened = this.#run(url, headers);
  }

  /** Messages that are events (`op: 'event'`). */
  events(): Array<Record<string, unknown>> {
    return this.messages.filter((m) => m.json.op === 'event').map((m) => m.json);
  }

  /** Waits until a message matches; returns it. */
  async next(match: (message: SseMessage) => boolean, what: string, timeoutMs = 10_000): Promise<SseMessage> {
    let found: SseMessage | undefined;
    await waitFor(what, () => (found = this.messages.find(match)) !== undefined || this.ended, { timeoutMs });
    if (found === undefined) throw new Error(`the stream ended before ${what}`);
    return found;
  }

  close(): void {
    this.#abort.abort();
  }

  async #run(url: string, headers: Record<string, string>): Promise<void> {
    const response = await fetch(url, { headers, signal: this.#abort.signal });
    this.status = response.status;
    this.headers = response.headers;
    if (!response.headers.get('content-type')?.startsWith('text/event-stream')) {
      this.body = (await response.json()) as Record<string, unknown>;
      this.ended = true;
      return;
    }
    void this.#read(response.body!);
  }

  async #read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of body) this.#feed(decoder.decode(chunk, { stream: true }));
    } catch {
      // Aborted by close(), or the connection was cut: either way the stream has ended.
    } finally {
      this.ended = true;
    }
  }

  #feed(text: string): void {
    this.#buffer += text;
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.#buffer);
      // A lone CR at the end may be the first half of a CRLF: wait for more.
      if (match === null || (match[0] === '\r' && match.index === this.#buffer.length - 1)) return;
      const line = this.#buffer.slice(0, match.index);
      this.#buffer = this.#buffer.slice(match.index + match[0].length);
      this.#line(line);
    }
  }

  #line(line: string): void {
    if (line === '') return this.#dispatch();
    if (line.startsWith(':')) {
      this.comments.push(line.slice(1).trimStart());
      return;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.#pending.data.push(value);
    else if (field === 'event') this.#pending.event = value;
    else if (field === 'id' && !value.includes('\0')) this.#pending.id = value;
  }

  #dispatch(): void {
    const { id, event, data } = this.#pending;
    this.#pending = { id: null, event: 'message', data: [] };
    if (data.length === 0) return;
    const text = data.join('\n');
    this.messages.push({ id, event, data: text, json: JSON.parse(text) as Record<string, unknown> });
  }
}
