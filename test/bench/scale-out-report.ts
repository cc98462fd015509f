/** Renders the scale-out benchmark's results as docs/benchmarks/scale-out.md and its chart. */
import { machineRows } from './lib/machine.js';
import { barChart } from './lib/svg.js';
import type { Scenario, ScaleOutPoint, ScaleOutResults } from './scale-out.js';

const SCENARIO_TITLES: Record<Scenario, string> = {
  broadcast: 'Broadcast: every event to every reader of the topic',
  audience: 'Audience: every event restricted to a group, checked per reader',
};

const int = (v: number | undefined | null): string => (v !== undefined && v !== null && Number.isFinite(v) ? Math.round(v).toLocaleString('en') : 'n/a');
const ratio = (v: number): string => (Number.isFinite(v) ? `${v.toFixed(2)}×` : 'n/a');

const GROUPS = ['edges', 'HAProxy', 'ingest', 'broker', 'load generators'] as const;

function name(p: ScaleOutPoint): string {
  return `${p.instances} edge${p.instances > 1 ? 's' : ''}${p.behindHaproxy ? ' behind HAProxy' : ', no HAProxy'}`;
}

/** Per configuration, the round in which other processes on the machine took the least CPU. */
function quietest(points: ScaleOutPoint[]): ScaleOutPoint[] {
  const best = new Map<string, ScaleOutPoint>();
  for (const p of points) {
    const key = `${p.scenario} ${name(p)}`;
    const seen = best.get(key);
    if (seen === undefined || p.otherCpuPercent < seen.otherCpuPercent) best.set(key, p);
  }
  return [...best.values()].sort((a, b) => Number(b.behindHaproxy) - Number(a.behindHaproxy) || a.instances - b.instances);
}

/** How far the busiest and the idlest edge are from an even share, in % of the even share. */
function spread(p: ScaleOutPoint): string {
  const counts = p.instanceConnections ?? [];
  if (counts.length < 2) return '—';
  const even = counts.reduce((a, b) => a + b, 0) / counts.length;
  return `±${(Math.max(...counts.map((c) => Math.abs(c - even))) / even * 100).toFixed(1)} %`;
}

function row(p: ScaleOutPoint, base: ScaleOutPoint | undefined, withRound: boolean): string {
  const cpu = p.cpuPercentByGroup ?? {};
  const cells = [
    ...(withRound ? [String(p.round)] : []),
    withRound ? `${p.scenario}: ${name(p)}` : name(p),
    int(p.subscribers),
    (p.instanceConnections ?? []).map(int).join(' / '),
    spread(p),
    int(p.deliveriesPerSecond / p.subscribers),
    int(p.deliveriesPerSecond),
    base && p !== base ? ratio(p.deliveriesPerSecond / base.deliveriesPerSecond) : '1.00×',
    int(p.machineBusyPercent),
    ...GROUPS.map((g) => int(cpu[g])),
    int(p.otherCpuPercent),
    int(p.cpuPressurePercent),
    `${int(p.missing)} / ${int(p.closed)}`,
  ];
  return `| ${cells.join(' | ')} |`;
}

const HEADER = [
  'configuration',
  'subscribers',
  'connections per edge (`wikicast_edge_connections`)',
  'spread from even',
  'events/s (each to every subscriber)',
  'deliveries/s',
  '× 1 edge behind HAProxy',
  'machine busy, % of one core (200 = both cores)',
  ...GROUPS.map((g) => `${g} CPU %`),
  "other processes' CPU %",
  'CPU pressure %',
  'missing / closed',
];

function table(points: ScaleOutPoint[], withRound: boolean): string[] {
  const header = withRound ? ['round', ...HEADER] : HEADER;
  const baseOf = (p: ScaleOutPoint): ScaleOutPoint | undefined => points.find((b) => b.scenario === p.scenario && (!withRound || b.round === p.round) && b.behindHaproxy && b.instances === 1);
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...points.map((p) => row(p, baseOf(p), withRound))];
}

/** µs of CPU per delivery of one group of processes. */
function perDelivery(p: ScaleOutPoint, group: string): number {
  const percent = p.cpuPercentByGroup?.[group];
  return percent === undefined ? NaN : ((percent / 100) * 1e6) / p.deliveriesPerSecond;
}

/** µs of CPU per delivery of every process of the benchmark (the system, its clients, the broker). */
function oursPerDelivery(p: ScaleOutPoint): number {
  return Object.keys(p.cpuPercentByGroup ?? {}).reduce((sum, group) => sum + perDelivery(p, group), 0);
}

/** What each delivery cost, and the deliveries/s the machine's cores would carry at that cost with nothing else running. */
function costTable(points: ScaleOutPoint[], cores: number): string[] {
  const us = (v: number): string => (Number.isFinite(v) ? v.toFixed(2) : 'n/a');
  return [
    `| configuration | ${GROUPS.map((g) => `${g} µs / delivery`).join(' | ')} | all of them µs / delivery | deliveries/s the ${cores} cores carry at that cost |`,
    `|---|${GROUPS.map(() => '---').join('|')}|---|---|`,
    ...points.map((p) => `| ${name(p)} | ${GROUPS.map((g) => us(perDelivery(p, g))).join(' | ')} | ${us(oursPerDelivery(p))} | ${int((cores * 1e6) / oursPerDelivery(p))} |`),
  ];
}

function analysis(points: ScaleOutPoint[], cores: number): string[] {
  const behind = points.filter((p) => p.behindHaproxy);
  const one = behind.find((p) => p.instances === 1);
  const direct = points.find((p) => !p.behindHaproxy);
  if (one === undefined) return [];
  const lines: string[] = [];
  const spreads = behind.filter((p) => (p.instanceConnections?.length ?? 0) > 1).map((p) => `${p.instances} edges: ${(p.instanceConnections ?? []).map(int).join(' / ')}`);
  if (spreads.length) lines.push(`- **Spread.** HAProxy's \`leastconn\` put the subscribers evenly on the edges, as each edge's own \`wikicast_edge_connections\` reports (${spreads.join('; ')}).`);
  const steps = behind.map((p) => `${p.instances} edge${p.instances > 1 ? 's' : ''} ${int(p.deliveriesPerSecond)} deliveries/s (${ratio(p.deliveriesPerSecond / one.deliveriesPerSecond)}), machine ${int(p.machineBusyPercent)} % of ${cores * 100} %`);
  lines.push(`- **Throughput as edges are added.** ${steps.join('; ')}.`);
  const saturated = behind.filter((p) => (p.machineBusyPercent ?? 0) >= cores * 100 * 0.9);
  if (saturated.length) {
    const first = saturated[0]!;
    lines.push(
      `- **Where the cores are the limit.** From ${first.instances} edge${first.instances > 1 ? 's' : ''} on, the machine's ${cores} cores were at least 90 % busy during the measurement (CPU pressure ${int(first.cpuPressurePercent)} %: runnable tasks waited for a CPU that long). ` +
        'From there, an added edge can only take CPU from the other processes on the same cores (HAProxy, the load generators, RabbitMQ): more edges help only with more cores.',
    );
  }
  const cpu = one.cpuPercentByGroup ?? {};
  lines.push(
    `- **Where the CPU goes** (1 edge behind HAProxy): edge ${int(cpu.edges)} %, HAProxy ${int(cpu.HAProxy)} %, load generators ${int(cpu['load generators'])} %, RabbitMQ ${int(cpu.broker)} %, ingest ${int(cpu.ingest)} % of one core. ` +
      'One edge is one Node.js process, so it can use at most one core; HAProxy copies every delivered byte from the edge\'s connection to the client\'s, and the clients here are on the same machine.',
  );
  if (direct) {
    lines.push(
      `- **HAProxy's hop.** The same clients straight to one edge, without HAProxy: ${int(direct.deliveriesPerSecond)} deliveries/s (machine ${int(direct.machineBusyPercent)} % busy), against ${int(one.deliveriesPerSecond)} through HAProxy. ` +
        `Edge CPU per delivery: ${direct.cpuPerDeliveryUs.toFixed(2)} µs without HAProxy, ${one.cpuPerDeliveryUs.toFixed(2)} µs behind it.`,
    );
  }
  return lines;
}

/** Across scenarios: where adding an edge helped, and where the machine's cores were the limit. */
function conclusion(best: ScaleOutPoint[], cores: number): string[] {
  const lines: string[] = [];
  for (const scenario of new Set(best.map((p) => p.scenario))) {
    const behind = best.filter((p) => p.scenario === scenario && p.behindHaproxy).sort((a, b) => a.instances - b.instances);
    if (behind.length < 2) continue;
    const steps = behind.slice(1).map((p, i) => `${behind[i]!.instances} → ${p.instances} edges ${ratio(p.deliveriesPerSecond / behind[i]!.deliveriesPerSecond)}`);
    const edgeCpu = behind.map((p) => `${int(p.cpuPercentByGroup?.edges)} %`).join(', ');
    const busy = behind.map((p) => `${int(p.machineBusyPercent)} %`).join(', ');
    const first = behind[0]!;
    const last = behind.at(-1)!;
    const growth = last.deliveriesPerSecond / first.deliveriesPerSecond;
    const us = (v: number): string => `${v.toFixed(1)} µs`;
    const why =
      growth < 1.2
        ? `Throughput stays about where one edge had it (a change under 20 % is within what other work on this shared machine moves it): every delivery costs ${us(oursPerDelivery(first))} of CPU over all processes, of which the edges' part is ${us(perDelivery(first, 'edges'))}; splitting that part over more processes does not lower the total, and the ${cores} cores are full from one edge on.`
        : `Throughput grows with edges although the cores are full from one edge on: the edges' share of the CPU rose (${edgeCpu} of one core), and HAProxy's and the clients' cost per delivery fell (HAProxy ${us(perDelivery(first, 'HAProxy'))} → ${us(perDelivery(last, 'HAProxy'))}, clients ${us(perDelivery(first, 'load generators'))} → ${us(perDelivery(last, 'load generators'))}; they pay per read and per wake-up, and how many frames one read carries depends on how the edges' writes fall; this run does not isolate why).`;
    lines.push(`- **${scenario}**: deliveries/s ${steps.join(', ')} (${ratio(growth)} from ${first.instances} to ${last.instances}); edges' CPU ${edgeCpu} and the machine ${busy} busy (of ${cores * 100} %) with ${behind.map((p) => p.instances).join(', ')} edges. ${why}`);
  }
  if (lines.length) {
    lines.push(
      `- **What this means for deployments.** Every edge reads the whole stream and writes to its own clients only, so edges divide the per-connection work, not the per-event work. On this one machine the edges, HAProxy, RabbitMQ and the clients compete for the same ${cores} cores, so the machine's cores are the limit almost at once and more edge processes cannot add capacity beyond them. ` +
        'In a cluster, each edge replica brings its own CPU (the Kubernetes base requests 500m per edge and the autoscaler adds replicas on CPU), HAProxy replicas scale separately, and clients are elsewhere: there the edges\' own figures above (CPU per delivery, and the even spread) are the ones that carry over.',
    );
  }
  return lines;
}

export function renderScaleOut(results: ScaleOutResults): { markdown: string; charts: Record<string, string> } {
  const m = results.machine;
  const c = results.config;
  const best = quietest(results.points);
  const md: string[] = [];
  md.push('# Scale-out: 1, 2 and 3 edges behind HAProxy');
  md.push('');
  md.push(
    `Measured on ${m.date.slice(0, 16).replace('T', ' ')} UTC (${results.mode} mode, ${Math.round(results.durationS / 60)} min) on ${m.cpu}, ${m.cores} cores, ${m.openFilesLimit} open files per process. ` +
      'Written by `test/bench/scale-out.ts`; raw figures in [`scale-out.json`](scale-out.json). Part of [the benchmarks](../benchmarks.md).',
  );
  if (results.mode === 'quick') md.push('', '> **Quick mode:** small counts for development; not the figures to quote.');
  md.push('');
  md.push('```sh');
  md.push(results.command);
  md.push('```');
  md.push('');
  md.push(
    `The fan-out scenario of [the benchmarks](../benchmarks.md#a-fan-out-10000-subscribers-on-one-topic), deployed as in production: ingest and 1, 2 or 3 edge processes behind one HAProxy running \`deploy/haproxy/haproxy.cfg\` (${results.haproxy.replace(/ - https.*$/, '')}). ` +
      `${int(c.subscribers)} subscribers on one topic connect to HAProxy's entry (\`/v1/ws\`) from ${c.workers} load-generator processes (\`test/bench/loadgen.ts\`, each with its own source addresses 127.0.0.2–5, 127.0.0.6–9, …), so HAProxy, not the benchmark, chooses each client's edge. ` +
      `The producer POSTs through HAProxy to ingest and keeps at most ${c.window} events in flight (published but not yet received by every subscriber), so the system runs as fast as the machine lets it. ` +
      `Measured for ${c.measureS} s after a ${c.warmupS} s warm-up; ${c.rounds} round(s) of every configuration, one after the other. Every process (edges, HAProxy, ingest, RabbitMQ, the clients) shares the machine's ${m.cores} cores.`,
  );
  md.push('');
  md.push('Two scenarios. **Broadcast**: events without `to` or `audience`, which an edge writes to all its readers of the topic with one `app.publish` of one prebuilt frame (uWS does the per-socket work in C++), so an edge costs about a microsecond per delivery. **Audience**: the same events with `audience: {"groups": ["sysop"]}` and every reader\'s token in that group, so everyone still gets everything, but the edge checks each reader\'s permission in JavaScript and sends to each socket on its own: the edge\'s own cost per delivery is higher, and an edge can be the bottleneck before the machine is.');
  md.push('');
  md.push('## Results');
  md.push('');
  md.push(`Per configuration, the round in which other processes on the (shared) machine used the least CPU; every round is [below](#every-round).`);
  md.push('');
  for (const scenario of c.scenarios) {
    const points = best.filter((p) => p.scenario === scenario);
    if (!points.length) continue;
    md.push(`### ${SCENARIO_TITLES[scenario]}`);
    md.push('');
    md.push(...table(points, false));
    md.push('');
    md.push('CPU per delivery, by process group (the CPU columns above ÷ deliveries/s), and what the cores would carry at that cost if nothing else ran on them:');
    md.push('');
    md.push(...costTable(points, m.cores));
    md.push('');
    md.push(...analysis(points, m.cores));
    md.push('');
  }
  md.push(
    '"Connections per edge" is each edge\'s `wikicast_edge_connections{transport="ws"}` after the measurement; "spread from even" is the largest distance of one edge from an even share. ' +
      '"Events/s" is deliveries/s ÷ subscribers: events delivered to every subscriber. CPU columns are % of one core over the measured window (utime + stime from `/proc/<pid>/stat`); "machine busy" is the whole machine (`/proc/stat`), "CPU pressure" the share of the time some runnable task waited for a CPU (Linux PSI). ' +
      '"Missing" are deliveries never received after the producer stopped; "closed", connections the server closed.',
  );
  md.push('');
  const charts: Record<string, string> = {};
  if (best.length) {
    charts['scale-out.svg'] = barChart({
      title: `Delivered events per second, ${int(c.subscribers)} subscribers`,
      axis: 'deliveries per second (events × subscribers), more is better',
      series: ['deliveries/s'],
      rows: c.scenarios.flatMap((scenario) => best.filter((p) => p.scenario === scenario)).map((p) => ({ label: `${p.scenario}: ${name(p)}`, values: [p.deliveriesPerSecond] })),
      format: int,
    });
    md.push('![Deliveries per second with 1, 2 and 3 edges](scale-out.svg)');
    md.push('');
  }
  const conclusions = conclusion(best, m.cores);
  if (conclusions.length) {
    md.push('## What it shows');
    md.push('');
    md.push(...conclusions);
    md.push('');
  }
  md.push('## Every round');
  md.push('');
  md.push(...table([...results.points].sort((a, b) => a.scenario.localeCompare(b.scenario) || a.round - b.round), true));
  md.push('');
  const errors = results.points.filter((p) => p.errors.length > 0);
  if (errors.length) {
    md.push('Errors during a run (a subscriber that failed to connect or subscribe is left out of that run\'s subscribers):');
    md.push('');
    for (const p of errors) md.push(`- ${p.scenario}, ${name(p)}, round ${p.round}: ${p.errors.map((e) => `\`${e.slice(0, 300).replace(/`/g, "'")}\``).join('; ')}`);
    md.push('');
  }
  if (results.failures.length) {
    md.push('## What did not run');
    md.push('');
    for (const f of results.failures) md.push(`- ${f.run}: \`${f.error.split('\n')[0]!.slice(0, 300).replace(/`/g, "'")}\``);
    md.push('');
  }
  md.push('## Machine and versions');
  md.push('');
  md.push(...machineRows(m));
  md.push(`| load average at the start | ${m.loadAverage} |`);
  md.push(`| Node.js | ${m.node} |`);
  md.push(`| HAProxy | ${results.haproxy} |`);
  for (const key of ['uWebSockets.js (@trufflesuite/uws-js-unofficial)', 'amqplib', 'RabbitMQ']) md.push(`| ${key} | ${m.versions[key] ?? 'unknown'} |`);
  md.push(`| Wikicast commit | ${m.gitCommit}${m.gitDirty ? ' (with uncommitted changes in services/ or packages/)' : ''} |`);
  md.push('');
  md.push(`Parameters: \`${JSON.stringify(c)}\``);
  md.push('');
  return { markdown: `${md.join('\n')}\n`, charts };
}
