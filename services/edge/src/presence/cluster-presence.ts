import { PRESENCE_LISTED } from '@wikicast/protocol/limits';

/** One connection in one topic's presence, on some edge of the cluster. */
export interface Member {
  /** The edge's run id (PresenceBus): unique per edge process, so a restarted edge is another. */
  edge: string;
  cid: string;
  /** `null`: anonymous, counted and never listed. */
  user: string | null;
}

/** A topic's presence as frames show it (PresenceStateFrame without op and ref). */
export interface PresenceView {
  members: Array<{ cid: string; user: string }>;
  anonymous: number;
  total: number;
  truncated?: true;
}

interface TopicMembers {
  byKey: Map<string, Member>;
  anonymous: number;
}

const key = (edge: string, cid: string): string => `${edge} ${cid}`;

/**
 * Every topic's presence across the cluster, as this edge knows it: its own members, and what the
 * other edges announced (PresenceBus). Indexed by edge too, so an edge that is gone (no beat, or
 * its `bye`) drops its members at once, and an edge's snapshot replaces what was known of it.
 */
export class ClusterPresence {
  readonly #topics = new Map<string, TopicMembers>();
  /** edge → topic → cids, for dropping and replacing one edge's members. */
  readonly #byEdge = new Map<string, Map<string, Set<string>>>();
  #size = 0;

  /** Members in all topics. */
  get size(): number {
    return this.#size;
  }

  /** Members of one topic. */
  count(topic: string): number {
    return this.#topics.get(topic)?.byKey.size ?? 0;
  }

  anonymousCount(topic: string): number {
    return this.#topics.get(topic)?.anonymous ?? 0;
  }

  /** Adds a member; false when it was there already. */
  join(topic: string, member: Member): boolean {
    let members = this.#topics.get(topic);
    if (members === undefined) this.#topics.set(topic, (members = { byKey: new Map(), anonymous: 0 }));
    const k = key(member.edge, member.cid);
    if (members.byKey.has(k)) return false;
    members.byKey.set(k, member);
    if (member.user === null) members.anonymous++;
    let topics = this.#byEdge.get(member.edge);
    if (topics === undefined) this.#byEdge.set(member.edge, (topics = new Map()));
    let cids = topics.get(topic);
    if (cids === undefined) topics.set(topic, (cids = new Set()));
    cids.add(member.cid);
    this.#size++;
    return true;
  }

  /** Removes a member; the one removed, or `null` when it was not there. */
  leave(topic: string, edge: string, cid: string): Member | null {
    const members = this.#topics.get(topic);
    const k = key(edge, cid);
    const member = members?.byKey.get(k);
    if (members === undefined || member === undefined) return null;
    members.byKey.delete(k);
    if (member.user === null) members.anonymous--;
    if (members.byKey.size === 0) this.#topics.delete(topic);
    const topics = this.#byEdge.get(edge);
    const cids = topics?.get(topic);
    cids?.delete(cid);
    if (cids?.size === 0) topics!.delete(topic);
    if (topics?.size === 0) this.#byEdge.delete(edge);
    this.#size--;
    return member;
  }

  /** Removes every member of an edge; what was removed, for telling the local members. */
  dropEdge(edge: string): Array<{ topic: string; member: Member }> {
    const removed: Array<{ topic: string; member: Member }> = [];
    for (const [topic, cids] of this.#byEdge.get(edge) ?? []) {
      for (const cid of [...cids]) {
        const member = this.leave(topic, edge, cid);
        if (member !== null) removed.push({ topic, member });
      }
    }
    return removed;
  }

  /** Every member an edge has, as `[topic, cid, user]` (its snapshot). */
  membersOf(edge: string): Array<[string, string, string | null]> {
    const out: Array<[string, string, string | null]> = [];
    for (const [topic, cids] of this.#byEdge.get(edge) ?? []) {
      const members = this.#topics.get(topic)!;
      for (const cid of cids) out.push([topic, cid, members.byKey.get(key(edge, cid))!.user]);
    }
    return out;
  }

  /** The edges that have members. */
  edges(): IterableIterator<string> {
    return this.#byEdge.keys();
  }

  /** A topic's presence: named members up to PRESENCE_LISTED, the anonymous count, the total. */
  view(topic: string): PresenceView {
    const members = this.#topics.get(topic);
    if (members === undefined) return { members: [], anonymous: 0, total: 0 };
    const named: Array<{ cid: string; user: string }> = [];
    let truncated = false;
    for (const member of members.byKey.values()) {
      if (member.user === null) continue;
      if (named.length === PRESENCE_LISTED) {
        truncated = true;
        break;
      }
      named.push({ cid: member.cid, user: member.user });
    }
    return { members: named, anonymous: members.anonymous, total: members.byKey.size, ...(truncated ? { truncated: true as const } : {}) };
  }
}
