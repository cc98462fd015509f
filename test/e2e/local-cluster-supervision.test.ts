import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { connect, type WikicastMessage } from '@wikicast/client';
import { publishContinuously, recordingWebSocket, setupTopology, signToken, startLocalCluster, TestClient, waitFor, type TestTopology } from '@wikicast/test/support';

/**
 * Issue 11: the README's start command keeps serving through HAProxy while one of its edges is
 * killed with SIGKILL, restarts that edge, and a reader that was on it resumes on the other one
 * with every event exactly once, in order. Ports are moved off the defaults (and off
 * local-cluster.test.ts's) so both can run beside a developer's own cluster.
 */
const ports = { http: 28080, internal: 28081, stats: 28404, demo: 28099, ingest: 28100, edges: [28101, 28102] };
const PUBLISH_PACE_MS = 10;
let topology: TestTopology | undefined;
const stateDir = mkdtempSync(join(tmpdir(), 'wikicast-supervision-'));

after(async () => {
  await topology?.cleanup();
  rmSync(stateDir, { recursive: true, force: true });
});

it('a SIGKILLed edge is restarted while HAProxy keeps serving, and its reader resumes without a gap', { timeout: 240_000 }, async (t) => {
  topology = await setupTopology('supervise');
  const cluster = startLocalCluster(ports, topology.prefix, stateDir);
  const { child, exited } = cluster;
  const base = `http://127.0.0.1:${ports.http}`;
  const readers: Array<ReturnType<typeof connect>> = [];
  try {
    await waitFor('the cluster to say it is ready', () => cluster.output().includes('Wikicast local cluster is ready.') || child.exitCode !== null, { timeoutMs: 180_000 });
    assert.match(cluster.output(), /Wikicast local cluster is ready\./, cluster.output());
    const pid = /edge-1 (\d+)/.exec(cluster.output())?.[1];
    assert.ok(pid !== undefined, `the start command prints edge-1's process id:\n${cluster.output()}`);

    const wikis = JSON.parse(readFileSync(join(stateDir, 'wikis.json'), 'utf8')) as Array<{ id: string; secret: string; public: boolean }>;
    const demo = wikis.find((w) => w.id === 'demo')!;
    const topic = 'demo:supervised';
    const ingestToken = await signToken(demo, { aud: 'ingest', ttlS: 600 });
    const publish = async (n: number): Promise<string> => {
      const response = await fetch(`${base}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ingestToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ topic, type: 'edit', msg: { n } }),
      });
      const text = await response.text();
      const accepted = response.status === 202 ? (JSON.parse(text) as { accepted?: string[] }).accepted : undefined;
      if (accepted?.length !== 1) throw new Error(`publishing answered ${response.status}: ${text}`);
      return accepted[0]!;
    };

    // Readers through HAProxy (leastconn) until one is on edge-1: that is the one the kill moves.
    const observed: Array<{ delivered: WikicastMessage[]; wireIds: string[]; edges: string[] }> = [];
    for (let i = 0; i < 2; i++) {
      const o = { delivered: [] as WikicastMessage[], wireIds: [] as string[], edges: [] as string[] };
      const client = connect({ url: base, getToken: () => signToken(demo, { sub: `Reader${i}`, ttlS: 600 }), WebSocket: recordingWebSocket(o.wireIds) });
      client.on('connected', ({ edge }) => o.edges.push(edge));
      client.subscribe(topic, (message) => o.delivered.push(message));
      readers.push(client);
      observed.push(o);
    }
    await waitFor('both readers to connect', () => readers.every((r) => r.connected()), { timeoutMs: 20_000 });
    const published: string[] = [];
    await waitFor('both readers to receive a first event', async () => {
      published.push(await publish(published.length));
      return observed.every((o) => o.delivered.length > 0);
    }, { timeoutMs: 20_000, intervalMs: 100 });
    const victim = observed.find((o) => o.edges.at(-1) === 'edge-1');
    assert.ok(victim, `a reader is on edge-1 (edges: ${observed.map((o) => o.edges.join('→')).join(', ')})`);

    const publisher = publishContinuously(published, publish, PUBLISH_PACE_MS);
    try {
      await waitFor('events to flow before the kill', () => published.length >= 30, { timeoutMs: 20_000 });
      process.kill(Number(pid), 'SIGKILL');
      await waitFor('the reader on edge-1 to move to edge-2', () => victim.edges.at(-1) === 'edge-2', { timeoutMs: 20_000 });

      // While edge-1 is down, HAProxy still takes new connections (on edge-2).
      const token = await signToken(demo, { sub: 'Newcomer' });
      const newcomer = new TestClient(`ws://127.0.0.1:${ports.http}/v1/ws?token=${encodeURIComponent(token)}`);
      const welcome = await newcomer.next((f) => f.op === 'welcome', 'welcome through HAProxy with edge-1 down');
      assert.equal(welcome.edge, 'edge-2');
      newcomer.close();

      await waitFor('the runner to restart edge-1', () => /edge-1 restarted \(pid \d+\)/.test(cluster.output()), { timeoutMs: 30_000 });
      assert.match(cluster.output(), /edge-1 exited \(SIGKILL\) after [\d.]+ s; restarting it in 1 s/);
      await waitFor('edge-1 to be ready again', async () => {
        try {
          return (await fetch(`http://127.0.0.1:${ports.edges[0]}/readyz`)).ok;
        } catch (err) {
          if (err instanceof TypeError) return false; // not listening yet
          throw err;
        }
      }, { timeoutMs: 60_000, intervalMs: 200 });
      const before = published.length;
      await waitFor('more events after the restart', () => published.length >= before + 30 || publisher.error !== null, { timeoutMs: 30_000 });
    } finally {
      await publisher.stop();
    }
    assert.equal(publisher.error, null, 'publishing through HAProxy never failed');
    assert.equal(child.exitCode, null, 'the cluster is still running');

    const last = published.at(-1)!;
    await waitFor('every reader to receive the last event', () => observed.every((o) => o.delivered.at(-1)?.id === last), { timeoutMs: 30_000 });
    t.diagnostic(`${published.length} events published; reader edges ${observed.map((o) => o.edges.join('→')).join(', ')}`);
    for (const [i, o] of observed.entries()) {
      const ids = o.delivered.map((m) => m.id);
      const expected = published.slice(published.indexOf(ids[0]!));
      assert.deepEqual(ids, expected, `reader ${i}: every event exactly once, in order`);
      assert.equal(o.wireIds.length, new Set(o.wireIds).size, `reader ${i}: no event sent twice by the edges`);
    }
  } finally {
    for (const reader of readers) reader.close();
    child.kill('SIGINT');
  }
  assert.equal(await exited, 0, cluster.output());
  for (const port of [ports.http, ports.ingest, ...ports.edges]) {
    await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`), `nothing listens on ${port} after stop`);
  }
});
