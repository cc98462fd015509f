/**
 * Scenario (c), memory per idle connection: one server process, N connections (each subscribed
 * to one of 100 topics, then idle), RSS after a settling pause minus RSS before, divided by N.
 */
import { Fleet, MAX_PER_WORKER } from './lib/fleet.js';
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
}

export async function runMemory(kind: SystemKind, connections: number, settleS: number, log: (line: string) => void): Promise<MemoryResult> {
  const system = await startSystem(kind, 1);
  const fleet = await Fleet.start(Math.max(2, Math.ceil(connections / MAX_PER_WORKER)));
  try {
    const pid = system.serverPids[0]!;
    await sleep(1500);
    const before = rssBytes(pid);
    const topics = Array.from({ length: 100 }, (_, i) => `${BENCH_WIKI}:page:${i}`);
    const connected = await fleet.connect({ targets: system.targets, perTarget: connections, protocol: system.protocol, topics });
    await sleep(settleS * 1000);
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
      bytesPerConnection: connected.ready > 0 ? (after - before) / connected.ready : NaN,
      stillOpen: report.open,
      errors: connected.errors,
    };
    log(`  ${system.label}: ${connected.ready} connections (${connected.failed} failed) in ${connected.ms} ms; RSS ${result.rssBeforeMiB.toFixed(1)} → ${result.rssAfterMiB.toFixed(1)} MiB = ${Math.round(result.bytesPerConnection)} B/connection`);
    return result;
  } finally {
    await fleet.close();
    await system.stop();
  }
}
