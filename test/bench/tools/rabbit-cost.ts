/**
 * RabbitMQ's own CPU per event on this machine's node, step by step: confirmed persistent
 * publishes at a fixed rate into a fanout exchange → stream, then with stream consumers added
 * (acked in bulk), so the broker's share of the whole path is measured rather than assumed.
 *   node --conditions=wikicast-source --import tsx test/bench/tools/rabbit-cost.ts [rate] [batch]
 */
import amqp from 'amqplib';
import { AMQP_URL, setupTopology } from '@wikicast/test/support';
import { rabbitPid, sleep, totalCpuSeconds } from '../lib/proc.js';

const rate = Number(process.argv[2] ?? 1000);
const batch = Number(process.argv[3] ?? 1);
const topology = await setupTopology('rabbit-cost');
const rabbit = (await rabbitPid())!;
const connection = await amqp.connect(AMQP_URL, { noDelay: true });
const channel = await connection.createConfirmChannel();
const body = Buffer.from(JSON.stringify({ id: '0190', wiki: 'w', topic: 'w:page:1', type: 'edit', msg: { title: 'x'.repeat(40), comment: 'copyedit', revision: { old: 1, new: 2 } }, ts: new Date().toISOString() }).padEnd(Number(process.env.BODY ?? 300)));
const consumers: amqp.ChannelModel[] = [];

async function phase(label: string): Promise<void> {
  const before = totalCpuSeconds([rabbit]);
  const started = Date.now();
  let sent = 0;
  while (Date.now() - started < 8_000) {
    const due = Math.floor(((Date.now() - started) / 1000) * rate);
    const pending: Promise<void>[] = [];
    while (sent < due) {
      for (let i = 0; i < batch; i++) {
        pending.push(new Promise((resolve, reject) => channel.publish(topology.names.events, '', body, { persistent: true, messageId: String(sent), ...(process.env.PROPS ? { contentType: 'application/json', appId: 'wikicast-ingest', type: 'edit', timestamp: Math.floor(Date.now() / 1000) } : {}) }, (err) => (err ? reject(err) : resolve()))));
      }
      sent += batch;
    }
    await Promise.all(pending);
    await sleep(1);
  }
  const seconds = (Date.now() - started) / 1000;
  const cpu = totalCpuSeconds([rabbit]) - before;
  console.log(`${label}: ${Math.round(sent / seconds)} msg/s, RabbitMQ ${((cpu / seconds) * 100).toFixed(1)} % of a core, ${((cpu / sent) * 1e6).toFixed(0)} µs per message`);
}

async function addConsumer(): Promise<void> {
  const model = await amqp.connect(AMQP_URL, { noDelay: true });
  consumers.push(model);
  const ch = await model.createChannel();
  await ch.prefetch(1000);
  let count = 0;
  await ch.consume(topology.names.log, (m) => {
    if (m !== null && ++count % 250 === 0) ch.ack(m, true);
  }, { arguments: { 'x-stream-offset': 'next' } });
}

try {
  await phase('publish only');
  await addConsumer();
  await phase('+1 stream consumer');
  await addConsumer();
  await phase('+2 stream consumers');
} finally {
  for (const c of consumers) await c.close();
  await connection.close();
  await topology.cleanup();
}
process.exit(0);
