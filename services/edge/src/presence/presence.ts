import type { FrameRef, PresenceMember } from '@wikicast/protocol';
import { PRESENCE_LISTED, PRESENCE_SUMMARY_INTERVAL_MS } from '@wikicast/protocol/limits';
import type { Logger } from 'pino';
import type { Session } from '../session.js';
import { withRef } from '../session.js';
import { ClusterPresence, type Member } from './cluster-presence.js';
import { BEAT_MS, EXPIRY_MS, type PresenceBus, type PresenceMessage } from './presence-bus.js';

/** How often edges that went quiet are looked for. */
const SWEEP_MS = 1000;

export interface PresenceDeps {
  /** This edge's run id. */
  edge: string;
  logger: Logger;
  /** Members in all topics (local and cluster), for the gauge. */
  onSize: (local: number, cluster: number) => void;
}

/**
 * Presence for the connections of this edge (SPEC "Presence"; docs/presence.md): who joined which
 * topic's presence here, the cluster's state (ClusterPresence) kept current from the bus, and the
 * frames members get. Members of a topic with up to PRESENCE_LISTED members get every `join` and
 * `leave`; in a bigger topic they get a `presence` summary at most every
 * PRESENCE_SUMMARY_INTERVAL_MS instead, so a crowded topic costs each member O(1) frames.
 */
export class Presence {
  readonly #deps: PresenceDeps;
  readonly #cluster = new ClusterPresence();
  /** topic → this edge's sessions in its presence. */
  readonly #local = new Map<string, Set<Session>>();
  /** session → the topics whose presence it joined. */
  readonly #joined = new Map<Session, Set<string>>();
  /** When each other edge was last heard from. */
  readonly #lastHeard = new Map<string, number>();
  /** Topics with a summary due (crowded topics), sent by one timer. */
  readonly #summaryDue = new Set<string>();
  #summaryTimer: NodeJS.Timeout | null = null;
  #bus: PresenceBus | null = null;
  /** Memberships of this edge's sessions, all topics. */
  #localCount = 0;
  readonly #timers: NodeJS.Timeout[] = [];

  constructor(deps: PresenceDeps) {
    this.#deps = deps;
  }

  /** Starts beating and sweeping on `bus`. */
  start(bus: PresenceBus): void {
    this.#bus = bus;
    const beat = setInterval(() => bus.publish({ op: 'beat', edge: this.#deps.edge }), BEAT_MS);
    const sweep = setInterval(() => this.#sweep(Date.now()), SWEEP_MS);
    beat.unref();
    sweep.unref();
    this.#timers.push(beat, sweep);
  }

  /** The bus (re)attached: ask the others for their members, and give them this edge's. */
  attached(): void {
    this.#bus?.publish({ op: 'hello', edge: this.#deps.edge });
    this.#sendSnapshot();
  }

  /** This edge's members, replacing what the others knew of them. */
  #sendSnapshot(): void {
    this.#bus?.publish({ op: 'snapshot', edge: this.#deps.edge, members: this.#cluster.membersOf(this.#deps.edge) });
  }

  /** Tells the others this edge's members are gone (a drain), and stops the timers. */
  stop(): void {
    for (const timer of this.#timers) clearInterval(timer);
    if (this.#summaryTimer !== null) clearTimeout(this.#summaryTimer);
    this.#bus?.publish({ op: 'bye', edge: this.#deps.edge });
  }

  /** `session` joins the presence of resolved `topics` (its own join comes back to it). */
  join(session: Session, topics: readonly string[]): void {
    const member: Member = { edge: this.#deps.edge, cid: session.cid, user: session.identity.user };
    let joined = this.#joined.get(session);
    if (joined === undefined) this.#joined.set(session, (joined = new Set()));
    for (const topic of topics) {
      if (joined.has(topic)) continue;
      joined.add(topic);
      this.#localCount++;
      let sessions = this.#local.get(topic);
      if (sessions === undefined) this.#local.set(topic, (sessions = new Set()));
      sessions.add(session);
      if (!this.#cluster.join(topic, member)) continue;
      this.#bus?.publish({ op: 'join', edge: member.edge, topic, cid: member.cid, user: member.user });
      this.#changed('join', topic, member);
    }
    this.#reportSize();
  }

  /** `session` leaves the presence of these topics (unsubscribe), or of all it joined (its connection ended). */
  leave(session: Session, topics?: readonly string[]): void {
    const joined = this.#joined.get(session);
    if (joined === undefined) return;
    for (const topic of topics ?? [...joined]) {
      if (!joined.delete(topic)) continue;
      this.#localCount--;
      const sessions = this.#local.get(topic);
      sessions?.delete(session);
      if (sessions?.size === 0) this.#local.delete(topic);
      const member = this.#cluster.leave(topic, this.#deps.edge, session.cid);
      if (member === null) continue;
      this.#bus?.publish({ op: 'leave', edge: member.edge, topic, cid: member.cid, user: member.user });
      this.#changed('leave', topic, member);
    }
    if (joined.size === 0) this.#joined.delete(session);
    this.#reportSize();
  }

  /** The topics whose presence `session` joined. */
  joinedBy(session: Session): string[] {
    return [...(this.#joined.get(session) ?? [])];
  }

  /** The answer to `{"op":"presence"}` for one resolved topic. */
  answer(session: Session, topic: string, ref: FrameRef | undefined): void {
    session.send({ op: 'presence', topic, ...this.#cluster.view(topic), ...withRef(ref) });
  }

  /** A message of another edge. */
  receive(message: PresenceMessage, nowMs = Date.now()): void {
    this.#lastHeard.set(message.edge, nowMs);
    switch (message.op) {
      case 'join': {
        const member: Member = { edge: message.edge, cid: message.cid, user: message.user ?? null };
        if (this.#cluster.join(message.topic, member)) this.#changed('join', message.topic, member);
        break;
      }
      case 'leave': {
        const member = this.#cluster.leave(message.topic, message.edge, message.cid);
        if (member !== null) this.#changed('leave', message.topic, member);
        break;
      }
      case 'hello':
        this.#sendSnapshot();
        break;
      case 'snapshot':
        this.#replace(message.edge, message.members);
        break;
      case 'bye':
        this.#lastHeard.delete(message.edge);
        this.#drop(message.edge);
        break;
      case 'beat':
        break;
    }
    this.#reportSize();
  }

  /** Drops the members of edges not heard from for EXPIRY_MS. */
  #sweep(nowMs: number): void {
    for (const [edge, heard] of this.#lastHeard) {
      if (nowMs - heard < EXPIRY_MS) continue;
      this.#lastHeard.delete(edge);
      const dropped = this.#drop(edge);
      if (dropped > 0) this.#deps.logger.warn({ edge, members: dropped }, 'an edge went quiet; its presence members are gone');
    }
    this.#reportSize();
  }

  #drop(edge: string): number {
    const removed = this.#cluster.dropEdge(edge);
    for (const { topic, member } of removed) this.#changed('leave', topic, member);
    return removed.length;
  }

  /** An edge's snapshot: what is not in it left, what is new joined. */
  #replace(edge: string, members: ReadonlyArray<[string, string, string | null]>): void {
    const incoming = new Set(members.map(([topic, cid]) => `${topic} ${cid}`));
    for (const [topic, cid] of this.#cluster.membersOf(edge)) {
      if (incoming.has(`${topic} ${cid}`)) continue;
      const member = this.#cluster.leave(topic, edge, cid);
      if (member !== null) this.#changed('leave', topic, member);
    }
    for (const [topic, cid, user] of members) {
      const member: Member = { edge, cid, user };
      if (this.#cluster.join(topic, member)) this.#changed('join', topic, member);
    }
  }

  /** Tells this edge's members of `topic`: each change while the topic is small, a summary when it is crowded. */
  #changed(op: 'join' | 'leave', topic: string, member: Member): void {
    const sessions = this.#local.get(topic);
    if (sessions === undefined) return;
    // The size before a join or after a leave: a topic is small while both sides of the change are.
    const count = this.#cluster.count(topic) + (op === 'join' ? 0 : 1);
    if (count > PRESENCE_LISTED) {
      this.#summarySoon(topic);
      return;
    }
    const anonymous = this.#cluster.anonymousCount(topic);
    const named: PresenceMember = member.user === null ? {} : { cid: member.cid, user: member.user };
    for (const session of sessions) {
      // An anonymous member is counted, never listed: only its own connection learns its cid.
      const seen = member.user === null && member.edge === this.#deps.edge && session.cid === member.cid ? { cid: member.cid } : named;
      session.send({ op, topic, member: seen, anonymous });
    }
  }

  #summarySoon(topic: string): void {
    this.#summaryDue.add(topic);
    this.#summaryTimer ??= setTimeout(() => {
      this.#summaryTimer = null;
      for (const due of this.#summaryDue) {
        const view = this.#cluster.view(due);
        for (const session of this.#local.get(due) ?? []) session.send({ op: 'presence', topic: due, ...view });
      }
      this.#summaryDue.clear();
    }, PRESENCE_SUMMARY_INTERVAL_MS);
  }

  #reportSize(): void {
    this.#deps.onSize(this.#localCount, this.#cluster.size);
  }
}
