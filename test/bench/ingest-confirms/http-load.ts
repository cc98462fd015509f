import { Agent, request } from 'node:http';
import type { PhaseResult } from './raw-publish.js';

export interface HttpLoad {
  url: string;
  token: string;
  /** One request's body: a JSON array of `batch` events, built once and reused. */
  body: Buffer;
  batch: number;
  clients: number;
  seconds: number;
}

export interface HttpPhaseResult extends PhaseResult {
  requests: number;
  p50Ms: number;
  p99Ms: number;
  statuses: Record<string, number>;
}

/**
 * Closed-loop HTTP producers over keep-alive connections: each posts a batch, waits for the
 * answer, posts the next. Only events of 202 answers count: each 202 means RabbitMQ confirmed them.
 */
export async function httpLoad(load: HttpLoad): Promise<HttpPhaseResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: load.clients });
  const target = new URL('/v1/events', load.url);
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let events = 0;
  let errors = 0;
  const started = performance.now();
  const end = started + load.seconds * 1000;
  const post = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const req = request(
        target,
        {
          method: 'POST',
          agent,
          headers: { authorization: `Bearer ${load.token}`, 'content-type': 'application/json', 'content-length': load.body.byteLength },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(load.body);
    });
  await Promise.all(
    Array.from({ length: load.clients }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        try {
          const status = await post();
          statuses[status] = (statuses[status] ?? 0) + 1;
          if (status === 202) {
            events += load.batch;
            latencies.push(performance.now() - t0);
          } else errors++;
        } catch (err) {
          errors++;
          statuses[String((err as NodeJS.ErrnoException).code)] = (statuses[String((err as NodeJS.ErrnoException).code)] ?? 0) + 1;
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return { events, seconds: elapsed, eventsPerSecond: events / elapsed, errors, requests: latencies.length, p50Ms: at(0.5), p99Ms: at(0.99), statuses };
}
