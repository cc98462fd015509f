import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode, ReasonCode } from '../src/codes.js';
import { State } from '../src/state.js';
import { flush } from './fake-timers.js';
import { fakeNetwork, harness } from './harness.js';

const transitions = (h: ReturnType<typeof harness>) => h.states.map((s) => `${s.from}>${s.to}:${s.reason}`);

test('connect: disconnected → connecting → connected once welcome arrives', async () => {
  const h = harness();
  assert.equal(h.client.state, State.Disconnected);
  h.client.connect();
  assert.equal(h.client.state, State.Connecting);
  await flush();
  assert.equal(h.last().url, 'ws://edge.test/v1/ws');
  assert.equal(h.client.connected(), false, 'an open socket is not connected before welcome');
  h.last().welcome('0.00000000', 'WS42');
  assert.equal(h.client.connected(), true);
  assert.equal(h.client.cid, 'WS42');
  assert.deepEqual(transitions(h), ['disconnected>connecting:connect_called', 'connecting>connected:welcome']);
});

test('a lost connection calls the seed disconnected callbacks once, then retries with backoff', async () => {
  const h = harness({ backoff: { baseMs: 1000, maxMs: 10_000 } });
  let calls = 0;
  h.client.disconnected(() => {
    calls++;
    assert.equal(h.client.connected(), false, 'connected() is already false in the callback');
  });
  const first = await h.connectAndWelcome();
  first.serverClose(1006);
  assert.equal(h.client.state, State.Disconnected);
  assert.equal(calls, 1);
  assert.deepEqual(h.timers.delays(), [500], 'attempt 0: random 0.5 × 1000 ms');

  h.timers.advance(500);
  assert.equal(h.client.state, State.Connecting);
  await flush();
  h.last().serverClose(1006);
  assert.equal(calls, 1, 'a failed reconnection attempt is not another loss');
  assert.deepEqual(h.timers.delays(), [1000], 'attempt 1: the ceiling doubled');

  h.timers.advance(1000);
  await flush();
  h.last().welcome();
  assert.equal(h.client.connected(), true);
  assert.equal(h.sockets.length, 3);
  h.last().serverClose(1006);
  assert.deepEqual(h.timers.delays(), [500], 'a successful connection resets the backoff');
  assert.equal(calls, 2);
});

test('1012 (edge restarting) reconnects at once, reported with its reason', async () => {
  const h = harness();
  const socket = await h.connectAndWelcome();
  socket.serverClose(1012, 'restarting');
  const change = h.states.at(-1);
  assert.deepEqual(change, { from: State.Connected, to: State.Disconnected, reason: ReasonCode.serverRestarting, closeCode: 1012 });
  assert.deepEqual(h.timers.delays(), [0]);
  h.timers.advance(0);
  await flush();
  assert.equal(h.sockets.length, 2);
});

test('a draining edge\'s shutting_down refusal explains the 1012 close that follows and is no error', async () => {
  const h = harness();
  h.client.connect();
  await flush();
  h.last().receive({ op: 'error', code: 'shutting_down', message: 'this edge is shutting down; connect to another' });
  h.last().serverClose(1012, 'shutting down');
  assert.equal(h.states.at(-1)?.detail, 'shutting_down: this edge is shutting down; connect to another');
  assert.equal(h.states.at(-1)?.reason, ReasonCode.serverRestarting);
  assert.deepEqual(h.errors, []);
  assert.deepEqual(h.timers.delays(), [0], 'reconnects at once');
});

test('4001 reconnects at once with a fresh token from getToken', async () => {
  let issued = 0;
  const h = harness({ token: 'first', getToken: async () => `token-${++issued}` });
  const socket = await h.connectAndWelcome();
  assert.equal(socket.token, 'first', 'an initial token without readable expiry is used as given');
  socket.serverClose(4001);
  assert.equal(h.states.at(-1)?.reason, ReasonCode.tokenExpired);
  h.timers.advance(0);
  await flush();
  assert.equal(h.last().token, 'token-1');
});

test('4001 without getToken, or 1008 refused again and again, end in closed', async () => {
  const h = harness({ token: 'only' });
  (await h.connectAndWelcome()).serverClose(4001);
  assert.equal(h.client.state, State.Closed);
  assert.deepEqual(h.timers.delays(), []);

  const g = harness({ getToken: () => 'refused', maxAuthFailures: 2 });
  g.client.connect();
  await flush();
  g.last().serverClose(1008);
  assert.equal(g.client.state, State.Disconnected);
  g.timers.advance(60_000);
  await flush();
  g.last().serverClose(1008);
  assert.equal(g.client.state, State.Closed);
  assert.equal(g.states.at(-1)?.reason, ReasonCode.authRefused);
});

test('no welcome within the connect timeout: the socket is dropped and retried', async () => {
  const h = harness({ connectTimeoutMs: 3000 });
  h.client.connect();
  await flush();
  h.timers.advance(3000);
  assert.equal(h.sockets[0]?.closedWith, 1000);
  assert.equal(h.states.at(-1)?.reason, ReasonCode.connectTimeout);
  assert.equal(h.client.state, State.Disconnected);
});

test('a socket error explains the close that follows', async () => {
  const h = harness();
  h.client.connect();
  await flush();
  h.last().failWith('connect ECONNREFUSED 127.0.0.1:1');
  assert.equal(h.states.at(-1)?.detail, 'connect ECONNREFUSED 127.0.0.1:1');
});

test('close(): closed for good, no reconnection, pending sends rejected, idempotent', async () => {
  const h = harness();
  let lost = 0;
  h.client.disconnected(() => lost++);
  const socket = await h.connectAndWelcome();
  const sent = h.client.send('news', { a: 1 });
  h.client.close();
  h.client.close();
  await assert.rejects(sent, { code: ErrorCode.closed });
  assert.equal(socket.closedWith, 1000);
  assert.equal(h.client.state, State.Closed);
  assert.equal(lost, 1);
  assert.deepEqual(h.timers.delays(), []);
  socket.serverClose(1000);
  assert.equal(h.client.state, State.Closed, 'a late close from the old socket changes nothing');
});

test('offline drops the connection and waits; online reconnects at once', async () => {
  const network = fakeNetwork();
  const h = harness({ network });
  const socket = await h.connectAndWelcome();
  network.set(false);
  assert.equal(socket.closedWith, 1000);
  assert.equal(h.client.state, State.Disconnected);
  assert.equal(h.states.at(-1)?.reason, ReasonCode.offline);
  assert.deepEqual(h.timers.delays(), [], 'no retry while offline');
  network.set(true);
  assert.equal(h.client.state, State.Connecting);
  assert.equal(h.states.at(-1)?.reason, ReasonCode.online);
  await flush();
  assert.equal(h.sockets.length, 2);
});

test('starting offline waits for online before the first attempt', async () => {
  const network = fakeNetwork();
  network.set(false);
  const h = harness({ network });
  h.client.connect();
  await flush();
  assert.equal(h.sockets.length, 0);
  network.set(true);
  await flush();
  assert.equal(h.sockets.length, 1);
});

test('a failing getToken is reported and retried with backoff', async () => {
  let calls = 0;
  const h = harness({
    getToken: async () => {
      if (++calls === 1) throw new Error('api down');
      return 'ok';
    },
  });
  h.client.connect();
  await flush();
  assert.equal(h.sockets.length, 0);
  assert.equal(h.errors[0]?.code, ErrorCode.tokenUnavailable);
  assert.equal(h.client.state, State.Disconnected);
  h.timers.advance(h.timers.delays()[0] ?? 0);
  await flush();
  assert.equal(h.last().token, 'ok');
});

test('a throwing callback is reported as an error and does not stop the others', async () => {
  const h = harness();
  const seen: string[] = [];
  h.client.subscribe('demo:news', () => {
    throw new Error('boom');
  });
  h.client.subscribe('demo:news', (m) => seen.push(m.id));
  const socket = await h.connectAndWelcome();
  socket.receive({ op: 'event', id: 'e1', wiki: 'demo', topic: 'demo:news', type: 't', ts: 'x', cursor: 'c1' });
  assert.deepEqual(seen, ['e1']);
  assert.equal(h.errors[0]?.code, ErrorCode.callbackFailed);
});

test('a state listener that closes the client stops the reconnection it interrupted', async () => {
  const h = harness();
  h.client.on('state', (change) => {
    if (change.to === State.Disconnected) h.client.close();
  });
  h.client.connect();
  await flush();
  h.last().serverClose(1006);
  assert.equal(h.client.state, State.Closed);
  assert.deepEqual(h.timers.delays(), []);
});

test('a state listener that closes on connected leaves nothing scheduled', async () => {
  const h = harness({ token: 'x', getToken: () => 'y' });
  h.client.subscribe('demo:a', () => {});
  h.client.on('state', (change) => {
    if (change.to === State.Connected) h.client.close();
  });
  const socket = await h.connectAndWelcome();
  assert.equal(h.client.state, State.Closed);
  assert.deepEqual(socket.sentOps('subscribe'), []);
  assert.deepEqual(h.timers.delays(), []);
});
