/**
 * Scale-out: the fan-out scenario through HAProxy (deploy/haproxy/haproxy.cfg) in front of 1, 2
 * and 3 edge processes, as deployed. The same subscribers each time, connected to HAProxy's
 * entry from several load-generator processes and source addresses; HAProxy spreads them over
 * the edges (`leastconn`). Records the connections each edge reports (`wikicast_edge_connections`),
 * delivered events per second, and where the machine's CPU went, in two scenarios: `broadcast`
 * (events for every reader of the topic: the edge writes one frame to all with one uWS
 * publish) and `audience` (events for one group: the edge checks every reader in JavaScript and
 * sends to each, so the edge's own cost per delivery is higher). Writes
 * docs/benchmarks/scale-out.md (raw figures in docs/benchmarks/scale-out.json).
 *
 *   node --conditions=wikicast-source --import tsx test/bench/scale-out.ts              # ~10 min
 *   … scale-out.ts --quick                 # small counts, writes to $TMPDIR/wikicast-bench
 *   … scale-out.ts --edges 1,2,3,4 --rounds 2 --subscribers 8000 --scenarios broadcast,audience
 *   … scale-out.ts --render docs/benchmarks/scale-out.json   # rewrite the document from saved figures
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { HAPROXY_EDGE_SLOTS, REPO_ROOT } from '@wikicast/test/support';
import { measureFanout, runFanout, type FanoutResult } from './fanout.js';
import { machineInfo, type MachineInfo } from './lib/machine.js';
import { commandOutput, rabbitPid, sleep, waitForQuiet } from './lib/proc.js';
import { startWikicastBehindHaproxy } from './lib/wikicast-haproxy.js';
import { renderScaleOut } from './scale-out-report.js';

export type Scenario = 'broadcast' | 'audience';
const SCENARIOS: readonly Scenario[] = ['broadcast', 'audience'];
/** The audience scenario's group: every reader is in it, so every reader gets every event. */
const AUDIENCE_GROUP = 'sysop';

export interface ScaleOutConfig {
  scenarios: Scenario[];
  subscribers: number;
  edges: number[];
  rounds: number;
  warmupS: number;
  measureS: number;
  window: number;
  workers: number;
}

export interface ScaleOutPoint extends FanoutResult {
  scenario: Scenario;
  round: number;
  /** false: the reference run, one edge without HAProxy. */
  behindHaproxy: boolean;
}

export interface ScaleOutResults {
  mode: 'full' | 'quick';
  machine: MachineInfo;
  haproxy: string;
  command: string;
  config: ScaleOutConfig;
  points: ScaleOutPoint[];
  failures: Array<{ run: string; error: string }>;
  durationS: number;
}

const FULL: ScaleOutConfig = { scenarios: [...SCENARIOS], subscribers: 8_000, edges: [1, 2, 3], rounds: 3, warmupS: 3, measureS: 10, window: 16, workers: 3 };
const QUICK: ScaleOutConfig = { scenarios: [...SCENARIOS], subscribers: 1_000, edges: [1, 2, 3], rounds: 1, warmupS: 1, measureS: 3, window: 16, workers: 2 };

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      out: { type: 'string' },
      render: { type: 'string' },
      edges: { type: 'string' },
      rounds: { type: 'string' },
      subscribers: { type: 'string' },
      scenarios: { type: 'string' },
    },
  });
  const outDir = values.out ?? (values.quick ? join(tmpdir(), 'wikicast-bench', 'benchmarks') : join(REPO_ROOT, 'docs', 'benchmarks'));
  if (values.render) {
    write(outDir, JSON.parse(readFileSync(values.render, 'utf8')) as ScaleOutResults);
    return;
  }
  const config = { ...(values.quick ? QUICK : FULL) };
  if (values.edges) config.edges = values.edges.split(',').map(Number);
  if (values.rounds) config.rounds = Number(values.rounds);
  if (values.subscribers) config.subscribers = Number(values.subscribers);
  if (values.scenarios) config.scenarios = values.scenarios.split(',') as Scenario[];
  if (config.scenarios.some((s) => !SCENARIOS.includes(s))) throw new Error(`--scenarios: ${SCENARIOS.join(', ')}`);
  if (config.edges.some((n) => !Number.isInteger(n) || n < 1 || n > HAPROXY_EDGE_SLOTS)) throw new Error(`--edges: 1 to ${HAPROXY_EDGE_SLOTS} edges each (haproxy.cfg's fixed servers)`);
  // HAProxy's maxconn is 9,000 (two file descriptors per client, under half of 20,000).
  if (config.subscribers > 8_500) throw new Error('--subscribers: at most 8,500 (HAProxy maxconn 9000 in deploy/haproxy/haproxy.cfg)');

  const started = Date.now();
  const log = (line: string): void => console.log(line);
  const rabbit = await rabbitPid();
  const results: ScaleOutResults = {
    mode: values.quick ? 'quick' : 'full',
    machine: await machineInfo('not used'),
    haproxy: (await commandOutput('haproxy', ['-v'])).split('\n')[0] ?? 'unknown',
    command: `node --conditions=wikicast-source --import tsx test/bench/scale-out.ts ${process.argv.slice(2).join(' ')}`.trim(),
    config,
    points: [],
    failures: [],
    durationS: 0,
  };
  log(`Scale-out behind HAProxy (${results.mode}): ${config.subscribers} subscribers, edges ${config.edges.join(', ')}, ${config.scenarios.join(' and ')}, ${config.rounds} round(s); ${results.machine.cpu}, ${results.machine.cores} cores`);
  const options = { subscribers: config.subscribers, warmupS: config.warmupS, measureS: config.measureS, window: config.window, workers: config.workers, brokerPid: rabbit };

  let quietBudgetMs = values.quick ? 5_000 : 120_000;
  const attempt = async (name: string, scenario: Scenario, round: number, behindHaproxy: boolean, run: () => Promise<FanoutResult>): Promise<void> => {
    // The machine may be shared: give other work a moment to finish before measuring.
    const waited = await waitForQuiet(Math.min(20_000, quietBudgetMs));
    quietBudgetMs -= waited;
    if (waited > 1_500) log(`  (waited ${Math.round(waited / 1000)} s for other processes to quiet down)`);
    try {
      const point: ScaleOutPoint = { ...(await run()), scenario, round, behindHaproxy };
      results.points.push(point);
      const by = Object.entries(point.cpuPercentByGroup ?? {}).map(([k, v]) => `${k} ${Math.round(v)} %`).join(', ');
      log(`    edges hold ${point.instanceConnections?.join(' / ')} connections; machine ${Math.round(point.machineBusyPercent ?? NaN)} % of one core busy (${by})`);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log(`  FAILED ${name}: ${message.split('\n').slice(0, 6).join(' | ')}`);
      results.failures.push({ run: name, error: message.slice(0, 1500) });
    } finally {
      await sleep(1000); // let sockets in TIME_WAIT and the processes go before the next run
    }
  };

  for (let round = 1; round <= config.rounds; round++) {
    for (const scenario of config.scenarios) {
      log(`\n${scenario}, round ${round}`);
      const groups = scenario === 'audience' ? [AUDIENCE_GROUP] : [];
      const scenarioOptions = { ...options, ...(groups.length ? { audienceGroups: groups } : {}) };
      for (const edges of config.edges) {
        await attempt(`${scenario}: ${edges} edge(s) behind HAProxy, round ${round}`, scenario, round, true, async () => measureFanout(await startWikicastBehindHaproxy(edges, groups), edges, scenarioOptions, log));
      }
      // The reference: the same clients straight to one edge, to show what HAProxy's hop costs.
      if (scenario === 'broadcast') await attempt(`1 edge without HAProxy, round ${round}`, scenario, round, false, () => runFanout('wikicast', 1, options, log));
    }
  }
  results.durationS = Math.round((Date.now() - started) / 1000);
  write(outDir, results);
  log(`\ndone in ${results.durationS} s`);
}

function write(outDir: string, results: ScaleOutResults): void {
  mkdirSync(outDir, { recursive: true });
  const { markdown, charts } = renderScaleOut(results);
  for (const [name, svg] of Object.entries(charts)) writeFileSync(join(outDir, name), svg);
  writeFileSync(join(outDir, 'scale-out.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(outDir, 'scale-out.md'), markdown);
  console.log(`wrote ${relative(process.cwd(), join(outDir, 'scale-out.md')) || join(outDir, 'scale-out.md')}`);
}

await main();
// Worker processes and AMQP clients are closed; exit even if a stray handle lingers.
process.exit(0);
