import { randomUUID } from 'node:crypto';
import { encodeCursor, type ServerFrame, type WikiEvent } from '@wikicast/protocol';
import { pino } from 'pino';
import type { Identity } from '../src/access/identity.js';
import { LogEntry } from '../src/broker/log-entry.js';
import { Session } from '../src/session.js';
import type { Sink } from '../src/transport/sink.js';

/** Fixtures for unit tests of the edge's in-process classes: no processes, no broker. */
export const silentLogger = pino({ level: 'silent' });

export function logEntry(offset: number, topic = 'demo:news', extra: Partial<WikiEvent> = {}): LogEntry {
  const event: WikiEvent = { id: randomUUID(), wiki: 'demo', topic, type: 'edit', ts: new Date().toISOString(), ...extra };
  return new LogEntry(offset, event, encodeCursor(offset, event.id));
}

export function identity(overrides: Partial<Identity> = {}): Identity {
  return { wiki: 'demo', user: 'Alice', groups: [], send: [], presence: null, cid: `WS${randomUUID().slice(0, 8)}`, anonymous: false, issuedAtMs: Date.now(), expiresAtMs: null, key: null, ...overrides };
}

/** A sink that records what was written to it; `topics: false` stands for a transport uWS topics cannot reach (SSE). */
export class RecordingSink implements Sink {
  readonly transport = 'ws' as const;
  readonly written: string[] = [];
  readonly joined = new Set<string>();
  closed = false;
  readonly cutForSlowness = false;
  bufferedBytes = 0;
  endedWith: number | null = null;
  pings = 0;

  constructor(private readonly topics = true) {}

  writeFrame(frame: ServerFrame): boolean {
    return this.#write(JSON.stringify(frame));
  }

  writeEvent(entry: LogEntry): boolean {
    return this.#write(entry.frame);
  }

  #write(text: string): boolean {
    if (this.closed) return false;
    this.written.push(text);
    return true;
  }

  batch(writes: () => void): void {
    writes();
  }

  joinTopic(topic: string): boolean {
    if (!this.topics) return false;
    this.joined.add(topic);
    return true;
  }

  leaveTopic(topic: string): void {
    this.joined.delete(topic);
  }

  checks = 0;

  checkBuffered(): boolean {
    this.checks++;
    return false;
  }

  keepAlive(): void {
    this.pings++;
  }

  end(code: number): void {
    this.closed = true;
    this.endedWith = code;
  }

  /** The ids of the `event` frames written. */
  eventIds(): string[] {
    return this.written.map((text) => JSON.parse(text) as { op: string; id?: string }).filter((f) => f.op === 'event').map((f) => f.id!);
  }
}

export function session(sink: Sink = new RecordingSink(), who: Partial<Identity> = {}): Session {
  return new Session(identity(who), sink, silentLogger, '127.0.0.1');
}
