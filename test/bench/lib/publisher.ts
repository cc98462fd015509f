/**
 * Each system's producer path, built from a plain description so that the runner (fan-out) and
 * the producer process (latency) publish the same way.
 */
import http from 'node:http';
import { Emitter } from '@socket.io/redis-emitter';
import { createClient } from 'redis';
import type { BenchEvent } from './systems.js';

export type ProducerSpec =
  | { kind: 'ingest'; port: number; token: string }
  | { kind: 'uws-http'; ports: number[] }
  | { kind: 'redis'; url: string }
  | { kind: 'socketio-emitter'; url: string };

export interface Publisher {
  publish: (topic: string, events: BenchEvent[]) => Promise<void>;
  close: () => Promise<void>;
}

/**
 * node:http with a keep-alive agent, much lighter per request than `fetch`, so the benchmark's
 * own producer takes as little CPU as it can from the two cores.
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

export function post(port: number, path: string, token: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: '127.0.0.1', port, path, method: 'POST', agent, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

let seq = 0;

/** The frame a peer delivers: the event as Wikicast delivers it, with a cursor. */
function peerFrame(event: BenchEvent): string {
  return JSON.stringify({ op: 'event', ...event, cursor: `b${seq++}` });
}

export async function createPublisher(spec: ProducerSpec): Promise<Publisher> {
  switch (spec.kind) {
    case 'ingest':
      return {
        publish: async (_topic, events) => {
          const { status, body } = await post(spec.port, '/v1/events', spec.token, JSON.stringify(events.length === 1 ? events[0] : events));
          if (status !== 202) throw new Error(`ingest answered ${status}: ${body.slice(0, 300)}`);
        },
        close: async () => agent.destroy(),
      };
    case 'uws-http':
      return {
        publish: async (topic, events) => {
          const body = JSON.stringify({ topic, frames: events.map((e) => peerFrame(e)) });
          await Promise.all(spec.ports.map((port) => post(port, '/publish', '', body)));
        },
        close: async () => agent.destroy(),
      };
    case 'redis': {
      const redis = createClient({ url: spec.url });
      await redis.connect();
      return {
        publish: async (topic, events) => {
          await Promise.all(events.map((e) => redis.publish(`bench:${topic}`, peerFrame(e))));
        },
        close: async () => {
          await redis.quit();
        },
      };
    }
    case 'socketio-emitter': {
      const redis = createClient({ url: spec.url });
      await redis.connect();
      const emitter = new Emitter(redis);
      return {
        publish: async (topic, events) => {
          for (const e of events) emitter.to(topic).emit('event', { ...e, cursor: `b${seq++}` });
          await redis.ping(); // the emitter does not wait; a round trip after the publishes does
        },
        close: async () => {
          await redis.quit();
        },
      };
    }
  }
}
