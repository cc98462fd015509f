/** Builds a client wired to a fake socket and fake timers, recording what it emits. */
import { WikicastClient } from '../src/client.js';
import type { ClientOptions } from '../src/options.js';
import type { StateChange } from '../src/state.js';
import type { WikicastError } from '../src/errors.js';
import type { NetworkStatus } from '../src/network.js';
import { fakeWebSocket, type FakeSocket } from './fake-socket.js';
import { FakeTimers, flush } from './fake-timers.js';

export interface Harness {
  client: WikicastClient;
  timers: FakeTimers;
  sockets: FakeSocket[];
  last: () => FakeSocket;
  states: StateChange[];
  errors: WikicastError[];
  /** Connects and answers with `welcome`. */
  connectAndWelcome: (cursor?: string | null) => Promise<FakeSocket>;
}

export function harness(options: Partial<ClientOptions> = {}): Harness {
  const fake = fakeWebSocket();
  const timers = new FakeTimers();
  const client = new WikicastClient({
    url: 'http://edge.test',
    WebSocket: fake.WebSocket,
    timers,
    random: () => 0.5,
    ...options,
  });
  const states: StateChange[] = [];
  const errors: WikicastError[] = [];
  client.on('state', (change) => states.push(change));
  client.on('error', (err) => errors.push(err));
  return {
    client,
    timers,
    sockets: fake.sockets,
    last: fake.last,
    states,
    errors,
    async connectAndWelcome(cursor = null) {
      client.connect();
      await flush();
      const socket = fake.last();
      socket.welcome(cursor);
      return socket;
    },
  };
}

/** A network whose online/offline state the test sets. */
export function fakeNetwork(): NetworkStatus & { set: (online: boolean) => void } {
  let online = true;
  const listeners = new Set<(online: boolean) => void>();
  return {
    online: () => online,
    watch(onChange) {
      listeners.add(onChange);
      return () => listeners.delete(onChange);
    },
    set(value) {
      online = value;
      for (const listener of listeners) listener(value);
    },
  };
}

export function event(id: string, cursor: string, topic = 'demo:news', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { op: 'event', id, wiki: 'demo', topic, type: 'news', msg: { n: id }, from: 'WS9', ts: '2026-11-22T10:00:00.000Z', cursor, ...extra };
}
