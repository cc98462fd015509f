import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
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
  type Recovery,
} from '@wikicast/test/support';

const PUBLISH_TIMEOUT_MS = FAILOVER_PUBLISH_TIMEOUT_MS;
const ANSWER_BOUND_MS = FAILOVER_ANSWER_BOUND_MS;
const POSTERS = 4;
const PACE_MS = 10;

/**
 * Issue 12, "It must show": Wikicast on a 3-node RabbitMQ cluster of its own (never the machine's
 * node) outlives a broker node. Ingest and two edges are given all three nodes; 30 WebSocket
 * readers (15 per edge) read one topic while events are POSTed continuously. Every event answered
 * 202 must reach every reader exactly once, in order; every POST is answered (202 or 503) within
 * the bound; the time until ingest accepts again and until the edges deliver again is measured.
 * One cluster for the file: the leader kill first, then a rolling restart of every node.
 */
describe('a 3-node RabbitMQ cluster losing nodes under load', () => {
  let cluster: RabbitCluster;
  let world: FailoverWorld;

  before(async () => {
    cluster = await startOwnRabbitCluster('failover', 3);
    world = await setupFailoverWorld('failover', cluster, { edges: 2, readersPerEdge: 15, publishTimeoutMs: PUBLISH_TIMEOUT_MS });
  });
  after(async () => {
    await world?.cleanup();
    await cluster?.close();
  });

  /** Waits until every member of the stream runs and follows, so that losing another node keeps a quorum. */
  const streamFullyReplicated = async (): Promise<void> => {
    await waitFor(
      'every replica of the stream to be online',
      async () => {
        const rows = JSON.parse(await cluster.running().ctl('list_queues', 'name', 'online', '--formatter', 'json', '-q')) as Array<{ name: string; online: string[] }>;
        return rows.find((r) => r.name === world.topology.names.log)?.online.length === 3;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
  };

  it('SIGKILL of the node leading the stream: every 202 event reaches all 30 readers exactly once, in order', { timeout: 180_000 }, async (t) => {
    world.startPosting(POSTERS, PACE_MS, ANSWER_BOUND_MS);
    await world.acceptedMore(100, '100 events accepted before the kill');
    const leader = await cluster.leaderOf(world.topology.names.log);
    const killedAt = Date.now();
    await leader.kill();
    const recovery = await waitForRecovery(world, killedAt);
    await world.acceptedMore(100, '100 more events accepted after the kill');
    const newLeader = await cluster.leaderOf(world.topology.names.log);
    assert.notEqual(newLeader.name, leader.name, 'another node leads the stream');
    const summary = await assertEveryAcceptedEventDeliveredOnce(world, ANSWER_BOUND_MS);
    t.diagnostic(
      `leader ${leader.name} killed: ingest accepted again after ${recovery.ingestMs} ms, all 30 readers received again after ${recovery.deliveryMs} ms; ` +
        `${summary.accepted} × 202, ${summary.refused} × 503, slowest answer ${summary.slowestMs.toFixed(0)} ms`,
    );
    await leader.start();
    await streamFullyReplicated();
  });

  it('rolling restart of all three nodes, one at a time: every 202 event reaches all 30 readers exactly once, in order', { timeout: 300_000 }, async (t) => {
    const recoveries: Array<Recovery & { node: string }> = [];
    world.startPosting(POSTERS, PACE_MS, ANSWER_BOUND_MS);
    await world.acceptedMore(50, '50 events accepted before the restarts');
    for (const node of cluster.nodes) {
      const stoppedAt = Date.now();
      await node.stop();
      recoveries.push({ node: node.name, ...(await waitForRecovery(world, stoppedAt)) });
      await world.acceptedMore(30, `30 events accepted while ${node.name} is down`);
      await node.start();
      await streamFullyReplicated();
      await world.acceptedMore(30, `30 events accepted after ${node.name} came back`);
    }
    const summary = await assertEveryAcceptedEventDeliveredOnce(world, ANSWER_BOUND_MS);
    for (const r of recoveries) t.diagnostic(`${r.node} stopped: ingest accepted again after ${r.ingestMs} ms, all 30 readers received again after ${r.deliveryMs} ms`);
    t.diagnostic(`${summary.accepted} × 202 in total (both tests), ${summary.refused} × 503, slowest answer ${summary.slowestMs.toFixed(0)} ms`);
  });
});
