import { strict as assert } from 'node:assert';
import type { Socket } from 'node:net';
import { after, before, it } from 'node:test';
import amqp, { type ChannelModel } from 'amqplib';
import { pino } from 'pino';
import { AMQP_URL } from '@wikicast/test/support';
import { batchAmqpWrites } from '../src/amqp-write-batching.js';

let model: ChannelModel;
before(async () => {
  model = await amqp.connect(AMQP_URL);
});
after(async () => {
  await model?.close();
});

it("writes every frame amqplib's multiplexer has ready in one system call, and RabbitMQ confirms them all", async () => {
  assert.equal(batchAmqpWrites(model, pino({ level: 'silent' })), true, 'the installed amqplib has the members it wraps');
  const socket = (model as unknown as { connection: { stream: Socket & { _writev?: unknown; _write: unknown } } }).connection.stream;
  const calls = { single: 0, batched: 0 };
  const write = socket._write as (...args: unknown[]) => void;
  const writev = socket._writev as (...args: unknown[]) => void;
  socket._write = function counted(this: Socket, ...args: unknown[]) {
    calls.single++;
    return write.apply(this, args);
  };
  socket._writev = function counted(this: Socket, ...args: unknown[]) {
    calls.batched++;
    return writev.apply(this, args);
  };
  const channel = await model.createConfirmChannel();
  const queue = (await channel.assertQueue('', { exclusive: true, autoDelete: true })).queue;
  calls.single = calls.batched = 0;
  // Published in one turn, as many concurrent ingest requests do: one multiplexer pass.
  const confirms = Array.from({ length: 200 }, (_, i) => new Promise<void>((resolve, reject) => {
    channel.sendToQueue(queue, Buffer.from(JSON.stringify({ i })), { persistent: false }, (err) => (err ? reject(err) : resolve()));
  }));
  await Promise.all(confirms);
  assert.ok(calls.batched >= 1, 'the frames went out in a writev');
  assert.ok(calls.single + calls.batched <= 3, `200 messages took ${calls.single} writes and ${calls.batched} writevs`);
  assert.equal((await channel.checkQueue(queue)).messageCount, 200, 'RabbitMQ holds every message, in one piece');
  const got = await channel.get(queue, { noAck: true });
  assert.ok(got !== false);
  assert.deepEqual(JSON.parse(got.content.toString()), { i: 0 }, 'in order');
  await channel.close();
});
