/**
 * The benchmark suite's runner: records the machine and versions, runs the scenarios side by
 * side on this machine, and writes docs/benchmarks.md with tables and SVG charts (plus the raw
 * figures in docs/benchmarks/results.json).
 *
 *   node --conditions=wikicast-source --import tsx test/bench/run.ts            # full: the issue's numbers, ~12 min
 *   node --conditions=wikicast-source --import tsx test/bench/run.ts --quick    # small counts, ~2 min, writes to a temp dir
 *   … run.ts --only fanout,memory     # some scenarios (fanout, latency, memory, ingest)
 *   … run.ts --systems uws,ws-redis   # some systems (wikicast, uws, uws-redis, ws-redis, socketio)
 *   … run.ts --render docs/benchmarks/results.json   # rewrite the document from saved figures
 *   … run.ts --out DIR                # write DIR/benchmarks.md and DIR/benchmarks/*.svg
 *   … run.ts --latency-topics 100     # spread the latency scenario's clients over this many topics
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '@wikicast/test/support';
import { runBrokerReference, type BrokerPoint } from './broker-reference.js';
import { runFanout, type FanoutResult } from './fanout.js';
import { INGEST_BENCH, runIngest, runIngestBench, type IngestBenchReport, type IngestPoint } from './ingest.js';
import { runLatency, type LatencyResult } from './latency.js';
import { machineInfo, type MachineInfo } from './lib/machine.js';
import { ensureRedis, rabbitPid, sleep, waitForQuiet } from './lib/proc.js';
import { SYSTEM_LABELS, wikicastAvailable, type SystemKind } from './lib/systems.js';
import { runMemory, type MemoryResult } from './memory.js';
import { renderReport } from './report.js';

export interface Failure {
  scenario: string;
  system: string;
  error: string;
}

export interface Results {
  mode: 'full' | 'quick';
  machine: MachineInfo;
  command: string;
  config: typeof FULL;
  fanout: FanoutResult[];
  latency: LatencyResult[];
  /** The brokers alone at the latency scenario's rates. */
  brokers: BrokerPoint[];
  memory: MemoryResult[];
  ingest: IngestPoint[];
  /** The ingest engineer's benchmark, run as part of this suite when it exists. */
  ingestBench: IngestBenchReport | null;
  failures: Failure[];
  notes: string[];
  durationS: number;
}

const FULL = {
  fanout: { subscribers: 10_000, warmupS: 3, measureS: 10, window: 16 },
  latency: { clients: 10_000, instances: 2, topics: 500, rates: [100, 1_000], warmupS: 3, measureS: 12 },
  memory: { connections: 18_000, settleS: 5 },
  ingest: { seconds: 6, configs: [{ batch: 1, concurrency: 32 }, { batch: 100, concurrency: 8 }] },
};
const QUICK: typeof FULL = {
  fanout: { subscribers: 1_000, warmupS: 1, measureS: 2, window: 16 },
  latency: { clients: 1_000, instances: 2, topics: 50, rates: [100, 1_000], warmupS: 1, measureS: 3 },
  memory: { connections: 2_000, settleS: 1 },
  ingest: { seconds: 3, configs: [{ batch: 1, concurrency: 16 }, { batch: 100, concurrency: 4 }] },
};

const FANOUT_SYSTEMS: Array<[SystemKind, number]> = [
  ['uws', 1],
  ['wikicast', 1],
  ['ws-redis', 1],
  ['socketio', 1],
  ['wikicast', 2],
  ['ws-redis', 2],
  ['socketio', 2],
];
const LATENCY_SYSTEMS: SystemKind[] = ['wikicast', 'uws-redis', 'ws-redis', 'socketio'];
const MEMORY_SYSTEMS: SystemKind[] = ['uws', 'wikicast', 'ws-redis', 'socketio'];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      systems: { type: 'string' },
      out: { type: 'string' },
      render: { type: 'string' },
      'latency-topics': { type: 'string' },
    },
  });
  const outDir = values.out ?? (values.quick ? join(tmpdir(), 'wikicast-bench') : join(REPO_ROOT, 'docs'));
  if (values.render) {
    const results = JSON.parse(readFileSync(values.render, 'utf8')) as Results;
    write(outDir, results);
    return;
  }
  const started = Date.now();
  const config = structuredClone(values.quick ? QUICK : FULL);
  if (values['latency-topics']) config.latency.topics = Number(values['latency-topics']);
  const only = new Set((values.only ?? 'fanout,latency,memory,ingest').split(','));
  const systems = values.systems ? new Set(values.systems.split(',')) : null;
  const wanted = (kind: SystemKind): boolean => (systems === null || systems.has(kind)) && (kind !== 'wikicast' || wikicastAvailable());
  const log = (line: string): void => console.log(line);

  const redis = await ensureRedis();
  const rabbit = await rabbitPid();
  const machine = await machineInfo(redis.version);
  const results: Results = {
    mode: values.quick ? 'quick' : 'full',
    machine,
    command: `node --conditions=wikicast-source --import tsx test/bench/run.ts ${process.argv.slice(2).join(' ')}`.trim(),
    config,
    fanout: [],
    latency: [],
    brokers: [],
    memory: [],
    ingest: [],
    ingestBench: null,
    failures: [],
    notes: [],
    durationS: 0,
  };
  if (redis.startedByUs) results.notes.push('Redis was not running; the runner started `redis-server --save "" --appendonly no` on 127.0.0.1:6379.');
  if (!wikicastAvailable()) results.notes.push('Wikicast was not measured: services/edge/src/main.ts or services/ingest/src/main.ts does not exist yet in this checkout.');
  log(`Wikicast benchmarks (${results.mode}) on ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}`);

  let quietBudgetMs = values.quick ? 5_000 : 120_000;
  const attempt = async <T>(scenario: string, system: string, fn: () => Promise<T>): Promise<T | null> => {
    // The machine may be shared: give other work a moment to finish before measuring.
    const waited = await waitForQuiet(Math.min(20_000, quietBudgetMs));
    quietBudgetMs -= waited;
    if (waited > 1_500) log(`  (waited ${Math.round(waited / 1000)} s for other processes to quiet down)`);
    try {
      return await fn();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log(`  FAILED ${scenario} ${system}: ${message.split('\n').slice(0, 6).join(' | ')}`);
      results.failures.push({ scenario, system, error: message.slice(0, 1500) });
      return null;
    } finally {
      await sleep(1000); // let sockets in TIME_WAIT and the processes go before the next run
    }
  };

  if (only.has('fanout')) {
    log(`\n(a) fan-out: ${config.fanout.subscribers} subscribers on one topic`);
    for (const [kind, instances] of FANOUT_SYSTEMS) {
      if (!wanted(kind)) continue;
      const r = await attempt('fanout', `${SYSTEM_LABELS[kind]} ×${instances}`, () => runFanout(kind, instances, { ...config.fanout, brokerPid: kind === 'wikicast' ? rabbit : kind === 'uws' ? null : redis.pid }, log));
      if (r) results.fanout.push(r);
    }
  }
  if (only.has('latency')) {
    log(`\n(b) latency: ${config.latency.clients} clients on ${config.latency.instances} instances, ${config.latency.rates.join(' and ')} events/s`);
    for (const kind of LATENCY_SYSTEMS) {
      if (!wanted(kind)) continue;
      const r = await attempt('latency', SYSTEM_LABELS[kind], () => runLatency(kind, { ...config.latency, brokerPids: [redis.pid, ...(rabbit ? [rabbit] : [])] }, log));
      if (r) results.latency.push(r);
    }
    log('  brokers alone, for reference:');
    const b = await attempt('latency', 'brokers alone', () => runBrokerReference(config.latency.rates, Math.min(config.latency.measureS, 8), log));
    if (b) results.brokers = b;
  }
  if (only.has('memory')) {
    log(`\n(c) memory: ${config.memory.connections} idle connections on one process`);
    for (const kind of MEMORY_SYSTEMS) {
      if (!wanted(kind)) continue;
      const r = await attempt('memory', SYSTEM_LABELS[kind], () => runMemory(kind, config.memory.connections, config.memory.settleS, log));
      if (r) results.memory.push(r);
    }
  }
  if (only.has('ingest') && wanted('wikicast')) {
    log('\n(d) ingest throughput with confirms');
    if (existsSync(join(REPO_ROOT, INGEST_BENCH))) {
      results.ingestBench = await attempt('ingest', INGEST_BENCH, () => runIngestBench(config.ingest.seconds, log));
    } else {
      const r = await attempt('ingest', 'Wikicast ingest', () => runIngest(config.ingest.configs, config.ingest.seconds, rabbit, log));
      if (r) results.ingest = r;
    }
  }
  results.durationS = Math.round((Date.now() - started) / 1000);
  write(outDir, results);
  log(`\ndone in ${results.durationS} s`);
}

function write(outDir: string, results: Results): void {
  const chartDir = join(outDir, 'benchmarks');
  mkdirSync(chartDir, { recursive: true });
  const { markdown, charts } = renderReport(results);
  for (const [name, svg] of Object.entries(charts)) writeFileSync(join(chartDir, name), svg);
  writeFileSync(join(chartDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(outDir, 'benchmarks.md'), markdown);
  console.log(`wrote ${relative(process.cwd(), join(outDir, 'benchmarks.md')) || join(outDir, 'benchmarks.md')} and ${Object.keys(charts).length} charts`);
}

await main();
// Worker processes and Redis/AMQP clients are closed; exit even if a stray handle lingers.
process.exit(0);
