/**
 * The floor under the whole path's CPU: the least any HTTP-intake → RabbitMQ stream → two
 * consumers design on AMQP 0-9-1 can spend per event, measured with bare stand-ins for ingest and
 * the edges at the rate path-cpu.ts uses (single-event POSTs, default 1,000/s):
 * - intake: a uWebSockets.js POST handler that publishes the body as it came, persistent and
 *   confirmed, into the fanout exchange and answers 202 on the confirm (no token, no JSON, no
 *   validation, no id, no metrics, no logging);
 * - two consumers: amqplib stream consumers from `next`, acknowledging in bulk as the edge does,
 *   that do nothing with a message (no parse, no frame, no client).
 * Whatever Wikicast's processes do beyond that is their own cost; this is what is left when they
 * do nothing (docs/benchmarks/latency-breakdown.md).
 * `throughput` runs the ingest benchmark's single-event phase (64 closed-loop node:http clients,
 * one event per POST) against the bare intake instead, between raw amqplib phases (window 64
 * and 10,000, as test/bench/ingest-confirms runs them): the most any HTTP intake can reach here.
 *   node --conditions=wikicast-source --import tsx test/bench/tools/path-floor.ts [rate | throughput]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import amqp from 'amqplib';
import uWS from 'uWebSockets.js';
import { AMQP_URL, setupTopology } from '@wikicast/test/support';
import { httpLoad } from '../ingest-confirms/http-load.js';
import { rawPublishLoop } from '../ingest-confirms/raw-publish.js';
import { rabbitPid, sleep, totalCpuSeconds } from '../lib/proc.js';
import { post } from '../lib/publisher.js';
import { sendAtRate } from '../lib/rate-sender.js';
import { makeEvent } from '../lib/systems.js';

const role = process.argv[2];
if (role === 'intake') await intake(process.env.EXCHANGE!);
else if (role === 'consumer') await consumer(process.env.QUEUE!);
else if (role === 'throughput') await throughput();
else await measure(Number(process.argv[2] ?? 1000));

async function intake(exchange: string): Promise<void> {
  const connection = await amqp.connect(AMQP_URL, { noDelay: true });
  const channel = await connection.createConfirmChannel();
  const app = uWS.App().post('/*', (res) => {
    let aborted = false;
    res.onAborted(() => (aborted = true));
    const parts: Buffer[] = [];
    res.onData((chunk, last) => {
      parts.push(Buffer.from(chunk.slice(0)));
      if (!last) return;
      channel.publish(exchange, '', Buffer.concat(parts), { persistent: true }, (err) => {
        if (aborted) return;
        res.cork(() => res.writeStatus(err ? '503 Service Unavailable' : '202 Accepted').end('{}'));
      });
    });
  });
  app.listen('127.0.0.1', 0, (socket) => {
    if (socket === false) throw new Error('the bare intake could not listen');
    process.send!({ port: uWS.us_socket_local_port(socket) });
  });
}

async function consumer(queue: string): Promise<void> {
  const connection = await amqp.connect(AMQP_URL, { noDelay: true });
  const channel = await connection.createChannel();
  await channel.prefetch(1000);
  let unacked: amqp.ConsumeMessage | null = null;
  let count = 0;
  // The edge's bulk acks: a quarter of the window, or 50 ms after the first unacknowledged message.
  setInterval(() => {
    if (unacked !== null) channel.ack(unacked, true);
    unacked = null;
    count = 0;
  }, 50);
  await channel.consume(queue, (message) => {
    if (message === null) return;
    unacked = message;
    if (++count < 250) return;
    channel.ack(message, true);
    unacked = null;
    count = 0;
  }, { arguments: { 'x-stream-offset': 'next' } });
  process.send!({ ready: true });
}

function start(args: string[], env: Record<string, string>): Promise<{ child: ChildProcess; reply: Record<string, unknown> }> {
  const child = fork(fileURLToPath(import.meta.url), args, { env: { ...process.env, ...env }, execArgv: ['--conditions=wikicast-source', '--import', 'tsx'] });
  return new Promise((resolve, reject) => {
    child.once('message', (reply) => resolve({ child, reply: reply as Record<string, unknown> }));
    child.once('exit', (code) => reject(new Error(`${args[0]} exited (${code}) before it was ready`)));
  });
}

async function throughput(): Promise<void> {
  const topology = await setupTopology('path-floor');
  const stand = await start(['intake'], { EXCHANGE: topology.names.events });
  try {
    const url = `http://127.0.0.1:${Number(stand.reply.port)}`;
    const event = Buffer.from(JSON.stringify(makeEvent('benchwiki:page:1', 0)));
    const rounds: string[] = [];
    await httpLoad({ url, token: '', body: event, batch: 1, clients: 64, seconds: 2 });
    for (let round = 0; round < 2; round++) {
      const rawMax = await rawPublishLoop(AMQP_URL, topology.names.events, event, 10_000, 6);
      const raw64 = await rawPublishLoop(AMQP_URL, topology.names.events, event, 64, 6);
      const bare = await httpLoad({ url, token: '', body: event, batch: 1, clients: 64, seconds: 6 });
      if (bare.errors > 0) throw new Error(`the bare intake failed ${bare.errors} requests: ${JSON.stringify(bare.statuses)}`);
      rounds.push(`bare intake 1 × 64: ${Math.round(bare.eventsPerSecond)} events/s = ${pct(bare.eventsPerSecond, rawMax.eventsPerSecond)} of raw amqplib window 10,000 (${Math.round(rawMax.eventsPerSecond)}/s), ${pct(bare.eventsPerSecond, raw64.eventsPerSecond)} of window 64 (${Math.round(raw64.eventsPerSecond)}/s)`);
    }
    for (const line of rounds) console.log(line);
  } finally {
    stand.child.kill();
    await topology.cleanup();
  }
  process.exit(0);
}

function pct(part: number, whole: number): string {
  return `${Math.round((part / whole) * 100)} %`;
}

async function measure(rate: number): Promise<void> {
  const topology = await setupTopology('path-floor');
  const children: ChildProcess[] = [];
  try {
    const stand = await start(['intake'], { EXCHANGE: topology.names.events });
    const consumers = await Promise.all([1, 2].map(() => start(['consumer'], { QUEUE: topology.names.log })));
    children.push(stand.child, ...consumers.map((c) => c.child));
    const port = Number(stand.reply.port);
    const rabbit = (await rabbitPid())!;
    const groups = { intake: [stand.child.pid!], consumers: consumers.map((c) => c.child.pid!), rabbitmq: [rabbit] };
    const topic = 'benchwiki:page:1';
    for (let i = 0; i < 500; i++) await post(port, '/e', '', JSON.stringify(makeEvent(topic, i)));
    await sleep(1000);
    const before = Object.fromEntries(Object.entries(groups).map(([k, pids]) => [k, totalCpuSeconds(pids)]));
    const started = Date.now();
    const sent = await sendAtRate(rate, 10_000, (seq) => post(port, '/e', '', JSON.stringify(makeEvent(topic, seq))));
    const seconds = (Date.now() - started) / 1000;
    let total = 0;
    const parts = Object.entries(groups).map(([k, pids]) => {
      const cpu = totalCpuSeconds(pids) - before[k]!;
      total += cpu;
      return `${k} ${((cpu / seconds) * 100).toFixed(1)} % (${((cpu / sent) * 1e6).toFixed(0)} µs/event)`;
    });
    console.log(`${Math.round(sent / seconds)} events/s: ${parts.join(', ')}; floor ${((total / sent) * 1e6).toFixed(0)} µs per event`);
  } finally {
    for (const child of children) child.kill();
    await topology.cleanup();
  }
  process.exit(0);
}
