import { strict as assert } from 'node:assert';
import { after, before, it } from 'node:test';
import { closeConnectionsNamed, waitFor } from '@wikicast/test/support';
import { idCounts, startHarness, type IngestHarness } from './harness.js';

const PUBLISH_TIMEOUT_MS = 2_000;
/** No answer may take longer than the publish timeout plus slack for a loaded 2-core machine. */
const ANSWER_BOUND_MS = PUBLISH_TIMEOUT_MS + 3_000;
const CLIENTS = 4;
const BATCH = 5;

let h: IngestHarness;
before(async () => {
  h = await startHarness('outage', { WIKICAST_INGEST_PUBLISH_TIMEOUT_MS: String(PUBLISH_TIMEOUT_MS) });
});
after(async () => {
  await h?.cleanup();
});

interface Outcome {
  status: number;
  ms: number;
  accepted: string[];
  retryAfter: string | null;
  at: number;
}

it('answers every request 202 or 503 within a bound while RabbitMQ drops the connection, and loses no 202', async (t) => {
  const outcomes: Outcome[] = [];
  let running = true;
  let sequence = 0;
  const client = async (n: number): Promise<void> => {
    while (running) {
      const events = Array.from({ length: BATCH }, () => ({ topic: 'outage', type: 'tick', msg: { client: n, seq: sequence++ } }));
      const started = performance.now();
      // A request that outlives the bound fails the test: that would be the hang this guards against.
      const r = await h.post(events, { signal: AbortSignal.timeout(ANSWER_BOUND_MS) });
      outcomes.push({
        status: r.status,
        ms: performance.now() - started,
        accepted: r.status === 202 ? (r.body.accepted as string[]) : [],
        retryAfter: r.headers.get('retry-after'),
        at: Date.now(),
      });
    }
  };
  const clients = Array.from({ length: CLIENTS }, (_, n) => client(n));
  const okAfter = (t: number): boolean => outcomes.some((o) => o.at > t && o.status === 202);
  try {
    await waitFor('posting to be under way', () => okAfter(0));
    for (let round = 0; round < 2; round++) {
      const before = outcomes.length;
      assert.equal(await closeConnectionsNamed(h.connectionName), 1);
      const closedAt = Date.now();
      await waitFor('a 503 while the connection is down', () => outcomes.slice(before).some((o) => o.status === 503), { timeoutMs: 10_000 });
      await waitFor('posting to succeed again after recovery', () => okAfter(closedAt + 200), { timeoutMs: 15_000 });
    }
  } finally {
    running = false;
    await Promise.all(clients);
  }

  const statuses = new Set(outcomes.map((o) => o.status));
  assert.deepEqual([...statuses].sort(), [202, 503], 'only 202 and 503');
  const slowest = Math.max(...outcomes.map((o) => o.ms));
  assert.ok(slowest < ANSWER_BOUND_MS, `slowest answer ${slowest.toFixed(0)} ms`);
  for (const o of outcomes.filter((x) => x.status === 503)) assert.ok(Number(o.retryAfter) >= 1, 'every 503 has Retry-After');

  const accepted = outcomes.flatMap((o) => o.accepted);
  t.diagnostic(`${outcomes.length} requests: ${outcomes.filter((o) => o.status === 202).length} × 202, ${outcomes.filter((o) => o.status === 503).length} × 503; slowest ${slowest.toFixed(0)} ms`);
  assert.ok(accepted.length > 0);
  const counts = idCounts(await h.topology.readLog({ timeoutMs: 30_000 }));
  const missing = accepted.filter((id) => !counts.has(id));
  const repeated = accepted.filter((id) => (counts.get(id) ?? 0) > 1);
  assert.deepEqual(missing, [], 'every 202 event is in the stream');
  assert.deepEqual(repeated, [], 'and only once');
});
