/**
 * Scenario (c), memory per idle connection: one server process, N connections (each subscribed
 * to one of 100 topics, then idle). Per connection = (RSS with N − RSS with the first N/9, at
 * most 2,000) ÷ (the connections in between), each RSS read after a settling pause and a full
 * garbage collection (forced through the inspector, the same for every server).
 */
import { Fleet, MAX_PER_WORKER } from './lib/fleet.js';
import { forceGc } from './lib/gc.js';
import { rssBytes, sleep } from './lib/proc.js';
import { BENCH_WIKI, startSystem, type SystemKind } from './lib/systems.js';

export interface MemoryResult {
  system: SystemKind;
  label: string;
  connections: number;
  failed: number;
  connectMs: number;
  rssBeforeMiB: number;
  rssAfterMiB: number;
  bytesPerConnection: number;
  stillOpen: number;
  errors: string[];
  /** Whether a full GC ran (through the inspector) before both readings. */
  collected: boolean;
  /** Of which live JS heap (V8 heapUsed after the GC), per connection. */
  heapBytesPerConnection: number;
}

export async function runMemory(kind: SystemKind, connections: number, settleS: number, log: (line: string) => void): Promise<MemoryResult> {
  const system = await startSystem(kind, 1);
  const fleet = await Fleet.start(Math.max(2, Math.ceil(connections / MAX_PER_WORKER)));
  try {
    const pid = system.serverPids[0]!;
    const topics = Array.from({ length: 100 }, (_, i) => `${BENCH_WIKI}:page:${i}`);
    // Two points, so start-up garbage (a freshly started process still holds its compile-time
    // allocations, which the first GCs under load give back) does not count: RSS with a first
    // batch of connections, then with all of them; the difference over the difference.
    const first = Math.min(2_000, Math.floor(connections / 9));
    const warm = await fleet.connect({ targets: system.targets, perTarget: first, protocol: system.protocol, topics });
    await sleep(settleS * 1000);
    const gcBefore = await forceGc(pid);
    await sleep(500);
    const before = rssBytes(pid);
    const rest = await fleet.connect({ targets: system.targets, perTarget: connections - first, protocol: system.protocol, topics });
    const connected = { ready: warm.ready + rest.ready, failed: warm.failed + rest.failed, ms: warm.ms + rest.ms, errors: [...warm.errors, ...rest.errors] };
    await sleep(settleS * 1000);
    const gcAfter = await forceGc(pid);
    await sleep(500);
    const after = rssBytes(pid);
    const report = await fleet.report();
    const result: MemoryResult = {
      system: kind,
      label: system.label,
      connections: connected.ready,
      failed: connected.failed,
      connectMs: connected.ms,
      rssBeforeMiB: before / 1024 ** 2,
      rssAfterMiB: after / 1024 ** 2,
      bytesPerConnection: rest.ready > 0 ? (after - before) / rest.ready : NaN,
      stillOpen: report.open,
      errors: connected.errors,
      collected: gcBefore !== null && gcAfter !== null,
      heapBytesPerConnection: gcBefore && gcAfter && rest.ready > 0 ? (gcAfter.heapUsed - gcBefore.heapUsed) / rest.ready : NaN,
    };
    log(`  ${system.label}: ${connected.ready} connections (${connected.failed} failed) in ${connected.ms} ms; RSS ${result.rssBeforeMiB.toFixed(1)} → ${result.rssAfterMiB.toFixed(1)} MiB = ${Math.round(result.bytesPerConnection)} B/connection (JS heap ${Math.round(result.heapBytesPerConnection)} B)`);
    return result;
  } finally {
    await fleet.close();
    await system.stop();
  }
}
