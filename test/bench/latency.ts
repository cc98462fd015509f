/**
 * Scenario (b), end-to-end latency: N clients spread over two server instances and over T
 * topics (each event reaches N/T clients, half on each instance); an open-loop producer (a
 * process of its own, `producer.ts`) publishes at a fixed rate through the system's producer path, each event stamped with the time
 * its POST / PUBLISH starts, and every receipt is recorded in an HDR histogram (µs). Open loop:
 * events are sent on schedule whatever the system's answers (a slow answer never delays the next
 * event), and the worst lag of a send behind its schedule is reported beside the figures.
 */
import * as hdr from 'hdr-histogram-js';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Fleet, MAX_PER_WORKER } from './lib/fleet.js';
import type { ProducerSpec } from './lib/publisher.js';
import type { ProducerCommand, ProducerReply } from './producer.js';
import { cpuPressureMicros, machineBusySeconds, sleep, totalCpuSeconds } from './lib/proc.js';
import { scrapeStalls, stallsBetween, type ServiceStalls } from './lib/service-stalls.js';
import { BENCH_WIKI, nowMs, startSystem, type SystemKind, type SystemUnderTest } from './lib/systems.js';

export interface LatencyOptions {
  clients: number;
  instances: number;
  topics: number;
  rates: number[];
  warmupS: number;
  measureS: number;
  /** Redis and RabbitMQ, counted as the benchmark's own when telling other processes' load apart. */
  brokerPids: number[];
}

export interface LatencyPoint {
  rate: number;
  events: number;
  expected: number;
  received: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  publishErrors: number;
  achievedRate: number;
  /** The producer's answer (202 from ingest, the PUBLISH reply from Redis): p50 / p99 ms. */
  answerP50Ms: number;
  answerP99Ms: number;
  /** Send → a side listener on the broker (stream consumer / Redis subscriber), when there is one; from a run of its own at the same rate (brokerHop). */
  brokerP50Ms: number;
  brokerP99Ms: number;
  brokerP999Ms: number;
  /** How late the producer sent against its schedule, at worst. */
  maxScheduleLagMs: number;
  serverCpuPercent: number;
  /** CPU of the brokers (RabbitMQ and Redis, whichever the system uses) in the measured window, % of one core. */
  brokerCpuPercent?: number;
  /** CPU the rest of the machine (processes outside this benchmark) used meanwhile, % of one core. */
  otherCpuPercent: number;
  /** Share of the time some runnable task waited for a CPU (Linux PSI), %. */
  cpuPressurePercent: number;
  /** CPU of the producer-side service (Wikicast's ingest), % of one core. */
  helperCpuPercent: number;
  /** Longest event-loop delay and GC pauses of each Wikicast process in the measured window. */
  stalls?: ServiceStalls[];
  /** Longest event-loop delay of any load generator in the measured window, ms. */
  clientLoopMaxMs?: number;
  /** CPU of the load generators (the clients), % of one core. */
  loadgenCpuPercent: number;
}

export interface LatencyResult {
  system: SystemKind;
  label: string;
  instances: number;
  clients: number;
  connectMs: number;
  points: LatencyPoint[];
  errors: string[];
}

function histogram(): hdr.Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 });
}

function ms1(value: number): string {
  return value.toFixed(1);
}

function recordMs(h: hdr.Histogram, ms: number): void {
  h.recordValue(Math.min(119_000_000, Math.max(1, Math.round(ms * 1000))));
}

class Producer {
  private readonly child: ChildProcess;
  constructor() {
    this.child = fork(fileURLToPath(new URL('./producer.ts', import.meta.url)), [], {
      execArgv: ['--conditions=wikicast-source', '--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
  }
  get pid(): number {
    return this.child.pid!;
  }
  run(spec: ProducerSpec, topics: string[], rate: number, seconds: number): Promise<ProducerReply> {
    return new Promise((resolve, reject) => {
      const onExit = (): void => reject(new Error('the producer process exited'));
      this.child.once('exit', onExit);
      this.child.once('message', (reply) => {
        this.child.off('exit', onExit);
        resolve(reply as ProducerReply);
      });
      this.child.send({ cmd: 'run', spec, topics, rate, seconds } satisfies ProducerCommand);
    });
  }
  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.send({ cmd: 'close' } satisfies ProducerCommand);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

/**
 * The broker hop, measured in a run of its own at the same rate after the measured one: the side
 * listener is one more consumer of the broker (for RabbitMQ, one more stream delivery per event
 * and an AMQP decode in the runner), load the system under test would not have, so it stays out
 * of the end-to-end window and its CPU figures.
 */
async function brokerHop(tap: NonNullable<SystemUnderTest['tap']>, run: () => Promise<ProducerReply>): Promise<hdr.Histogram> {
  const broker = histogram();
  const stopTap = await tap((bt) => recordMs(broker, nowMs() - bt));
  try {
    await run();
  } finally {
    await stopTap();
  }
  return broker;
}

export async function runLatency(kind: SystemKind, options: LatencyOptions, log: (line: string) => void): Promise<LatencyResult> {
  const system = await startSystem(kind, options.instances);
  const fleet = await Fleet.start(Math.max(2, Math.ceil(options.clients / MAX_PER_WORKER)));
  const producer = new Producer();
  const errors: string[] = [];
  try {
    const topics = Array.from({ length: options.topics }, (_, i) => `${BENCH_WIKI}:page:${i}`);
    const connected = await fleet.connect({ targets: system.targets, perTarget: Math.ceil(options.clients / options.instances), protocol: system.protocol, topics });
    if (connected.failed > 0) errors.push(`${connected.failed} connections failed: ${connected.errors.join('; ')}`);
    log(`  ${system.label} ×${options.instances}: ${connected.ready} clients in ${connected.ms} ms`);
    const perTopic = connected.ready / options.topics;
    const points: LatencyPoint[] = [];
    for (const rate of options.rates) {
      await fleet.reset(false);
      const warm = await producer.run(system.producer, topics, rate, options.warmupS);
      // Let the warm-up's deliveries arrive, so none is counted in the measured window.
      const warmExpected = Math.round(warm.events * perTopic);
      for (let i = 0; i < 50 && (await fleet.report()).deliveries < warmExpected; i++) await sleep(100);
      await sleep(300);
      await fleet.reset(true);
      const cpuBefore = totalCpuSeconds(system.serverPids);
      const helpersBefore = totalCpuSeconds(system.helperPids);
      const brokersBefore = totalCpuSeconds(options.brokerPids);
      const loadgenBefore = totalCpuSeconds(fleet.pids);
      const ours = [...system.serverPids, ...system.helperPids, ...fleet.pids, process.pid, producer.pid, ...options.brokerPids];
      const oursBefore = totalCpuSeconds(ours);
      const busyBefore = machineBusySeconds();
      const pressureBefore = cpuPressureMicros();
      const stallsBefore = system.services ? await scrapeStalls(system.services) : null;
      const run = await producer.run(system.producer, topics, rate, options.measureS);
      for (const e of run.errors) if (errors.length < 5) errors.push(e);
      const answered = run.answered ? hdr.decodeFromCompressedBase64(run.answered) : histogram();
      const cpuAfter = totalCpuSeconds(system.serverPids);
      const helperCpuPercent = ((totalCpuSeconds(system.helperPids) - helpersBefore) / run.seconds) * 100;
      const brokerCpuPercent = ((totalCpuSeconds(options.brokerPids) - brokersBefore) / run.seconds) * 100;
      const loadgenCpuPercent = ((totalCpuSeconds(fleet.pids) - loadgenBefore) / run.seconds) * 100;
      const pressureAfter = cpuPressureMicros();
      const stalls = system.services && stallsBefore ? stallsBetween(system.services, stallsBefore, await scrapeStalls(system.services)) : undefined;
      const cpuPressurePercent = pressureBefore !== null && pressureAfter !== null ? ((pressureAfter - pressureBefore) / 1e6 / run.seconds) * 100 : NaN;
      const otherCpuPercent = Math.max(0, ((machineBusySeconds() - busyBefore - (totalCpuSeconds(ours) - oursBefore)) / run.seconds) * 100);
      const expected = Math.round(run.events * perTopic);
      let report = await fleet.report();
      for (let i = 0; i < 50 && report.deliveries < expected; i++) {
        await sleep(100);
        report = await fleet.report();
      }
      const broker = system.tap ? await brokerHop(system.tap, () => producer.run(system.producer, topics, rate, options.measureS)) : histogram();
      const h = report.histogram;
      const pct = (x: hdr.Histogram, q: number): number => (x.totalCount > 0 ? x.getValueAtPercentile(q) / 1000 : NaN);
      const point: LatencyPoint = {
        rate,
        events: run.events,
        expected,
        received: report.deliveries,
        p50Ms: h ? h.getValueAtPercentile(50) / 1000 : NaN,
        p99Ms: h ? h.getValueAtPercentile(99) / 1000 : NaN,
        p999Ms: h ? h.getValueAtPercentile(99.9) / 1000 : NaN,
        maxMs: h ? h.maxValue / 1000 : NaN,
        publishErrors: run.publishErrors,
        achievedRate: run.events / run.seconds,
        maxScheduleLagMs: run.maxLagMs,
        answerP50Ms: pct(answered, 50),
        answerP99Ms: pct(answered, 99),
        brokerP50Ms: pct(broker, 50),
        brokerP99Ms: pct(broker, 99),
        brokerP999Ms: pct(broker, 99.9),
        otherCpuPercent,
        cpuPressurePercent,
        helperCpuPercent,
        loadgenCpuPercent,
        serverCpuPercent: ((cpuAfter - cpuBefore) / run.seconds) * 100,
        brokerCpuPercent,
        stalls,
        clientLoopMaxMs: report.loopDelayMaxMs,
      };
      points.push(point);
      log(`    ${rate}/s: p50 ${point.p50Ms.toFixed(2)} ms, p99 ${point.p99Ms.toFixed(2)} ms, p999 ${point.p999Ms.toFixed(2)} ms; received ${point.received}/${expected}; publish errors ${point.publishErrors}; ` +
          `producer answered p50 ${point.answerP50Ms.toFixed(2)} p99 ${point.answerP99Ms.toFixed(2)} ms; broker hop p50 ${point.brokerP50Ms.toFixed(2)} p99 ${point.brokerP99Ms.toFixed(2)} ms; servers ${Math.round(point.serverCpuPercent)} %, clients ${Math.round(loadgenCpuPercent)} %, other processes ${Math.round(otherCpuPercent)} % CPU, CPU pressure ${Math.round(cpuPressurePercent)} %; ` +
          `longest event-loop delay: clients ${ms1(report.loopDelayMaxMs)} ms${(stalls ?? []).map((s) => `, ${s.role} ${ms1(s.loopMaxMs)} ms (GC ${ms1(s.gcMs)} ms in ${s.gcPauses} pauses, ${s.gcPausesOver10ms} of 10 ms or more${Number.isFinite(s.lateAtEdgeShare) ? `; ${(s.lateAtEdgeShare * 100).toFixed(2)} % of events later than 25 ms at the edge` : ''})`).join('')}`);
    }
    return { system: kind, label: system.label, instances: options.instances, clients: connected.ready, connectMs: connected.ms, points, errors };
  } finally {
    await producer.close();
    await fleet.close();
    await system.stop();
  }
}
