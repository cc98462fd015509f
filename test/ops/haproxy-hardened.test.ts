import { strict as assert } from 'node:assert';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect as connectUnix } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import { ErrorCodes } from '@wikicast/protocol';
import { freePort, REPO_ROOT, waitFor } from '@wikicast/test/support';

/**
 * deploy/haproxy/haproxy.cfg's hardening, on the real HAProxy: the public listeners refuse
 * /v1/control while the internal one routes it to ingest; and a renewed certificate goes in
 * through the runtime API with no restart, while connections made before keep working.
 * No Wikicast service runs: which backend took a request shows in HAProxy's own 503 body.
 */
const run = promisify(execFile);
const CONFIG = join(REPO_ROOT, 'deploy/haproxy/haproxy.cfg');
const dir = mkdtempSync(join(tmpdir(), 'wikicast-haproxy-hardened-'));
const cert = join(dir, 'entry.pem'); // the key beside it, as components/tls mounts the Secret
const runtimeSocket = join(dir, 'runtime.sock');

interface Running {
  ports: { http: number; https: number; internal: number; stats: number };
  pid: number;
  stderr: () => string;
  stop: () => Promise<void>;
}

async function selfSigned(cn: string, certPath: string): Promise<void> {
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${cn}`, '-keyout', `${certPath}.key`, '-out', certPath]);
}

async function startHaproxy(): Promise<Running> {
  const ports = { http: await freePort(), https: await freePort(), internal: await freePort(), stats: await freePort() };
  const child = spawn('haproxy', ['-db', '-f', CONFIG], {
    env: {
      ...process.env,
      WIKICAST_HTTP_BIND: `127.0.0.1:${ports.http}`,
      WIKICAST_HTTPS_BIND: `127.0.0.1:${ports.https}`,
      WIKICAST_INTERNAL_BIND: `127.0.0.1:${ports.internal}`,
      WIKICAST_STATS_BIND: `127.0.0.1:${ports.stats}`,
      WIKICAST_TLS_CERT: cert,
      WIKICAST_RUNTIME_SOCKET: runtimeSocket,
      // Nothing listens here: a request that reaches a backend gets that backend's 503.
      WIKICAST_INGEST_ADDR: `127.0.0.1:${await freePort()}`,
      WIKICAST_EDGE1_ADDR: `127.0.0.1:${await freePort()}`,
      WIKICAST_EDGE2_ADDR: `127.0.0.1:${await freePort()}`,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  try {
    await waitFor('haproxy liveness on the stats port', async () => {
      if (child.exitCode !== null) throw new Error(`haproxy exited: ${stderr}`);
      return (await fetch(`http://127.0.0.1:${ports.stats}/healthz`).catch(() => null))?.ok === true;
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { ports, pid: child.pid!, stderr: () => stderr, stop };
}

/** One runtime API command, as `socat stdio unix-connect:<socket>` would send it. */
function runtimeCommand(command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connectUnix(runtimeSocket);
    let answer = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => (answer += chunk));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
    socket.end(command);
  });
}

/** A TLS connection to the entry that sends keep-alive requests one after another. */
async function openTls(port: number): Promise<{ subject: string; get: (path: string) => Promise<string>; close: () => void }> {
  const socket: TLSSocket = connectTls({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
  await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
  let buffered = '';
  socket.setEncoding('utf8');
  const get = (path: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const onData = (chunk: string): void => {
        buffered += chunk;
        const end = buffered.indexOf('\r\n\r\n');
        const length = /content-length: (\d+)/i.exec(buffered.slice(0, end));
        if (end < 0 || !length || buffered.length < end + 4 + Number(length[1])) return;
        socket.off('data', onData);
        resolve(buffered.slice(0, end + 4 + Number(length[1])));
        buffered = buffered.slice(end + 4 + Number(length[1]));
      };
      socket.on('data', onData).once('error', reject);
      socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n`);
    });
  return { subject: String(socket.getPeerCertificate().subject?.CN), get, close: () => socket.destroy() };
}

let haproxy: Running;
before(async () => {
  await selfSigned('wikicast-old', cert);
  haproxy = await startHaproxy();
});
after(async () => {
  await haproxy?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the control route', () => {
  const post = (port: number, path: string): Promise<Response> =>
    fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"user":"Mallory"}' });

  it('is refused on the public listeners with 404 not_found in the project shape', async () => {
    const plain = await post(haproxy.ports.http, '/v1/control/revoke');
    assert.equal(plain.status, 404);
    assert.equal(plain.status, ErrorCodes.not_found.status);
    assert.equal(plain.headers.get('content-type'), 'application/json');
    assert.equal(((await plain.json()) as { code: string }).code, 'not_found');
    const tls = await openTls(haproxy.ports.https);
    try {
      assert.match(await tls.get('/v1/control/revoke'), /^HTTP\/1\.1 404 /);
    } finally {
      tls.close();
    }
  });

  it('reaches ingest through the internal listener, which also serves the public routes', async () => {
    // HAProxy's 503 names the backend that took the request (no server listens there).
    const control = await post(haproxy.ports.internal, '/v1/control/revoke');
    assert.equal(control.status, 503);
    assert.match(((await control.json()) as { message: string }).message, /no ingest is ready/);
    const events = await post(haproxy.ports.internal, '/v1/events');
    assert.match(((await events.json()) as { message: string }).message, /no ingest is ready/);
    const ws = await fetch(`http://127.0.0.1:${haproxy.ports.internal}/v1/sse?topics=x`);
    assert.match(((await ws.json()) as { message: string }).message, /no edge is ready/);
  });

  it('leaves /v1/events on the public listener', async () => {
    const events = await post(haproxy.ports.http, '/v1/events');
    assert.match(((await events.json()) as { message: string }).message, /no ingest is ready/);
  });
});

describe('certificate renewal through the runtime API', () => {
  it('serves a new certificate on new connections, without a restart, keeping open ones', { timeout: 20_000 }, async () => {
    const before = await openTls(haproxy.ports.https);
    try {
      assert.equal(before.subject, 'wikicast-old');
      assert.match(await before.get('/readyz'), /^HTTP\/1\.1 503 /);

      // The renewed pair, written where the Secret's files are, then handed to HAProxy whole.
      const renewed = join(dir, 'renewed.pem');
      await selfSigned('wikicast-new', renewed);
      const pem = readFileSync(renewed, 'utf8') + readFileSync(`${renewed}.key`, 'utf8');
      assert.match(await runtimeCommand(`set ssl cert ${cert} <<\n${pem}\n`), /Transaction created|Transaction updated/);
      assert.match(await runtimeCommand(`commit ssl cert ${cert}\n`), /Success!/);

      const afterSwap = await openTls(haproxy.ports.https);
      try {
        assert.equal(afterSwap.subject, 'wikicast-new');
      } finally {
        afterSwap.close();
      }
      // The connection made before the swap is still served, by the same process.
      assert.match(await before.get('/readyz'), /^HTTP\/1\.1 503 /);
      assert.equal(process.kill(haproxy.pid, 0), true);
    } catch (err) {
      throw new Error(`${(err as Error).message}\nhaproxy stderr:\n${haproxy.stderr()}`, { cause: err });
    } finally {
      before.close();
    }
  });
});
