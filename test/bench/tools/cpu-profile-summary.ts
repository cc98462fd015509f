/**
 * Summarises V8 CPU profiles (`--cpu-prof`, e.g. from `BENCH_PROFILE_DIR=… run.ts`): self time
 * by function and by source file, and total (inclusive) time of the hottest functions, so a
 * latency or CPU finding names where the time goes rather than guessing.
 *
 *   node test/bench/tools/cpu-profile-summary.ts PROFILE.cpuprofile [--top 40] [--from S] [--to S] [--timeline]
 *
 * `--from`/`--to` keep the samples between those seconds after the profile's start (a run's
 * measured phase rather than start-up); `--timeline` prints busy time per second to find them.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '40' }, from: { type: 'string', default: '0' }, to: { type: 'string', default: 'Infinity' }, timeline: { type: 'boolean', default: false } } });
const fromUs = Number(values.from) * 1e6;
const toUs = Number(values.to) * 1e6;
const top = Number(values.top);

for (const file of positionals) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  const busyPerSecond: number[] = [];
  let atUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    const deltaUs = profile.timeDeltas[i] ?? 0;
    atUs += deltaUs;
    if (byId.get(id)!.callFrame.functionName !== '(idle)') busyPerSecond[Math.floor(atUs / 1e6)] = (busyPerSecond[Math.floor(atUs / 1e6)] ?? 0) + deltaUs;
    if (atUs < fromUs || atUs > toUs) continue;
    selfUs.set(id, (selfUs.get(id) ?? 0) + deltaUs);
  }
  if (values.timeline) console.log(`busy ms per second: ${Array.from(busyPerSecond, (us) => Math.round((us ?? 0) / 1000)).join(' ')}`);
  const wallUs = Math.min(toUs, profile.endTime - profile.startTime) - fromUs;
  const name = (n: ProfileNode): string => {
    const url = n.callFrame.url.replace(/^.*\/(node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?)/, '').replace(/^file:\/\/.*?\/(services|packages)\//, '$1/');
    return `${n.callFrame.functionName || '(anonymous)'} ${url}:${n.callFrame.lineNumber + 1}`;
  };
  const fileOf = (n: ProfileNode): string => {
    const url = n.callFrame.url;
    if (url === '') return n.callFrame.functionName.startsWith('(') ? n.callFrame.functionName : '(native)';
    const pkg = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url);
    return pkg ? `npm:${pkg[1]}` : url.replace(/^file:\/\/.*?\/(services|packages)\//, '$1/');
  };
  const selfByName = new Map<string, number>();
  const selfByFile = new Map<string, number>();
  const totalByName = new Map<string, number>();
  let busyUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    if (node.callFrame.functionName !== '(idle)') busyUs += us;
    selfByName.set(name(node), (selfByName.get(name(node)) ?? 0) + us);
    selfByFile.set(fileOf(node), (selfByFile.get(fileOf(node)) ?? 0) + us);
    // Inclusive time: each distinct function on the sample's stack once.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const key = name(byId.get(at)!);
      if (seen.has(key)) continue;
      seen.add(key);
      totalByName.set(key, (totalByName.get(key) ?? 0) + us);
    }
  }
  const table = (title: string, map: Map<string, number>): void => {
    console.log(`\n${title}`);
    for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      console.log(`${(us / 1000).toFixed(0).padStart(8)} ms ${((us / busyUs) * 100).toFixed(1).padStart(5)} %  ${key}`);
    }
  };
  console.log(`${file}: ${(wallUs / 1e6).toFixed(1)} s wall, ${(busyUs / 1e6).toFixed(2)} s busy (not idle)`);
  table('self time by file / package', selfByFile);
  table('self time by function', selfByName);
  table('total time by function', totalByName);
}
