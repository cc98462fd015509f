import { strict as assert } from 'node:assert';
import { connect } from 'node:net';
import { it } from 'node:test';
import { listen, loadUws } from '../src/index.js';

const uws = loadUws(false);

/** An app that answers every request and closes the connection itself (the server side keeps TIME_WAIT). */
function closingApp() {
  return uws.App().any('/*', (res) => {
    res.cork(() => res.end('ok', true));
  });
}

/** One request over a raw socket; resolves once the server closed it. */
function requestOnce(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const socket = connect(port, '127.0.0.1', () => socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(text));
  });
}

it('refuses a port another listener holds (no silent SO_REUSEPORT sharing)', async () => {
  const first = await listen(uws, closingApp(), '127.0.0.1', 0);
  try {
    await assert.rejects(listen(uws, closingApp(), '127.0.0.1', first.port), /cannot listen on 127\.0\.0\.1:\d+/);
  } finally {
    uws.us_listen_socket_close(first.socket);
  }
});

it('listens again on the same port at once after the server closed connections (TIME_WAIT)', async () => {
  // A named port, as in production: uSockets sets SO_REUSEADDR only then (not for port 0).
  const free = await listen(uws, closingApp(), '127.0.0.1', 0);
  uws.us_listen_socket_close(free.socket);
  const first = await listen(uws, closingApp(), '127.0.0.1', free.port);
  for (let i = 0; i < 3; i++) assert.match(await requestOnce(first.port), /^HTTP\/1\.1 200/);
  uws.us_listen_socket_close(first.socket);
  const again = await listen(uws, closingApp(), '127.0.0.1', first.port);
  try {
    assert.equal(again.port, first.port);
    assert.match(await requestOnce(again.port), /ok$/);
  } finally {
    uws.us_listen_socket_close(again.socket);
  }
});
