import { strict as assert } from 'node:assert';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import type { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { freePort, REPO_ROOT, waitFor } from '@wikicast/test/support';

/** deploy/haproxy/haproxy.cfg: valid with and without each optional block, and TLS really terminates. */
const run = promisify(execFile);
const CONFIG = join(REPO_ROOT, 'deploy/haproxy/haproxy.cfg');
const OPEN_FILE_LIMIT = 20_000;
const EDGE_PING_INTERVAL_MAX_S = 60;

const dir = mkdtempSync(join(tmpdir(), 'wikicast-haproxy-'));
const cert = join(dir, 'entry.pem'); // certificate only; HAProxy loads the key from entry.pem.key
const bundle = join(dir, 'bundle.pem'); // certificate and key in one file

before(async () => {
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-keyout', `${cert}.key`, '-out', cert]);
  writeFileSync(bundle, readFileSync(cert, 'utf8') + readFileSync(`${cert}.key`, 'utf8'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function check(env: Record<string, string>): Promise<string> {
  const { stdout, stderr } = await run('haproxy', ['-c', '-f', CONFIG], { env: { ...process.env, ...env } });
  return stdout + stderr;
}

describe('haproxy -c', () => {
  const cases: Array<[string, () => Record<string, string>]> = [
    ['without TLS or discovery (the local cluster)', () => ({})],
    ['with TLS, key beside the certificate, and redirect', () => ({ WIKICAST_TLS_CERT: cert, WIKICAST_TLS_REDIRECT: '1' })],
    ['with TLS from one PEM bundle', () => ({ WIKICAST_TLS_CERT: bundle })],
    ['with DNS discovery of edges and ingest (Kubernetes)', () => ({ WIKICAST_EDGE_DNS: 'wikicast-edge-pods.wikicast.svc.cluster.local', WIKICAST_INGEST_DNS: 'wikicast-ingest-pods.wikicast.svc.cluster.local' })],
    ['with discovery of edges only', () => ({ WIKICAST_EDGE_DNS: 'edges.example' })],
    ["with the local cluster's demo page and internal entry", () => ({ WIKICAST_DEMO_ADDR: '127.0.0.1:8099', WIKICAST_INTERNAL_BIND: '127.0.0.1:8081' })],
    ['with the runtime API on a unix socket', () => ({ WIKICAST_RUNTIME_SOCKET: join(dir, 'runtime.sock') })],
    [
      'with everything (the Kubernetes settings)',
      () => ({
        WIKICAST_TLS_CERT: cert,
        WIKICAST_TLS_REDIRECT: '1',
        WIKICAST_EDGE_DNS: 'edges.example',
        WIKICAST_INGEST_DNS: 'ingest.example',
        WIKICAST_INTERNAL_BIND: ':8081',
        WIKICAST_RUNTIME_SOCKET: 'ipv4@127.0.0.1:9999',
      }),
    ],
  ];
  for (const [name, env] of cases) {
    it(`passes ${name}, without warnings`, async () => {
      const output = await check(env());
      assert.match(output, /Configuration file is valid/);
      assert.doesNotMatch(output, /\[WARNING\]/);
    });
  }

  it('reads the certificate only when WIKICAST_TLS_CERT is set', async () => {
    await assert.rejects(check({ WIKICAST_TLS_CERT: join(dir, 'missing.pem') }), /unable to stat SSL certificate/);
  });
});

describe('limits', () => {
  const text = readFileSync(CONFIG, 'utf8');
  const seconds = (value: string): number => {
    const match = /^(\d+)(ms|s|m|h|d)?$/.exec(value);
    assert.ok(match, `not a duration: ${value}`);
    const unit = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 }[match[2] ?? 'ms'] ?? 0.001;
    return Number(match[1]) * unit;
  };

  it('keeps global maxconn below half the open-file limit', () => {
    const maxconn = /^\s*maxconn\s+(\d+)/m.exec(text);
    assert.ok(maxconn, 'global maxconn is set');
    assert.ok(Number(maxconn[1]) < OPEN_FILE_LIMIT / 2, `maxconn ${maxconn[1]}`);
  });

  it('keeps timeout tunnel longer than the edges ping interval', () => {
    const tunnel = /^\s*timeout\s+tunnel\s+(\S+)/m.exec(text);
    assert.ok(tunnel, 'timeout tunnel is set');
    assert.ok(seconds(tunnel[1] ?? '') > EDGE_PING_INTERVAL_MAX_S);
  });

  it('routes every path SPEC names and health-checks edges on /readyz with leastconn', () => {
    assert.match(text, /use_backend ingest if \{ path_beg \/v1\/events/);
    // The control route only from the internal listener (haproxy-hardened.test.ts runs it).
    assert.match(text, /http-request return status 404 .* if \{ path_beg \/v1\/control \} !\{ so_name internal \}/);
    assert.match(text, /default_backend edges/); // /v1/ws, /v1/sse and the seed's /websocket
    const edges = text.slice(text.indexOf('backend edges'));
    assert.match(edges, /balance leastconn/);
    assert.match(edges, /http-check send meth GET uri \/readyz ver HTTP\/1\.1 hdr Host /); // uWS ignores HTTP/1.0 checks
  });

  it('ships a copy for Kubernetes that is identical (kustomize reads only files under its root)', () => {
    assert.equal(readFileSync(join(REPO_ROOT, 'deploy/kubernetes/base/haproxy/haproxy.cfg'), 'utf8'), text, 'copy deploy/haproxy/haproxy.cfg to deploy/kubernetes/base/haproxy/haproxy.cfg');
  });
});

describe('running with TLS', () => {
  it('terminates TLS, redirects plain HTTP, and serves its exporter and liveness', { timeout: 20_000 }, async () => {
    const [http, https, stats] = [await freePort(), await freePort(), await freePort()];
    const child = spawn('haproxy', ['-db', '-f', CONFIG], {
      env: {
        ...process.env,
        WIKICAST_HTTP_BIND: `127.0.0.1:${http}`,
        WIKICAST_HTTPS_BIND: `127.0.0.1:${https}`,
        WIKICAST_STATS_BIND: `127.0.0.1:${stats}`,
        WIKICAST_TLS_CERT: cert,
        WIKICAST_TLS_REDIRECT: '1',
        // Nothing listens here: the backends are down, which /readyz must report.
        WIKICAST_INGEST_ADDR: `127.0.0.1:${await freePort()}`,
        WIKICAST_EDGE1_ADDR: `127.0.0.1:${await freePort()}`,
        WIKICAST_EDGE2_ADDR: `127.0.0.1:${await freePort()}`,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await waitFor('haproxy liveness on the stats port', async () => {
        try {
          return (await fetch(`http://127.0.0.1:${stats}/healthz`)).ok;
        } catch (err) {
          if (err instanceof TypeError) return false; // not listening yet
          throw err;
        }
      });
      // Servers start up and are marked down by their failing checks (fall 2, inter 1s).
      await waitFor('the exporter to report no edge up', async () => {
        const metrics = await (await fetch(`http://127.0.0.1:${stats}/metrics`)).text();
        return /^haproxy_backend_active_servers\{proxy="edges"\} 0$/m.test(metrics);
      });

      const secure = await new Promise<{ status: number; body: string; protocol: string }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: https, path: '/readyz', rejectUnauthorized: false, agent: false }, (res) => {
          const protocol = (res.socket as TLSSocket).getProtocol() ?? '';
          let body = '';
          res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body, protocol }));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end();
      });
      assert.equal(secure.status, 503);
      assert.deepEqual(JSON.parse(secure.body), { status: 'not_ready' });
      assert.match(secure.protocol, /^TLSv1\.[23]$/);

      const plain = await fetch(`http://127.0.0.1:${http}/v1/ws`, { redirect: 'manual' });
      assert.equal(plain.status, 308);
      assert.equal(plain.headers.get('location'), `https://127.0.0.1:${http}/v1/ws`);
    } catch (err) {
      throw new Error(`${(err as Error).message}\nhaproxy stderr:\n${stderr}`, { cause: err });
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});
