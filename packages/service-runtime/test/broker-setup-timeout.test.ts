import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import pino from 'pino';
import type { ChannelModel } from 'amqplib';
import { AMQP_URL } from '@wikicast/test/support';
import { Broker } from '../src/index.js';

/** Pino lines, parsed, for asserting what was logged. */
function recordingLogger(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'warn' }, sink), lines };
}

/** On the real RabbitMQ: a setup RabbitMQ never answers must not hold the broker down for good. */
describe('Broker setup timeout', () => {
  it('gives up on a setup that does not finish, closes that connection and comes up on the next attempt', { timeout: 10_000 }, async () => {
    const { logger, lines } = recordingLogger();
    const models: ChannelModel[] = [];
    let firstClosed: Promise<unknown> | null = null;
    const broker = new Broker({
      urls: [AMQP_URL],
      connectionName: 'broker-setup-timeout-test',
      logger,
      setupTimeoutMs: 300,
      // The first setup waits forever, as one did on a node that never answered its consume.
      setup: (model) => {
        models.push(model);
        firstClosed ??= once(model, 'close');
        return models.length === 1 ? new Promise<void>(() => {}) : Promise.resolve();
      },
    });
    try {
      const up = once(broker, 'up');
      const started = Date.now();
      await broker.start();
      await up;
      assert.equal(models.length, 2, 'a second connection was set up');
      assert.ok(Date.now() - started >= 300, 'not before the timeout');
      const failure = lines.find((line) => line.msg === 'broker connection attempt failed');
      assert.match(String((failure?.err as { message?: string } | undefined)?.message), /setup did not finish within 300 ms/);
      assert.notEqual(broker.model, models[0], 'the stuck connection is not the one in use');
      await firstClosed;
    } finally {
      await broker.close();
    }
  });
});
