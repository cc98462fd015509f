/**
 * Where a single-event POST's time goes, one request at a time on a quiet machine: through
 * `node:http` (the latency benchmark's producer), through a bare keep-alive socket (what the HTTP
 * client costs), and a bare confirmed publish to RabbitMQ (the broker's floor). For each, the
 * answer's time and the time until a stream consumer on the log has the event (what delivery
 * waits for); ingest's own publish → confirm time comes from its metrics.
 *   node --conditions=wikicast-source --import tsx test/bench/tools/ingest-answer.ts
 */
import net from 'node:net';
import amqp from 'amqplib';
import { AMQP_URL, setupTopology, signToken, startService, testWiki, waitUntilReady, writeWikisFile } from '@wikicast/test/support';
import { sleep } from '../lib/proc.js';
import { createPublisher } from '../lib/publisher.js';
import { makeEvent, nowMs, readBt } from '../lib/systems.js';

const ROUNDS = 600;
const WARMUP = 100;
const wiki = { ...testWiki('benchwiki'), public: true };
const topology = await setupTopology('bench');
const wikisFile = writeWikisFile([wiki]);
const ingest = await startService('ingest', { WIKICAST_AMQP_PREFIX: topology.prefix, WIKICAST_WIKIS_FILE: wikisFile.path, WIKICAST_INGEST_RATE_PER_WIKI: '0' });
const connection = await amqp.connect(AMQP_URL, { noDelay: true });
let socket: net.Socket | null = null;
try {
  await waitUntilReady(ingest);
  const token = await signToken(wiki, { aud: 'ingest', ttlS: 3000 });
  const viaHttp = await createPublisher({ kind: 'ingest', port: ingest.port, token });
  const channel = await connection.createConfirmChannel();
  socket = net.connect(ingest.port, '127.0.0.1');
  socket.setNoDelay(true);
  await new Promise((resolve) => socket!.once('connect', resolve));
  let answered: (() => void) | null = null;
  let response = '';
  socket.on('data', (chunk: Buffer) => {
    response += chunk.toString('latin1');
    // Every answer here is a small JSON object with a Content-Length; the object's end ends it.
    if (!response.endsWith('}')) return;
    if (!response.startsWith('HTTP/1.1 202')) throw new Error(`ingest answered: ${response.slice(0, 200)}`);
    response = '';
    const resolve = answered;
    answered = null;
    resolve?.();
  });
  const bareSocketPost = (body: string): Promise<void> =>
    new Promise((resolve) => {
      answered = resolve;
      socket!.write(`POST /v1/events HTTP/1.1\r\nHost: ingest\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    });
  const bareConfirm = (body: string): Promise<void> =>
    new Promise((resolve, reject) => channel.publish(topology.names.events, '', Buffer.from(body), { persistent: true }, (err) => (err ? reject(err) : resolve())));
  const paths = ['node:http POST', 'bare socket POST', 'bare confirmed publish'] as const;
  const timings = Object.fromEntries(paths.map((path) => [path, [] as number[]])) as Record<(typeof paths)[number], number[]>;
  const consumed = Object.fromEntries(paths.map((path) => [path, [] as number[]])) as Record<(typeof paths)[number], number[]>;
  let consumedInto: number[] | null = null;
  let onConsumed: (() => void) | null = null;
  const tap = await connection.createChannel();
  await tap.prefetch(100);
  await tap.consume(topology.names.log, (message) => {
    if (message === null) return;
    const bt = readBt(message.content);
    if (bt !== null && consumedInto !== null) consumedInto.push(nowMs() - bt);
    tap.ack(message);
    onConsumed?.();
  }, { arguments: { 'x-stream-offset': 'next' } });
  const time = async (path: keyof typeof timings, work: () => Promise<void>): Promise<void> => {
    const started = nowMs();
    consumedInto = consumed[path];
    const reached = new Promise<void>((resolve) => (onConsumed = resolve));
    await work();
    timings[path].push(nowMs() - started);
    await reached;
    await sleep(2);
  };
  for (let i = 0; i < ROUNDS; i++) {
    const topic = `${wiki.id}:page:${i % 10}`;
    await time('node:http POST', () => viaHttp.publish(topic, [makeEvent(topic, i)]));
    await time('bare socket POST', () => bareSocketPost(JSON.stringify(makeEvent(topic, i))));
    await time('bare confirmed publish', () => bareConfirm(JSON.stringify(makeEvent(topic, i))));
  }
  await viaHttp.close();
  const quantiles = (all: number[]): string => {
    const kept = all.slice(WARMUP).sort((a, b) => a - b);
    const at = (q: number): string => kept[Math.min(kept.length - 1, Math.floor(kept.length * q))]!.toFixed(3);
    return `p50 ${at(0.5)} ms, p90 ${at(0.9)} ms, p99 ${at(0.99)} ms`;
  };
  for (const path of paths) {
    console.log(`${path.padEnd(24)} answered ${quantiles(timings[path])}; on the stream consumer ${quantiles(consumed[path])}`);
  }
  const metrics = await (await fetch(`${ingest.url}/metrics`)).text();
  const read = (name: string): number => Number(new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, 'm').exec(metrics)?.[1]);
  const publishS = read('wikicast_ingest_publish_seconds_sum') / read('wikicast_ingest_publish_seconds_count');
  console.log(`ingest's publish → confirm (its metrics, both POST kinds): mean ${(publishS * 1000).toFixed(3)} ms`);
} finally {
  socket?.destroy();
  await connection.close();
  await ingest.stop();
  await topology.cleanup();
  wikisFile.remove();
}
process.exit(0);
