/**
 * Reference for scenario (b): the brokers alone, at the same open-loop rates, no server and no
 * clients. RabbitMQ: a raw amqplib confirm channel publishing the event persistent to the fanout
 * exchange (as ingest does) and a stream consumer (as an edge does), both with `noDelay`. Redis:
 * `PUBLISH` and a pattern subscriber. This tells how much of each design's latency is the broker
 * hop and how much is its own servers.
 */
import amqp from 'amqplib';
import * as hdr from 'hdr-histogram-js';
import { createClient } from 'redis';
import { AMQP_URL, setupTopology } from '@wikicast/test/support';
import { sleep } from './lib/proc.js';
import { BENCH_WIKI, makeEvent, nowMs, readBt, REDIS_URL } from './lib/systems.js';

export interface BrokerPoint {
  broker: 'RabbitMQ stream' | 'Redis pub/sub';
  rate: number;
  events: number;
  /** Publish → confirm (RabbitMQ) or → PUBLISH reply (Redis). */
  answerP50Ms: number;
  answerP99Ms: number;
  /** Publish → the consumer / subscriber got it. */
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
}

const build = (): hdr.Histogram => hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 });
const record = (h: hdr.Histogram, ms: number): void => h.recordValue(Math.min(119_000_000, Math.max(1, Math.round(ms * 1000))));
const pct = (h: hdr.Histogram, q: number): number => (h.totalCount ? h.getValueAtPercentile(q) / 1000 : NaN);

async function schedule(rate: number, seconds: number, send: (seq: number) => void): Promise<number> {
  const start = nowMs();
  const total = Math.round(rate * seconds);
  let sent = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const now = nowMs();
      while (sent < total && start + (sent * 1000) / rate <= now) send(sent++);
      if (sent >= total) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  return sent;
}

export async function runBrokerReference(rates: number[], seconds: number, log: (line: string) => void): Promise<BrokerPoint[]> {
  const points: BrokerPoint[] = [];
  const topic = `${BENCH_WIKI}:recentchange`;

  const topology = await setupTopology('bench-ref');
  const connection = await amqp.connect(AMQP_URL, { noDelay: true, clientProperties: { connection_name: `${topology.prefix}-ref` } });
  try {
    const publisher = await connection.createConfirmChannel();
    const consumer = await connection.createChannel();
    await consumer.prefetch(1000);
    let received = build();
    await consumer.consume(
      topology.names.log,
      (message) => {
        if (message === null) return;
        const bt = readBt(message.content);
        if (bt !== null) record(received, nowMs() - bt);
        consumer.ack(message);
      },
      { noAck: false, arguments: { 'x-stream-offset': 'next' } },
    );
    for (const rate of rates) {
      const answered = build();
      received = build();
      const events = await schedule(rate, seconds, (seq) => {
        const event = makeEvent(topic, seq);
        publisher.publish(topology.names.events, '', Buffer.from(JSON.stringify(event)), { persistent: true, contentType: 'application/json' }, () => record(answered, nowMs() - event.msg.bt));
      });
      await sleep(1000);
      points.push({ broker: 'RabbitMQ stream', rate, events, answerP50Ms: pct(answered, 50), answerP99Ms: pct(answered, 99), p50Ms: pct(received, 50), p99Ms: pct(received, 99), p999Ms: pct(received, 99.9) });
    }
  } finally {
    await connection.close();
    await topology.cleanup();
  }

  const pub = createClient({ url: REDIS_URL });
  const sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);
  try {
    let received = build();
    await sub.pSubscribe('benchref:*', (message: Buffer) => {
      const bt = readBt(message);
      if (bt !== null) record(received, nowMs() - bt);
    }, true);
    for (const rate of rates) {
      const answered = build();
      received = build();
      const events = await schedule(rate, seconds, (seq) => {
        const event = makeEvent(topic, seq);
        void pub.publish(`benchref:${topic}`, JSON.stringify(event)).then(() => record(answered, nowMs() - event.msg.bt));
      });
      await sleep(1000);
      points.push({ broker: 'Redis pub/sub', rate, events, answerP50Ms: pct(answered, 50), answerP99Ms: pct(answered, 99), p50Ms: pct(received, 50), p99Ms: pct(received, 99), p999Ms: pct(received, 99.9) });
    }
  } finally {
    await Promise.all([pub.quit(), sub.quit()]);
  }
  for (const p of points) log(`  ${p.broker} ${p.rate}/s: answered p50 ${p.answerP50Ms.toFixed(2)} p99 ${p.answerP99Ms.toFixed(2)} ms; received p50 ${p.p50Ms.toFixed(2)} p99 ${p.p99Ms.toFixed(2)} p999 ${p.p999Ms.toFixed(2)} ms`);
  return points;
}
