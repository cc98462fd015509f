import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as hdr from 'hdr-histogram-js';
import type { LoadgenCommand, LoadgenReply, Protocol, Target } from './loadgen-protocol.js';

const WORKER = fileURLToPath(new URL('../loadgen.ts', import.meta.url));
/** One load generator opens at most this many connections (the machine allows 20,000 open files a process). */
export const MAX_PER_WORKER = 9_000;
/** Source addresses per worker (127.0.0.2–5 for the first, 127.0.0.6–9 for the second, …). */
const ADDRESSES_PER_WORKER = 4;

type ReplyOf<T extends LoadgenReply['type']> = Extract<LoadgenReply, { type: T }>;

class Worker {
  readonly child: ChildProcess;
  deliveries = 0;
  private waiters: Array<{ type: string; resolve: (reply: LoadgenReply) => void }> = [];
  readonly started: Promise<void>;

  constructor(readonly localAddresses: string[], onProgress: () => void) {
    this.child = fork(WORKER, [], {
      execArgv: ['--conditions=wikicast-source', '--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (raw) => {
      const message = raw as LoadgenReply;
      if (message.type === 'progress') {
        this.deliveries = message.deliveries;
        onProgress();
        return;
      }
      const index = this.waiters.findIndex((w) => w.type === message.type);
      if (index >= 0) this.waiters.splice(index, 1)[0]!.resolve(message);
    });
    this.started = this.expect('started').then(() => undefined);
  }

  expect<T extends LoadgenReply['type']>(type: T, timeoutMs = 180_000): Promise<ReplyOf<T>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`load generator ${this.localAddresses[0]}: no '${type}' within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        type,
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply as ReplyOf<T>);
        },
      });
    });
  }

  async request<T extends LoadgenReply['type']>(command: LoadgenCommand, type: T): Promise<ReplyOf<T>> {
    const reply = this.expect(type);
    this.child.send(command);
    return reply;
  }
}

export interface FleetReport {
  deliveries: number;
  open: number;
  closedAfterReady: number;
  closeCodes: Record<string, number>;
  histogram: hdr.Histogram | null;
  workerRssBytes: number[];
  /** The longest event-loop delay of any load generator since the last reset, ms. */
  loopDelayMaxMs: number;
}

/**
 * Several load-generator processes, each with its own source addresses (127.0.0.2–5, 127.0.0.6–9,
 * …), so no process nears the open-file limit and no source address runs short of ports.
 */
export class Fleet {
  private constructor(private readonly workers: Worker[]) {}
  onProgress: (deliveries: number) => void = () => {};

  static async start(count: number): Promise<Fleet> {
    let fleet: Fleet | undefined;
    const workers = Array.from(
      { length: count },
      (_, i) => new Worker(Array.from({ length: ADDRESSES_PER_WORKER }, (_, k) => `127.0.0.${2 + i * ADDRESSES_PER_WORKER + k}`), () => fleet?.onProgress(fleet.deliveries())),
    );
    fleet = new Fleet(workers);
    await Promise.all(workers.map((w) => w.started));
    return fleet;
  }

  get size(): number {
    return this.workers.length;
  }

  get pids(): number[] {
    return this.workers.map((w) => w.child.pid!);
  }

  deliveries(): number {
    let sum = 0;
    for (const w of this.workers) sum += w.deliveries;
    return sum;
  }

  /**
   * Opens `perInstance` connections to every target, spread evenly over the workers; connection
   * k (counted over the whole fleet) subscribes to `topics[k % topics.length]`.
   */
  async connect(options: { targets: Array<Omit<Target, 'count'>>; perTarget: number; protocol: Protocol; topics: string[]; concurrency?: number }): Promise<{ ready: number; failed: number; errors: string[]; ms: number }> {
    const started = Date.now();
    const n = this.workers.length;
    let topicOffset = 0;
    const replies = await Promise.all(
      this.workers.map((worker, i) => {
        const targets = options.targets.map((t) => ({ ...t, count: Math.floor(options.perTarget / n) + (i < options.perTarget % n ? 1 : 0) }));
        const total = targets.reduce((a, t) => a + t.count, 0);
        if (total > MAX_PER_WORKER) throw new Error(`a load generator would open ${total} connections (max ${MAX_PER_WORKER})`);
        const offset = topicOffset;
        topicOffset += total;
        return worker.request(
          { cmd: 'connect', targets, protocol: options.protocol, topics: options.topics, topicOffset: offset, localAddresses: worker.localAddresses, concurrency: options.concurrency ?? 200 },
          'connected',
        );
      }),
    );
    return {
      ready: replies.reduce((a, r) => a + r.ready, 0),
      failed: replies.reduce((a, r) => a + r.failed, 0),
      errors: replies.flatMap((r) => r.errors).slice(0, 5),
      ms: Date.now() - started,
    };
  }

  async reset(latency: boolean): Promise<void> {
    await Promise.all(this.workers.map((w) => w.request({ cmd: 'reset', latency }, 'reset')));
    for (const w of this.workers) w.deliveries = 0;
  }

  progress(everyMs: number): void {
    for (const w of this.workers) w.child.send({ cmd: 'progress', everyMs } satisfies LoadgenCommand);
  }

  async report(): Promise<FleetReport> {
    const replies = await Promise.all(this.workers.map((w) => w.request({ cmd: 'report' }, 'report')));
    let histogram: hdr.Histogram | null = null;
    const closeCodes: Record<string, number> = {};
    for (const r of replies) {
      if (r.histogram !== null) {
        const h = hdr.decodeFromCompressedBase64(r.histogram);
        if (histogram === null) histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 });
        histogram.add(h);
      }
      for (const [k, v] of Object.entries(r.closeCodes)) closeCodes[k] = (closeCodes[k] ?? 0) + v;
    }
    return {
      deliveries: replies.reduce((a, r) => a + r.deliveries, 0),
      open: replies.reduce((a, r) => a + r.open, 0),
      closedAfterReady: replies.reduce((a, r) => a + r.closedAfterReady, 0),
      closeCodes,
      histogram,
      workerRssBytes: replies.map((r) => r.rssBytes),
      loopDelayMaxMs: Math.max(0, ...replies.map((r) => r.loopDelayMaxMs)),
    };
  }

  async close(): Promise<void> {
    await Promise.all(
      this.workers.map(async (w) => {
        if (w.child.exitCode !== null) return;
        const exited = new Promise((resolve) => w.child.once('exit', resolve));
        try {
          await w.request({ cmd: 'close' }, 'closed');
        } catch {
          /* the worker may already be gone */
        }
        const timer = setTimeout(() => w.child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }
}
