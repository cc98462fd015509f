import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { setupTopology, signToken, startLocalCluster, TestClient, waitFor, type TestTopology } from '@wikicast/test/support';

/**
 * The README's start command, run as an operator would: it brings up ingest, two edges and
 * HAProxy, an event goes through HAProxy end to end, and Ctrl-C leaves nothing listening.
 * Ports are moved off the defaults so a developer's own cluster can keep running.
 */
const ports = { http: 18080, internal: 18081, stats: 18404, demo: 18099, ingest: 18100, edges: [18101, 18102] };
let topology: TestTopology | undefined;
const stateDir = mkdtempSync(join(tmpdir(), 'wikicast-cluster-'));

after(async () => {
  await topology?.cleanup();
  rmSync(stateDir, { recursive: true, force: true });
});

it('bash deploy/local/cluster.sh starts the cluster behind HAProxy and stops it cleanly', { timeout: 240_000 }, async () => {
  topology = await setupTopology('cluster');
  const cluster = startLocalCluster(ports, topology.prefix, stateDir);
  const { child, exited } = cluster;
  try {
    await waitFor('the cluster to say it is ready', () => cluster.output().includes('Wikicast local cluster is ready.') || child.exitCode !== null, { timeoutMs: 180_000 });
    assert.match(cluster.output(), /Wikicast local cluster is ready\./, cluster.output());
    assert.match(cluster.output(), new RegExp(`127\\.0\\.0\\.1:${ports.http}`));

    const wikis = JSON.parse(readFileSync(join(stateDir, 'wikis.json'), 'utf8')) as Array<{ id: string; secret: string; public: boolean }>;
    const demo = wikis.find((w) => w.id === 'demo')!;
    assert.ok(cluster.output().includes(demo.secret), 'the development secret is printed');

    // The seed's /websocket path, through HAProxy.
    const token = await signToken(demo, { sub: 'Alice' });
    const client = new TestClient(`ws://127.0.0.1:${ports.http}/websocket?token=${encodeURIComponent(token)}`);
    await client.opened;
    client.send({ op: 'subscribe', topics: ['demo:news'], ref: 1 });
    await client.next((f) => f.op === 'subscribed', 'subscribed');
    const response = await fetch(`http://127.0.0.1:${ports.http}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await signToken(demo, { aud: 'ingest' })}`, 'content-type': 'application/json' },
      body: JSON.stringify({ topic: 'demo:news', type: 'hello', msg: { text: 'hi' } }),
    });
    assert.equal(response.status, 202);
    const event = await client.next((f) => f.op === 'event', 'the event through HAProxy');
    assert.deepEqual(event.msg, { text: 'hi' });
    client.close();

    // Revocations: refused by the public entry, taken by the internal one ($wgWikicastIngestUrl).
    const revoke = async (port: number): Promise<Response> =>
      fetch(`http://127.0.0.1:${port}/v1/control/revoke`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await signToken(demo, { aud: 'ingest' })}`, 'content-type': 'application/json' },
        body: JSON.stringify({ user: 'Mallory', reason: 'blocked' }),
      });
    assert.equal((await revoke(ports.http)).status, 404);
    assert.match(cluster.output(), new RegExp(`internal entry\\s+http://127\\.0\\.0\\.1:${ports.internal}`));
    assert.equal((await revoke(ports.internal)).status, 202);

    const page = await fetch(`http://127.0.0.1:${ports.http}/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Wikicast demo/);
    const script = await fetch(`http://127.0.0.1:${ports.http}/demo/wikicast.js`);
    assert.equal(script.status, 200, 'the client bundle is served to the demo page');

    const stats = await fetch(`http://127.0.0.1:${ports.stats}/metrics`);
    assert.equal(stats.status, 200);
    assert.match(await stats.text(), /haproxy_backend_/);
  } finally {
    child.kill('SIGINT');
  }
  assert.equal(await exited, 0, cluster.output());
  for (const port of [ports.http, ports.internal, ports.stats, ports.demo, ports.ingest, ...ports.edges]) {
    await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`), `nothing listens on ${port} after stop`);
  }
});
