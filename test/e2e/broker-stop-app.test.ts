import { strict as assert } from 'node:assert';
import { after, before, it } from 'node:test';
import {
  assertEveryAcceptedEventDeliveredOnce,
  FAILOVER_ANSWER_BOUND_MS,
  FAILOVER_PUBLISH_TIMEOUT_MS,
  setupFailoverWorld,
  startOwnRabbitCluster,
  waitFor,
  waitForRecovery,
  type FailoverWorld,
  type RabbitCluster,
} from '@wikicast/test/support';

const PUBLISH_TIMEOUT_MS = FAILOVER_PUBLISH_TIMEOUT_MS;
const ANSWER_BOUND_MS = FAILOVER_ANSWER_BOUND_MS;
/** How long the broker application stays stopped. */
const OUTAGE_MS = 5_000;

let cluster: RabbitCluster;
let world: FailoverWorld;

before(async () => {
  cluster = await startOwnRabbitCluster('stopapp', 1);
  world = await setupFailoverWorld('stopapp', cluster, { edges: 2, readersPerEdge: 15, publishTimeoutMs: PUBLISH_TIMEOUT_MS });
});
after(async () => {
  await world?.cleanup();
  await cluster?.close();
});

/**
 * Issue 12: the single-node case, on a node of the test's own. `rabbitmqctl stop_app` under
 * continuous POSTs: ingest refuses at once with 503 (never a hang, never a 202 it could not
 * have had confirmed), and once `start_app` brought it back, every 202 event has reached every
 * reader exactly once, in order.
 */
it('single node, stop_app then start_app under load: 503 while down, then every 202 event reaches every reader once, in order', { timeout: 180_000 }, async (t) => {
  const [node] = cluster.nodes;
  world.startPosting(4, 10, ANSWER_BOUND_MS);
  await world.acceptedMore(100, '100 events accepted before stop_app');
  const stoppingAt = Date.now();
  await node!.ctl('stop_app');
  const stoppedAt = Date.now();
  await waitFor('a 503 while the broker application is stopped', () => world.outcomes.some((o) => o.startedAt > stoppingAt && o.status === 503), { timeoutMs: 10_000 });
  const firstRefusal = world.outcomes.find((o) => o.startedAt > stoppingAt && o.status === 503)!;
  // Waiting out a fixed outage is the scenario itself, not a wait for a condition.
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, OUTAGE_MS - (Date.now() - stoppingAt))));
  const duringOutage = world.outcomes.filter((o) => o.startedAt > stoppedAt);
  assert.ok(duringOutage.length > 0 && duringOutage.every((o) => o.status === 503), 'every POST while the application is stopped is refused');
  const startedAt = Date.now();
  await node!.ctl('start_app');
  const recovery = await waitForRecovery(world, startedAt);
  await world.acceptedMore(100, '100 more events accepted after start_app');
  const summary = await assertEveryAcceptedEventDeliveredOnce(world, ANSWER_BOUND_MS);
  const refusedMs = duringOutage.map((o) => o.ms).sort((a, b) => a - b);
  t.diagnostic(
    `stop_app for ${startedAt - stoppingAt} ms: first 503 ${Math.round(firstRefusal.startedAt + firstRefusal.ms - stoppingAt)} ms after stop_app began, ` +
      `each refusal answered within ${refusedMs.at(-1)!.toFixed(0)} ms (median ${refusedMs[Math.floor(refusedMs.length / 2)]!.toFixed(0)} ms); ` +
      `after start_app ingest accepted again after ${recovery.ingestMs} ms, all 30 readers received again after ${recovery.deliveryMs} ms; ` +
      `${summary.accepted} × 202, ${summary.refused} × 503`,
  );
});
