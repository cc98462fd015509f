// The constant alone: the whole `limits` namespace would weigh in the browser bundle.
import { MAX_TOPICS_PER_FRAME } from '@wikicast/protocol/limits';
import type { MessageCallback } from './message.js';


export interface Subscription {
  /** The name the application subscribed with: `<wiki>:<name>`, or a bare seed name. */
  readonly name: string;
  readonly callbacks: Set<MessageCallback>;
  /** The full topic the server resolved `name` to, once a `subscribed` frame said so. */
  resolved: string | undefined;
  /**
   * Where to resume: the cursor of the last event delivered for this topic, or a position known
   * to be no later than the moment the subscription went live. Undefined: nothing known yet.
   */
  cursor: string | undefined;
}

export interface SubscribeRequest {
  topics: string[];
  since?: string;
}

/**
 * The application's subscriptions and, for each, the cursor to resume from. Pure bookkeeping:
 * the client turns its answers into frames.
 */
export class Subscriptions {
  private readonly byName = new Map<string, Subscription>();

  /** Adds a callback; true when `name` is a new subscription (a subscribe frame is needed). */
  add(name: string, callback: MessageCallback, baseline: string | undefined): boolean {
    const existing = this.byName.get(name);
    if (existing !== undefined) {
      existing.callbacks.add(callback);
      return false;
    }
    this.byName.set(name, { name, callbacks: new Set([callback]), resolved: undefined, cursor: baseline });
    return true;
  }

  /** Removes one callback, or all; true when the subscription is gone (an unsubscribe frame is needed). */
  remove(name: string, callback?: MessageCallback): boolean {
    const sub = this.byName.get(name);
    if (sub === undefined) return false;
    if (callback !== undefined) sub.callbacks.delete(callback);
    if (callback !== undefined && sub.callbacks.size > 0) return false;
    this.byName.delete(name);
    return true;
  }

  get(name: string): Subscription | undefined {
    return this.byName.get(name);
  }

  get size(): number {
    return this.byName.size;
  }

  /**
   * The subscriptions an event (or reset) on `topic` belongs to. A bare name matches the topic
   * it is scoped to (`demo:FooDataChanged` for `FooDataChanged` on wiki `demo`), learnt from the
   * event's `wiki` or from the server's `subscribed` answer.
   */
  matching(topic: string, wiki?: string): Subscription[] {
    const found: Subscription[] = [];
    for (const sub of this.byName.values()) {
      if (sub.name === topic || sub.resolved === topic || (wiki !== undefined && `${wiki}:${sub.name}` === topic)) found.push(sub);
    }
    return found;
  }

  /** Records how the server resolved the names of one subscribe frame (same order). */
  noteResolved(requested: readonly string[], resolved: readonly string[]): void {
    if (requested.length !== resolved.length) return;
    requested.forEach((name, i) => {
      const sub = this.byName.get(name);
      const topic = resolved[i];
      if (sub !== undefined && topic !== undefined) sub.resolved = topic;
    });
  }

  /** An event was delivered on `topic` at `cursor`: every subscription it matched resumes after it. */
  advance(subs: readonly Subscription[], cursor: string): void {
    for (const sub of subs) sub.cursor = cursor;
  }

  /**
   * Gives subscriptions that have no cursor yet a starting point. Safe only with a cursor this
   * connection delivered while they were subscribed (or the `welcome` cursor when they were
   * subscribed at once): that position is no later than the one at which they went live, so
   * resuming from it can repeat nothing they saw and miss nothing they should see.
   */
  fillMissing(cursor: string | undefined): void {
    if (cursor === undefined) return;
    for (const sub of this.byName.values()) sub.cursor ??= cursor;
  }

  /** History for these topics is gone (a `reset`): forget their cursors, resume from `cursor`. */
  reset(topics: readonly string[], cursor: string | undefined): Subscription[] {
    const affected = topics.flatMap((topic) => this.matching(topic));
    for (const sub of affected) sub.cursor = cursor;
    return affected;
  }

  /** The server dropped these topics on its own (the token changed user): they are not asked for again. */
  drop(topics: readonly string[]): void {
    for (const sub of topics.flatMap((topic) => this.matching(topic))) this.byName.delete(sub.name);
  }

  /**
   * The subscribe requests that restore every subscription on a new connection: grouped by
   * cursor (one `since` per frame), at most `MAX_TOPICS_PER_FRAME` topics each (the edge's limit).
   */
  resumeRequests(): SubscribeRequest[] {
    const groups = new Map<string | undefined, string[]>();
    for (const sub of this.byName.values()) {
      const group = groups.get(sub.cursor);
      if (group === undefined) groups.set(sub.cursor, [sub.name]);
      else group.push(sub.name);
    }
    const requests: SubscribeRequest[] = [];
    for (const [since, names] of groups) {
      for (let i = 0; i < names.length; i += MAX_TOPICS_PER_FRAME) {
        const topics = names.slice(i, i + MAX_TOPICS_PER_FRAME);
        requests.push(since === undefined ? { topics } : { topics, since });
      }
    }
    return requests;
  }
}
