import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WikicastMessage } from '../src/message.js';
import { Subscriptions } from '../src/subscriptions.js';
import { flush } from './fake-timers.js';
import { event, harness } from './harness.js';

async function reconnect(h: ReturnType<typeof harness>, welcomeCursor: string | null = null) {
  h.last().serverClose(1006);
  h.timers.advance(h.timers.delays()[0] ?? 0);
  await flush();
  h.last().welcome(welcomeCursor);
  return h.last();
}

test('subscriptions made before connecting are sent after welcome; a quiet one resumes from the welcome cursor', async () => {
  const h = harness();
  h.client.subscribe('demo:news', () => {});
  const socket = await h.connectAndWelcome('5.aaaaaaaa');
  assert.deepEqual(socket.sentOps('subscribe').map(({ topics, since }) => ({ topics, since })), [{ topics: ['demo:news'], since: undefined }]);
  const again = await reconnect(h, '9.bbbbbbbb');
  assert.deepEqual(again.sentOps('subscribe')[0]?.since, '5.aaaaaaaa');
});

test('after a reconnection each subscription resumes after the last event it was given', async () => {
  const h = harness();
  const got: string[] = [];
  h.client.subscribe('demo:news', (m) => got.push(m.id));
  h.client.subscribe('demo:page:1', (m) => got.push(m.id));
  const socket = await h.connectAndWelcome('1.00000000');
  socket.receive(event('e1', '2.00000001', 'demo:news'));
  socket.receive(event('e2', '3.00000002', 'demo:page:1'));
  socket.receive(event('e3', '4.00000003', 'demo:news'));
  const again = await reconnect(h);
  const frames = again.sentOps('subscribe').map(({ topics, since }) => ({ topics, since }));
  assert.deepEqual(frames, [
    { topics: ['demo:news'], since: '4.00000003' },
    { topics: ['demo:page:1'], since: '3.00000002' },
  ]);
  // The replay the server sends overlaps with what was seen: the overlap is dropped by id.
  again.receive(event('e3', '4.00000003', 'demo:news'));
  again.receive(event('e4', '5.00000004', 'demo:news'));
  assert.deepEqual(got, ['e1', 'e2', 'e3', 'e4']);
});

test('an event id seen before is delivered once, but still moves the cursor on', async () => {
  const h = harness();
  const got: string[] = [];
  h.client.subscribe('demo:news', (m) => got.push(m.id));
  const socket = await h.connectAndWelcome();
  socket.receive(event('same', '1.00000001'));
  socket.receive(event('same', '2.00000001'));
  assert.deepEqual(got, ['same']);
  const again = await reconnect(h);
  assert.equal(again.sentOps('subscribe')[0]?.since, '2.00000001');
});

test('a subscription added while connected starts from the newest cursor of this connection', async () => {
  const h = harness();
  h.client.subscribe('demo:a', () => {});
  const socket = await h.connectAndWelcome('1.00000000');
  socket.receive(event('e1', '7.00000001', 'demo:a'));
  h.client.subscribe('demo:b', () => {});
  assert.deepEqual(socket.sentOps('subscribe').at(-1)?.topics, ['demo:b']);
  assert.equal(socket.sentOps('subscribe').at(-1)?.since, undefined, 'a new subscription is live from now');
  const again = await reconnect(h);
  assert.deepEqual(again.sentOps('subscribe').map((f) => f.since), ['7.00000001'], 'both resume from 7, in one frame');
});

test('seed names: a bare name gets the events of its wiki-scoped topic, with msg and from', async () => {
  const h = harness();
  const got: WikicastMessage[] = [];
  h.client.subscribe('FooDataChanged', (m) => got.push(m));
  const socket = await h.connectAndWelcome();
  socket.receive(event('e1', '1.00000001', 'demo:FooDataChanged', { type: 'FooDataChanged', msg: { page: 3 }, from: 'WS7' }));
  socket.receive(event('e2', '2.00000002', 'demo:BarDataChanged', { type: 'BarDataChanged' }));
  assert.equal(got.length, 1);
  assert.deepEqual(got[0]?.msg, { page: 3 });
  assert.equal(got[0]?.from, 'WS7');
  assert.equal(got[0]?.type, 'FooDataChanged');
  assert.equal((got[0] as Record<string, unknown> | undefined)?.op, undefined, 'callbacks get the event, not the frame');
});

test('reset: the application is told to reload, and the topic resumes from the newest cursor', async () => {
  const h = harness();
  h.client.subscribe('demo:news', () => {});
  h.client.subscribe('demo:other', () => {});
  const resets: string[][] = [];
  h.client.on('reset', (info) => resets.push(info.topics));
  const socket = await h.connectAndWelcome('3.00000000');
  socket.receive(event('e1', '4.00000001', 'demo:other'));
  socket.receive({ op: 'reset', topics: ['demo:news'], reason: 'history no longer available' });
  assert.deepEqual(resets, [['demo:news']]);
  const again = await reconnect(h);
  assert.deepEqual(again.sentOps('subscribe').map((f) => f.since), ['4.00000001']);
});

test('subscribed tells how a bare name resolved, so a reset on the full topic reaches it', async () => {
  const h = harness();
  h.client.subscribe('Foo', () => {});
  const socket = await h.connectAndWelcome('1.00000000');
  const ref = socket.sentOps('subscribe')[0]?.ref;
  socket.receive({ op: 'subscribed', topics: ['demo:Foo'], ref });
  socket.receive(event('e1', '8.00000001', 'demo:x'));
  socket.receive({ op: 'reset', topics: ['demo:Foo'], reason: 'gone' });
  const again = await reconnect(h);
  assert.equal(again.sentOps('subscribe')[0]?.since, '8.00000001');
});

test('unsubscribe: the last callback leaves the topic; others keep it', async () => {
  const h = harness();
  const got: string[] = [];
  const a = (m: WikicastMessage) => got.push(`a${m.id}`);
  const stopB = h.client.subscribe('demo:news', (m) => got.push(`b${m.id}`));
  h.client.subscribe('demo:news', a);
  const socket = await h.connectAndWelcome();
  stopB();
  assert.deepEqual(socket.sentOps('unsubscribe'), []);
  socket.receive(event('1', '1.00000001'));
  h.client.unsubscribe('demo:news', a);
  assert.deepEqual(socket.sentOps('unsubscribe').map((f) => f.topics), [['demo:news']]);
  socket.receive(event('2', '2.00000002'));
  assert.deepEqual(got, ['a1']);
  const again = await reconnect(h);
  assert.deepEqual(again.sentOps('subscribe'), []);
});

test('resume requests group topics by cursor and split at 100 topics a frame', () => {
  const subs = new Subscriptions();
  for (let i = 0; i < 150; i++) subs.add(`demo:t${i}`, () => {}, i < 120 ? 'c1' : undefined);
  const requests = subs.resumeRequests();
  assert.deepEqual(requests.map((r) => [r.topics.length, r.since]), [[100, 'c1'], [20, 'c1'], [30, undefined]]);
});

test('subscribe with since: the first subscribe frame asks for the replay after that cursor', async () => {
  const h = harness();
  h.client.subscribe('demo:a', () => {}, { since: '3.00000003' });
  const socket = await h.connectAndWelcome('9.00000000');
  h.client.subscribe('demo:b', () => {}, { since: '4.00000004' });
  assert.deepEqual(socket.sentOps('subscribe').map(({ topics, since }) => ({ topics, since })), [
    { topics: ['demo:a'], since: '3.00000003' },
    { topics: ['demo:b'], since: '4.00000004' },
  ]);
});

test('topics the server dropped on its own (a refresh changed the user) are not asked for again after a reconnection', async () => {
  const h = harness();
  const got: string[] = [];
  h.client.subscribe('demo:user:Alice', (m) => got.push(m.id));
  h.client.subscribe('demo:page:7', (m) => got.push(m.id));
  const socket = await h.connectAndWelcome('1.00000000');
  socket.receive({ op: 'unsubscribed', topics: ['demo:user:Alice'] });
  socket.receive(event('e1', '2.00000001', 'demo:user:Alice'));
  socket.receive(event('e2', '3.00000002', 'demo:page:7'));
  assert.deepEqual(got, ['e2']);
  const again = await reconnect(h);
  assert.deepEqual(again.sentOps('subscribe').map(({ topics }) => topics), [['demo:page:7']]);
});
