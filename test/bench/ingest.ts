/**
 * Scenario (d), ingest throughput with publisher confirms: ingest alone (no edge) on the real
 * RabbitMQ; closed-loop HTTP producers POST events (one per request, and batches of 100) for a
 * fixed time. Every 202 means RabbitMQ confirmed every event in it (SPEC: never 2xx without
 * durability), so accepted events per second is the confirmed throughput.
 */
import * as hdr from 'hdr-histogram-js';
import { sleep, totalCpuSeconds } from './lib/proc.js';
import { BENCH_WIKI, makeEvent, nowMs, startSystem } from './lib/systems.js';

export interface IngestPoint {
  batch: number;
  concurrency: number;
  seconds: number;
  requests: number;
  events: number;
  eventsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  ingestCpuPercent: number;
  brokerCpuPercent: number;
  firstError: string | null;
}

export async function runIngest(configs: Array<{ batch: number; concurrency: number }>, seconds: number, brokerPid: number | null, log: (line: string) => void): Promise<IngestPoint[]> {
  const system = await startSystem('wikicast', 0);
  const topic = `${BENCH_WIKI}:recentchange`;
  const points: IngestPoint[] = [];
  try {
    for (const { batch, concurrency } of configs) {
      // A short warm-up, then the measured run.
      for (const [duration, measured] of [[Math.min(2, seconds / 3), false], [seconds, true]] as const) {
        const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 });
        let requests = 0;
        let events = 0;
        let errors = 0;
        let firstError: string | null = null;
        let seq = 0;
        const pids = system.helperPids;
        const cpuBefore = totalCpuSeconds(pids);
        const brokerBefore = brokerPid ? totalCpuSeconds([brokerPid]) : 0;
        const start = nowMs();
        const end = start + duration * 1000;
        await Promise.all(
          Array.from({ length: concurrency }, async () => {
            while (nowMs() < end) {
              const batchEvents = Array.from({ length: batch }, () => makeEvent(topic, seq++));
              const t0 = nowMs();
              try {
                await system.publish(topic, batchEvents);
                histogram.recordValue(Math.max(1, Math.round((nowMs() - t0) * 1000)));
                requests++;
                events += batch;
              } catch (error) {
                errors++;
                firstError ??= String(error).slice(0, 200);
                await sleep(10);
              }
            }
          }),
        );
        const elapsed = (nowMs() - start) / 1000;
        if (!measured) continue;
        const point: IngestPoint = {
          batch,
          concurrency,
          seconds: elapsed,
          requests,
          events,
          eventsPerSecond: events / elapsed,
          p50Ms: histogram.getValueAtPercentile(50) / 1000,
          p99Ms: histogram.getValueAtPercentile(99) / 1000,
          errors,
          ingestCpuPercent: ((totalCpuSeconds(pids) - cpuBefore) / elapsed) * 100,
          brokerCpuPercent: brokerPid ? ((totalCpuSeconds([brokerPid]) - brokerBefore) / elapsed) * 100 : NaN,
          firstError,
        };
        points.push(point);
        log(`  batch ${batch} × ${concurrency} concurrent: ${Math.round(point.eventsPerSecond).toLocaleString('en')} events/s confirmed, request p50 ${point.p50Ms.toFixed(2)} ms p99 ${point.p99Ms.toFixed(2)} ms, errors ${errors}`);
      }
    }
    return points;
  } finally {
    await system.stop();
  }
}

/** Ingest against the raw publish-with-confirms ceiling (its own document: docs/benchmarks/ingest.md). */
export const INGEST_BENCH = 'test/bench/ingest-confirms/throughput.ts';

export interface IngestBenchReport {
  command: string;
  markdown: string;
}

/**
 * Runs test/bench/ingest-confirms/throughput.ts (ingest against a raw amqplib publish-with-confirms
 * ceiling, several batch sizes) into a temporary file and returns its document.
 */
export async function runIngestBench(seconds: number, log: (line: string) => void): Promise<IngestBenchReport> {
  const { spawn } = await import('node:child_process');
  const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { REPO_ROOT } = await import('@wikicast/test/support');
  const dir = mkdtempSync(join(tmpdir(), 'wikicast-ingest-bench-'));
  const out = join(dir, 'ingest.md');
  const args = ['--conditions=wikicast-source', '--import', 'tsx', INGEST_BENCH, '--seconds', String(seconds), '--rounds', '1', '--out', out];
  try {
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        for (const line of chunk.split('\n')) if (line.trim()) log(`  ${line}`);
      });
      child.on('exit', (c) => resolve(c));
    });
    if (code !== 0) throw new Error(`${INGEST_BENCH} exited with ${code}`);
    return { command: `node ${args.slice(0, -2).join(' ')}`, markdown: readFileSync(out, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
