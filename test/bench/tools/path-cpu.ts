/**
 * CPU of a system's processes while its clients are connected and no event flows, then while
 * events flow at a given rate (default 1,000/s): tells the fixed cost from the per-event one.
 * The system is Wikicast unless named: `uws` (the bare uWS publish loop, two instances, each
 * event POSTed to both) gives the CPU any server pays to write the same deliveries.
 *   node --conditions=wikicast-source --import tsx test/bench/tools/path-cpu.ts [clients] [rate] [system]
 */
import { Fleet, MAX_PER_WORKER } from '../lib/fleet.js';
import { readFileSync } from 'node:fs';
import { rabbitPid, sleep, totalCpuSeconds } from '../lib/proc.js';
import { sendAtRate } from '../lib/rate-sender.js';
import { BENCH_WIKI, makeEvent, startSystem, type SystemKind } from '../lib/systems.js';

const clients = Number(process.argv[2] ?? 10_000);
const rate = Number(process.argv[3] ?? 1_000);
const system = await startSystem((process.argv[4] ?? 'wikicast') as SystemKind, 2);
const fleet = await Fleet.start(Math.max(2, Math.ceil(clients / MAX_PER_WORKER)));
const rabbit = await rabbitPid();
const topics = Array.from({ length: 500 }, (_, i) => `${BENCH_WIKI}:page:${i}`);
try {
  const connected = await fleet.connect({ targets: system.targets, perTarget: clients / 2, protocol: system.protocol, topics });
  console.log(`connected ${connected.ready} in ${connected.ms} ms`);
  await sleep(3000);
  const groups: Record<string, number[]> = { ...(system.processGroups ?? { servers: system.serverPids }), rabbitmq: rabbit ? [rabbit] : [], clients: fleet.pids };
  const measure = async (label: string, seconds: number, during?: () => Promise<void>): Promise<void> => {
    const before = Object.fromEntries(Object.entries(groups).map(([k, pids]) => [k, totalCpuSeconds(pids)]));
    const started = Date.now();
    if (during) await during();
    else await sleep(seconds * 1000);
    const elapsed = (Date.now() - started) / 1000;
    console.log(`${label}: ${Object.entries(groups).map(([k, pids]) => `${k} ${(((totalCpuSeconds(pids) - before[k]!) / elapsed) * 100).toFixed(1)} %`).join(', ')}`);
  };
  await measure('idle', 10);
  const stime = (pids: number[]): number => pids.reduce((sum, pid) => sum + Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[12]) / 100, 0);
  const sysBefore = Object.fromEntries(Object.entries(groups).map(([k, pids]) => [k, stime(pids)]));
  let sent = 0;
  await measure(`${rate}/s`, 10, async () => {
    sent = await sendAtRate(rate, 10_000, (seq) => {
      const topic = topics[seq % topics.length]!;
      return system.publish(topic, [makeEvent(topic, seq)]);
    });
  });
  console.log(`sent ${sent}; kernel (system) CPU seconds in the run: ${Object.entries(groups).map(([k, pids]) => `${k} ${(stime(pids) - sysBefore[k]!).toFixed(2)}`).join(', ')}`);
} finally {
  await fleet.close();
  await system.stop();
}
process.exit(0);
