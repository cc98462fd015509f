import type { PresenceChangeFrame, PresenceStateFrame } from '@wikicast/protocol';

/** A topic's presence as the application sees it (docs/client.md, "Presence"). */
export interface PresenceState {
  /** Named members (a user with several pages open is there once per connection). */
  members: Array<{ cid: string; user: string }>;
  /** Members without an account: counted, never named. */
  anonymous: number;
}

export type PresenceListener = (state: PresenceState) => void;

interface Tracked {
  listeners: Set<PresenceListener>;
  members: Map<string, string>;
  anonymous: number;
}

/**
 * The presence of the topics the application joined: the state from the `presence` answer,
 * kept current by `join` and `leave` (or replaced by a crowded topic's summaries). Pure
 * bookkeeping: the client turns its answers into frames.
 */
export class PresenceTracker {
  private readonly byName = new Map<string, Tracked>();

  /** Adds a listener; true when `name` is newly joined (the frames are needed). */
  add(name: string, listener: PresenceListener): boolean {
    const tracked = this.byName.get(name);
    if (tracked !== undefined) {
      tracked.listeners.add(listener);
      return false;
    }
    this.byName.set(name, { listeners: new Set([listener]), members: new Map(), anonymous: 0 });
    return true;
  }

  /** Removes a listener; true when it was the topic's last. */
  remove(name: string, listener: PresenceListener): boolean {
    const tracked = this.byName.get(name);
    if (tracked === undefined || !tracked.listeners.delete(listener) || tracked.listeners.size > 0) return false;
    this.byName.delete(name);
    return true;
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  get size(): number {
    return this.byName.size;
  }

  /** Applies a frame and tells the listeners of the topic it names. */
  apply(frame: PresenceChangeFrame | PresenceStateFrame, call: (listener: PresenceListener, state: PresenceState) => void): void {
    // Frames name the full `<wiki>:<name>`; the application may have used the bare name.
    const tracked = this.byName.get(frame.topic) ?? this.byName.get(frame.topic.slice(frame.topic.indexOf(':') + 1));
    if (tracked === undefined) return;
    if (frame.op === 'presence') {
      tracked.members = new Map(frame.members.map((m) => [m.cid, m.user]));
    } else if (frame.member.user !== undefined && frame.member.cid !== undefined) {
      if (frame.op === 'join') tracked.members.set(frame.member.cid, frame.member.user);
      else tracked.members.delete(frame.member.cid);
    }
    tracked.anonymous = frame.anonymous;
    const state: PresenceState = { members: [...tracked.members].map(([cid, user]) => ({ cid, user })), anonymous: tracked.anonymous };
    for (const listener of [...tracked.listeners]) call(listener, state);
  }
}
