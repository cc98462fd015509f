import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PresenceState } from '../src/presence-tracker.js';
import { flush } from './fake-timers.js';
import { harness } from './harness.js';

test('presence(topic, listener): joins, asks for the state, follows joins and leaves, and joins again after a reconnect', async () => {
  const h = harness();
  const socket = await h.connectAndWelcome();
  const seen: PresenceState[] = [];
  const stop = h.client.presence('page:7', (state) => seen.push(state));
  assert.deepEqual(socket.sent.slice(-2), [
    { op: 'subscribe', topics: ['page:7'], presence: true },
    { op: 'presence', topics: ['page:7'] },
  ]);
  // The answer names the full topic; the application used the bare name.
  socket.receive({ op: 'join', topic: 'demo:page:7', member: { cid: 'WSme', user: 'Me' }, anonymous: 0 });
  socket.receive({ op: 'presence', topic: 'demo:page:7', members: [{ cid: 'WSme', user: 'Me' }, { cid: 'WSa', user: 'Alice' }], anonymous: 1, total: 3 });
  socket.receive({ op: 'join', topic: 'demo:page:7', member: { cid: 'WSb', user: 'Bob' }, anonymous: 1 });
  socket.receive({ op: 'leave', topic: 'demo:page:7', member: { cid: 'WSa', user: 'Alice' }, anonymous: 1 });
  socket.receive({ op: 'join', topic: 'demo:page:7', member: {}, anonymous: 2 });
  socket.receive({ op: 'join', topic: 'demo:page:8', member: { cid: 'WSx', user: 'Elsewhere' }, anonymous: 0 });
  assert.deepEqual(seen.at(-1), { members: [{ cid: 'WSme', user: 'Me' }, { cid: 'WSb', user: 'Bob' }], anonymous: 2 });
  assert.equal(seen.length, 5, 'one call per frame of this topic');

  socket.serverClose(1012, 'restarting');
  h.timers.advance(h.timers.delays()[0] ?? 0);
  await flush();
  const again = h.last();
  assert.notEqual(again, socket);
  again.welcome(null);
  assert.deepEqual(again.sent.filter((f) => f.op === 'presence' || (f.op === 'subscribe' && f.presence === true)).map((f) => f.op), ['subscribe', 'presence']);

  stop();
  assert.deepEqual(again.sent.at(-1), { op: 'unsubscribe', topics: ['page:7'] });
  assert.deepEqual(h.errors, []);
});

test("leaving presence keeps the topic's events when they are still subscribed", async () => {
  const h = harness();
  const socket = await h.connectAndWelcome();
  h.client.subscribe('page:9', () => {});
  const stop = h.client.presence('page:9', () => {});
  stop();
  assert.equal(socket.sent.filter((f) => f.op === 'unsubscribe').length, 0);
});
