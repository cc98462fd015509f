import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode } from '../src/codes.js';
import { harness } from './harness.js';

test('seed send(type, msg, to): a send frame to topic = type; resolves with the acked event id', async () => {
  const h = harness();
  const socket = await h.connectAndWelcome();
  const acked = h.client.send('FooDataChanged', { x: 1 }, 'WS77');
  const frame = socket.sentOps('send')[0];
  assert.deepEqual({ ...frame, ref: undefined }, { op: 'send', type: 'FooDataChanged', msg: { x: 1 }, to: ['WS77'], ref: undefined });
  socket.receive({ op: 'ack', ref: frame?.ref, id: '0190-id' });
  assert.equal(await acked, '0190-id');
});

test('modern send(type, msg, {topic, to}) and seed to=false', async () => {
  const h = harness();
  const socket = await h.connectAndWelcome();
  void h.client.send('edit', 'hi', { topic: 'demo:page:1', to: ['A', 'B'] });
  void h.client.send('ping', null, false);
  const [first, second] = socket.sentOps('send');
  assert.equal(first?.topic, 'demo:page:1');
  assert.deepEqual(first?.to, ['A', 'B']);
  assert.equal('to' in (second ?? {}), false);
  assert.equal('topic' in (second ?? {}), false);
});

test('an error frame with the ref rejects that send with the server code', async () => {
  const h = harness();
  const socket = await h.connectAndWelcome();
  const sent = h.client.send('nope', {});
  socket.receive({ op: 'error', code: 'forbidden', message: 'token may not send "nope"', ref: socket.sentOps('send')[0]?.ref });
  await assert.rejects(sent, { name: 'WikicastError', code: 'forbidden', message: 'token may not send "nope"' });
  assert.deepEqual(h.errors, [], 'an error answered to a send goes to its promise only');
});

test('no ack in time rejects with ack_timeout; a lost connection with disconnected', async () => {
  const h = harness({ ackTimeoutMs: 2000 });
  const socket = await h.connectAndWelcome();
  const slow = h.client.send('a', 1);
  const perCall = h.client.send('b', 1, { timeoutMs: 500 });
  h.timers.advance(500);
  await assert.rejects(perCall, { code: ErrorCode.ackTimeout });
  const lost = h.client.send('c', 1);
  socket.serverClose(1006);
  await assert.rejects(slow, { code: ErrorCode.disconnected });
  await assert.rejects(lost, { code: ErrorCode.disconnected });
});

test('send while not connected rejects at once with not_connected', async () => {
  const h = harness();
  await assert.rejects(h.client.send('a', 1), { code: ErrorCode.notConnected });
});

test('an error frame without a pending ref goes to the error listeners', async () => {
  const h = harness();
  const socket = await h.connectAndWelcome();
  socket.receive({ op: 'error', code: 'foreign_topic', message: 'topic "other:x" belongs to wiki "other"' });
  socket.receive('not json');
  assert.deepEqual(h.errors.map((e) => e.code), ['foreign_topic', ErrorCode.badFrame]);
});

test('drain(): refuses new sends, lets the pending ones get their ack, then closes', async () => {
  const h = harness();
  const socket = await h.connectAndWelcome();
  const inFlight = h.client.send('a', 1);
  const drained = h.client.drain();
  await assert.rejects(h.client.send('b', 2), { code: ErrorCode.closed });
  assert.equal(h.client.state, 'connected', 'still connected while the ack is awaited');
  socket.receive({ op: 'ack', ref: socket.sentOps('send')[0]?.ref, id: 'id-a' });
  assert.equal(await inFlight, 'id-a');
  await drained;
  assert.equal(h.client.state, 'closed');
  await h.client.drain();
});
