import type { WikiEvent } from '@wikicast/protocol';
import type { WikiRegistry } from '@wikicast/service-runtime';
import type { LogEntry } from '../broker/log-entry.js';
import type { Identity } from '../access/identity.js';
import { mayRead } from '../access/permissions.js';
import type { EventEncoder } from '../transport/sse-format.js';
import { farmId } from './farm-position.js';
import { passesFilter, type FarmFilter } from './farm-filter.js';
import { streamData, type ChangeMsg, type StreamName } from './streams.js';

/** The topic of a wiki's recent changes: the one topic the farm streams are built from. */
export function recentChangesTopic(wiki: string): string {
  return `${wiki}:recentchange`;
}

/**
 * Whether a farm reader may see a wiki's public events: every public wiki, and the token's own.
 * Asked with the wikis in force when each event is written, so a wiki made private (or removed)
 * by a reload stops reaching anonymous readers at once.
 */
export function readsWiki(identity: Identity, wiki: string, wikis: WikiRegistry): boolean {
  const served = wikis.get(wiki);
  if (served === undefined) return false;
  return served.public || (!identity.anonymous && identity.wiki === wiki);
}

/**
 * Whether a farm reader may see this event. Only what a wiki itself published about its recent
 * changes goes out: an event with `from` was sent by a client, and one with `to` is addressed to
 * connections. A restricted (`audience`) event reaches only a token of its own wiki whose user
 * or groups it names: user names and groups mean nothing across wikis.
 */
export function farmMayRead(identity: Identity, event: WikiEvent, wikis: WikiRegistry): boolean {
  if (event.from !== undefined || event.to !== undefined) return false;
  if (event.topic !== recentChangesTopic(event.wiki) || !readsWiki(identity, event.wiki, wikis)) return false;
  if (event.audience === undefined) return true;
  return !identity.anonymous && identity.wiki === event.wiki && mayRead(identity, event);
}

/**
 * The text of each entry in each stream, shared by every farm reader of an edge: the router hands
 * readers the same entry one after another, so each stream's message is built once per entry.
 */
export class FarmTexts {
  readonly #topic: string;
  #entry: LogEntry | null = null;
  readonly #texts = new Map<StreamName, string | null>();
  #id = '';

  /** @param topic the RabbitMQ stream the events come from, named in `meta.topic` and in ids. */
  constructor(topic: string) {
    this.#topic = topic;
  }

  get topic(): string {
    return this.#topic;
  }

  /** The `id:` of a position, for the `welcome` of a fresh reader. */
  farmId(cursor: string): string {
    return farmId(this.#topic, cursor);
  }

  /** The SSE message of `entry` in `stream` (`id:`, `event: message`, `data:`), or `null` when the entry is not in it. */
  message(entry: LogEntry, stream: StreamName): string | null {
    if (entry !== this.#entry) {
      this.#entry = entry;
      this.#texts.clear();
      this.#id = farmId(this.#topic, entry.cursor);
    }
    let text = this.#texts.get(stream);
    if (text === undefined) {
      const data = streamData(stream, entry, { topic: this.#topic });
      text = data === null ? null : `event: message\nid: ${this.#id}\ndata: ${data}\n\n`;
      this.#texts.set(stream, text);
    }
    return text;
  }
}

/** One farm reader's view of the events: its permissions, its filters, the streams it asked for. */
export class FarmEncoder implements EventEncoder {
  readonly #identity: Identity;
  readonly #streams: readonly StreamName[];
  readonly #filter: FarmFilter;
  readonly #wikis: () => WikiRegistry;
  readonly #texts: FarmTexts;

  constructor(identity: Identity, streams: readonly StreamName[], filter: FarmFilter, wikis: () => WikiRegistry, texts: FarmTexts) {
    this.#identity = identity;
    this.#streams = streams;
    this.#filter = filter;
    this.#wikis = wikis;
    this.#texts = texts;
  }

  /** Every requested stream's message of the entry, in one piece, or `null` when the reader gets none. */
  encode(entry: LogEntry): string | null {
    const event = entry.event;
    if (!farmMayRead(this.#identity, event, this.#wikis())) return null;
    const msg = event.msg;
    if (typeof msg !== 'object' || msg === null || !passesFilter(this.#filter, event, msg as ChangeMsg)) return null;
    let out: string | null = null;
    for (const stream of this.#streams) {
      const text = this.#texts.message(entry, stream);
      if (text !== null) out = out === null ? text : out + text;
    }
    return out;
  }
}
