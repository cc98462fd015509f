import { strict as assert } from 'node:assert';
import type { FailoverWorld } from './failover-world.js';
import { waitFor } from './wait.js';

/** How long after a disturbance began service came back. */
export interface Recovery {
  /** Until a POST started after the disturbance was answered 202. */
  ingestMs: number;
  /** Until every reader had received an event POSTed after the disturbance. */
  deliveryMs: number;
}

/** Waits until ingest accepts again and every reader got an event POSTed after `since`; says how long each took. */
export async function waitForRecovery(world: FailoverWorld, since: number, timeoutMs = 60_000): Promise<Recovery> {
  const firstAccepted = (): { at: number; id: string } | null => {
    let best: { at: number; id: string } | null = null;
    for (const o of world.outcomes) {
      if (o.id === null || o.startedAt < since) continue;
      const at = o.startedAt + o.ms;
      if (best === null || at < best.at) best = { at, id: o.id };
    }
    return best;
  };
  await waitFor('ingest to accept a POST started after the disturbance', () => firstAccepted() !== null, { timeoutMs, intervalMs: 50 });
  const fresh = new Set(world.outcomes.filter((o) => o.id !== null && o.startedAt >= since).map((o) => o.id!));
  const arrival = (reader: FailoverWorld['readers'][number]): number | null => {
    const index = reader.ids.findIndex((id) => fresh.has(id));
    return index === -1 ? null : reader.arrivals[index]!;
  };
  const missing = (): string => {
    const late = world.readers.filter((r) => arrival(r) === null);
    const byEdge = new Map<number, number>();
    for (const r of late) byEdge.set(r.edge, (byEdge.get(r.edge) ?? 0) + 1);
    const last = Math.max(...late.map((r) => r.arrivals.at(-1) ?? 0));
    // Those edges' last log lines (info and up): what their broker connection and consumer did.
    const recentLogs = [...byEdge.keys()].map((edge) => {
      const recent = (world.edges[edge]?.logs ?? []).filter((entry) => Number(entry.level) >= 30).slice(-8);
      return `edge ${edge}: ${JSON.stringify(recent.map(({ time, msg, node, err }) => ({ time, msg, node, err: (err as { message?: string } | undefined)?.message })))}`;
    });
    return `${fresh.size} events accepted since; readers without one, by edge: ${[...byEdge].map(([edge, n]) => `edge ${edge}: ${n}`).join(', ')}; their last event ${((Date.now() - last) / 1000).toFixed(1)} s ago; ${recentLogs.join('; ')}`;
  };
  await waitFor('every reader to receive an event POSTed after the disturbance', () => world.readers.every((r) => arrival(r) !== null), { timeoutMs, intervalMs: 50, detail: missing });
  return {
    ingestMs: Math.round(firstAccepted()!.at - since),
    deliveryMs: Math.max(...world.readers.map((r) => arrival(r)!)) - since,
  };
}

/**
 * Stops posting, waits until every reader has every accepted event, and checks the promise:
 * every 202 event reached every reader exactly once, all readers in the same order, and every
 * answer was a 202 or a 503 within the bound.
 */
export async function assertEveryAcceptedEventDeliveredOnce(world: FailoverWorld, answerBoundMs: number): Promise<{ accepted: number; refused: number; slowestMs: number }> {
  await world.stopPosting();
  const accepted = world.accepted();
  const acceptedSet = new Set(accepted);
  await waitFor(
    'every reader to have every accepted event',
    () => world.readers.every((r) => {
      const seen = new Set(r.ids);
      return accepted.every((id) => seen.has(id));
    }),
    { timeoutMs: 60_000, intervalMs: 100 },
  );
  const statuses = new Set(world.outcomes.map((o) => o.status));
  for (const status of statuses) assert.ok(status === 202 || status === 503, `only 202 and 503 answers (got ${status})`);
  const slowestMs = Math.max(...world.outcomes.map((o) => o.ms));
  assert.ok(slowestMs < answerBoundMs, `slowest answer ${slowestMs.toFixed(0)} ms`);
  const reference = world.readers[0]!.ids.filter((id) => acceptedSet.has(id));
  for (const [i, reader] of world.readers.entries()) {
    const mine = reader.ids.filter((id) => acceptedSet.has(id));
    assert.equal(new Set(mine).size, mine.length, `reader ${i} got no accepted event twice`);
    assert.equal(mine.length, accepted.length, `reader ${i} got every accepted event`);
    assert.deepEqual(mine, reference, `reader ${i} got them in the same order as reader 0`);
  }
  return { accepted: accepted.length, refused: world.outcomes.filter((o) => o.status === 503).length, slowestMs };
}

/** Ingest's publish timeout in the failover tests: short, so a leader election shows as 503s, not as waits. */
export const FAILOVER_PUBLISH_TIMEOUT_MS = 2_000;
/** No POST may take longer than the publish timeout plus slack for a loaded 2-core machine. */
export const FAILOVER_ANSWER_BOUND_MS = FAILOVER_PUBLISH_TIMEOUT_MS + 3_000;
