import { isWikiOwnedTopic, redactChange, retractedBits, type RetractControl, type RetractedItem } from '@wikicast/protocol';
import type { LogEntry } from '../broker/log-entry.js';

/** One wiki's retracted revisions and log entries: id → every bit hidden so far. */
interface WikiRetractions {
  revisions: Map<number, number>;
  logs: Map<number, number>;
}

/**
 * What revision deletion hid after the events went out, as the control stream told this edge
 * (`op: retract`), so that no event hands out a hidden field again: every entry goes through
 * `redact` on its way in (live from the stream consumer, and each one a replay reads from the
 * stream), and the events already held in memory are redacted when a retraction arrives.
 *
 * Hidden bits only accumulate: a field made visible again in the wiki stays redacted in the live
 * stream (failing closed). A retraction is kept for `keepMs` after its time, at least the events
 * stream's retention, so an event still in the stream is never handed out unredacted.
 */
export class Retractions {
  readonly #keepMs: number;
  readonly #byWiki = new Map<string, WikiRetractions>();
  /** Every noted item in arrival (= time) order, for forgetting them once they are older than `keepMs`. */
  readonly #noted: Array<{ atMs: number; wiki: string; kind: keyof WikiRetractions; id: number }> = [];

  constructor(keepMs: number) {
    this.#keepMs = keepMs;
  }

  /** Items remembered now, across wikis (for the metric). */
  get size(): number {
    return this.#noted.length;
  }

  /** Records a retraction; false when it is older than what is kept (a starting edge reads some history). */
  note(message: RetractControl, nowMs = Date.now()): boolean {
    const atMs = Date.parse(message.ts);
    this.#forget(nowMs);
    if (!(atMs >= nowMs - this.#keepMs)) return false;
    let wiki = this.#byWiki.get(message.wiki);
    if (wiki === undefined) this.#byWiki.set(message.wiki, (wiki = { revisions: new Map(), logs: new Map() }));
    this.#add(wiki, message.wiki, 'revisions', message.revisions, atMs);
    this.#add(wiki, message.wiki, 'logs', message.logs, atMs);
    return true;
  }

  /**
   * The entry as readers may now see it: the same object when nothing of it is retracted (or it
   * was redacted already), else a copy with the hidden fields removed from its change message and
   * its frame built again. Only the wiki's own topics (recentchange, page:*, user:*), where no
   * client may send, carry changes: what clients send elsewhere is left alone.
   */
  redact(entry: LogEntry): LogEntry {
    if (this.#byWiki.size === 0) return entry;
    const event = entry.event;
    const wiki = this.#byWiki.get(event.wiki);
    if (wiki === undefined) return entry;
    // Two map lookups first: the topic check builds strings, and most events name nothing retracted.
    const bits = retractedBits(event.msg, wiki);
    if (bits === 0 || (entry.hidden & bits) === bits || !isWikiOwnedTopic(event.topic)) return entry;
    const hidden = entry.hidden | bits;
    return entry.withEvent({ ...event, msg: redactChange(event.msg as Record<string, unknown>, hidden) }, hidden);
  }

  #add(wiki: WikiRetractions, name: string, kind: keyof WikiRetractions, items: readonly RetractedItem[] | undefined, atMs: number): void {
    for (const { id, hidden } of items ?? []) {
      wiki[kind].set(id, (wiki[kind].get(id) ?? 0) | hidden);
      this.#noted.push({ atMs, wiki: name, kind, id });
    }
  }

  #forget(nowMs: number): void {
    let expired = 0;
    while (expired < this.#noted.length && this.#noted[expired]!.atMs < nowMs - this.#keepMs) {
      const { wiki, kind, id } = this.#noted[expired]!;
      this.#byWiki.get(wiki)?.[kind].delete(id);
      expired++;
    }
    if (expired === 0) return;
    this.#noted.splice(0, expired);
    for (const [name, wiki] of this.#byWiki) if (wiki.revisions.size === 0 && wiki.logs.size === 0) this.#byWiki.delete(name);
  }
}
