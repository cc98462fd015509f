import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode } from '../src/codes.js';
import { State } from '../src/state.js';
import { flush } from './fake-timers.js';
import { harness } from './harness.js';

test('lazy: connect() opens no socket until the first subscribe, which then goes out once connected', async () => {
  const h = harness({ lazy: true });
  h.client.connect();
  await flush();
  assert.equal(h.sockets.length, 0);
  assert.equal(h.client.state, State.Disconnected);

  h.client.subscribe('demo:page:1', () => {});
  assert.equal(h.client.state, State.Connecting);
  await flush();
  assert.equal(h.sockets.length, 1);
  h.last().welcome();
  assert.deepEqual(h.last().sentOps('subscribe').map((f) => f.topics), [['demo:page:1']]);
});

test('lazy: presence() and send() start the connection too; the early send is refused as not connected', async () => {
  const withPresence = harness({ lazy: true });
  withPresence.client.connect();
  withPresence.client.presence('demo:page:1:editing', () => {});
  await flush();
  assert.equal(withPresence.sockets.length, 1);

  const withSend = harness({ lazy: true });
  withSend.client.connect();
  await assert.rejects(withSend.client.send('Ping', 1), (err: { code?: string }) => err.code === ErrorCode.notConnected);
  await flush();
  assert.equal(withSend.sockets.length, 1);
});

test('lazy: subscribing before connect() connects at connect(); without connect() nothing ever opens', async () => {
  const early = harness({ lazy: true });
  early.client.subscribe('demo:recentchange', () => {});
  await flush();
  assert.equal(early.sockets.length, 0, 'subscribe alone does not connect a client that was never asked to');
  early.client.connect();
  await flush();
  assert.equal(early.sockets.length, 1);
});

test('lazy: close() before anything subscribed leaves a later subscribe unconnected', async () => {
  const h = harness({ lazy: true });
  h.client.connect();
  h.client.close();
  h.client.subscribe('demo:recentchange', () => {});
  await flush();
  assert.equal(h.sockets.length, 0);
});
