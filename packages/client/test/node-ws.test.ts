/**
 * The Node entry with the real `ws` package, against a minimal `ws` server that plays three frames
 * of the edge's part. Why a stand-in server: this checks only that `ws`'s WebSocket fits the
 * client's socket interface (text frames as strings, close codes, errors), which needs no broker;
 * the client against the real edge and HAProxy is in the end-to-end tests (test/e2e).
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { WebSocketServer } from 'ws';
import { connect, State, type StateChange } from '../src/index.node.js';

test('connect() in Node uses ws: welcome, subscribe, event, and a 1012 close leads to a new connection', async (t) => {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  t.after(() => server.close());
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  const urls: string[] = [];
  let connections = 0;
  server.on('connection', (socket, request) => {
    urls.push(request.url ?? '');
    const n = ++connections;
    socket.send(JSON.stringify({ op: 'welcome', cid: `WS${n}`, edge: 'stand-in', cursor: null }));
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { op: string; ref?: number };
      if (frame.op !== 'subscribe') return;
      socket.send(JSON.stringify({ op: 'subscribed', topics: ['demo:news'], ref: frame.ref }));
      socket.send(JSON.stringify({ op: 'event', id: `id-${n}`, wiki: 'demo', topic: 'demo:news', type: 'news', msg: { n }, ts: new Date().toISOString(), cursor: `${n}.0000000${n}` }));
      if (n === 1) setTimeout(() => socket.close(1012, 'restarting'), 10);
    });
  });

  const client = connect({ url: `http://127.0.0.1:${port}`, token: 't0k' });
  t.after(() => client.close());
  const got: unknown[] = [];
  const states: StateChange[] = [];
  client.on('state', (s) => states.push(s));
  const second = new Promise<void>((resolve) => {
    client.subscribe('demo:news', (m) => {
      got.push(m.msg);
      if (got.length === 2) resolve();
    });
  });
  await second;
  assert.deepEqual(got, [{ n: 1 }, { n: 2 }]);
  assert.deepEqual(urls, ['/v1/ws?token=t0k', '/v1/ws?token=t0k']);
  assert.ok(states.some((s) => s.closeCode === 1012 && s.to === State.Disconnected));
  assert.equal(client.cid, 'WS2');
});

test('an unreachable server: the close explains why, and retries follow', async (t) => {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  const client = connect({ url: `ws://127.0.0.1:${port}/v1/ws` });
  t.after(() => client.close());
  const change = await new Promise<StateChange>((resolve) => client.on('state', (s) => s.to === State.Disconnected && resolve(s)));
  assert.match(change.detail ?? '', /ECONNREFUSED/);
});
