import { strict as assert } from 'node:assert';
import { EventEmitter } from 'node:events';
import { after, before, it } from 'node:test';
import { pino } from 'pino';
import type { ConfirmChannel } from 'amqplib';
import { setupTopology, type TestTopology } from '@wikicast/test/support';
import { ConfirmPublisher, type OutgoingMessage } from '../src/confirm-publisher.js';
import { PublishError } from '../src/publish-error.js';

let topology: TestTopology;
let blocked = false;
before(async () => {
  topology = await setupTopology('publisher');
});
after(async () => {
  await topology?.cleanup();
});

const messages = (n: number): OutgoingMessage[] =>
  Array.from({ length: n }, (_, i) => ({ id: `id-${i}`, type: 't', body: Buffer.from(JSON.stringify({ i })) }));

async function publisherOn(window: number): Promise<{ publisher: ConfirmPublisher; channel: ConfirmChannel }> {
  const channel = await topology.connection.createConfirmChannel();
  channel.on('error', () => undefined); // the channel-error case below closes it on purpose
  const publisher = new ConfirmPublisher({ appId: 'wikicast-test', window, timeoutMs: 5_000, isBlocked: () => blocked, logger: pino({ level: 'silent' }) });
  publisher.attach(channel);
  return { publisher, channel };
}

it('pipelines a batch and resolves once RabbitMQ confirmed every message', async () => {
  const { publisher, channel } = await publisherOn(100);
  const outcome = await publisher.publish(topology.names.events, messages(100));
  assert.equal(outcome.confirmed.length, 100);
  assert.deepEqual(outcome.unconfirmed, []);
  assert.equal(publisher.unconfirmed, 0);
  await channel.close();
});

it('refuses at once, publishing nothing, when the window lacks room, RabbitMQ blocks, or there is no channel', async () => {
  const { publisher, channel } = await publisherOn(10);
  assert.throws(() => publisher.publish(topology.names.events, messages(11)), (err: unknown) => err instanceof PublishError && err.reason === 'window_full');
  blocked = true;
  assert.throws(() => publisher.publish(topology.names.events, messages(1)), (err: unknown) => err instanceof PublishError && err.reason === 'blocked');
  blocked = false;
  await channel.close();
  assert.equal(publisher.open, false);
  assert.throws(() => publisher.publish(topology.names.events, messages(1)), (err: unknown) => err instanceof PublishError && err.reason === 'down');
  assert.equal(publisher.unconfirmed, 0);
});

it('reports messages lost with their channel as unconfirmed and frees their window slots', async () => {
  const { publisher } = await publisherOn(100);
  // Publishing to a missing exchange makes RabbitMQ close the channel before confirming.
  const outcome = await publisher.publish(`${topology.prefix}.missing`, messages(5));
  assert.deepEqual(outcome.confirmed, []);
  assert.deepEqual(new Set(outcome.unconfirmed.map((u) => u.reason)), new Set(['channel_closed']));
  assert.equal(publisher.unconfirmed, 0);
});

/**
 * A fake channel, because RabbitMQ offers no way to hold a confirm back on demand (short of a
 * broker-wide alarm, which would disturb everyone sharing the broker): it keeps the callbacks
 * and answers when the test says so.
 */
class SilentChannel extends EventEmitter {
  readonly callbacks: Array<(err: Error | null) => void> = [];
  publish(_exchange: string, _key: string, _content: Buffer, _options: unknown, callback: (err: Error | null) => void): boolean {
    this.callbacks.push(callback);
    return true;
  }
}

it('answers at the timeout with what is unconfirmed, but holds the window until RabbitMQ answers', async () => {
  const publisher = new ConfirmPublisher({ appId: 'wikicast-test', window: 4, timeoutMs: 100, isBlocked: () => false, logger: pino({ level: 'silent' }) });
  const channel = new SilentChannel();
  publisher.attach(channel as unknown as ConfirmChannel);
  const started = performance.now();
  const pending = publisher.publish('x', messages(3));
  channel.callbacks[0]!(null);
  const outcome = await pending;
  assert.ok(performance.now() - started < 1_000);
  assert.deepEqual(outcome.confirmed, ['id-0']);
  assert.deepEqual(outcome.unconfirmed.map((u) => [u.position, u.reason]), [[1, 'timeout'], [2, 'timeout']]);
  assert.equal(publisher.unconfirmed, 2, 'slots stay taken: the messages may still be stored');
  assert.throws(() => publisher.publish('x', messages(3)), (err: unknown) => err instanceof PublishError && err.reason === 'window_full');
  channel.callbacks[1]!(null);
  channel.callbacks[2]!(new Error('message nacked'));
  assert.equal(publisher.unconfirmed, 0);
});

it('reports the rest of a batch as unconfirmed when the channel starts refusing mid-batch', async () => {
  const publisher = new ConfirmPublisher({ appId: 'wikicast-test', window: 10, timeoutMs: 1_000, isBlocked: () => false, logger: pino({ level: 'silent' }) });
  const channel = new SilentChannel();
  // Like amqplib on a channel that is closing: publish throws instead of taking the message.
  const publish = channel.publish.bind(channel);
  channel.publish = (...args: Parameters<SilentChannel['publish']>): boolean => {
    if (channel.callbacks.length === 2) throw new Error('Channel closing');
    return publish(...args);
  };
  publisher.attach(channel as unknown as ConfirmChannel);
  const pending = publisher.publish('x', messages(5));
  for (const callback of channel.callbacks) callback(null);
  const outcome = await pending;
  assert.deepEqual(outcome.confirmed, ['id-0', 'id-1']);
  assert.deepEqual(outcome.unconfirmed.map((u) => [u.position, u.reason]), [[2, 'channel_closed'], [3, 'channel_closed'], [4, 'channel_closed']]);
  assert.equal(publisher.unconfirmed, 0);
});
