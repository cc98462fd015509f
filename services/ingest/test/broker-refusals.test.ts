import { strict as assert } from 'node:assert';
import { after, before, it } from 'node:test';
import { waitFor } from '@wikicast/test/support';
import { idCounts, startHarness, type IngestHarness, type Reply } from './harness.js';

const WINDOW = 10;

let h: IngestHarness;
before(async () => {
  h = await startHarness('refuse', { WIKICAST_INGEST_UNCONFIRMED_WINDOW: String(WINDOW), WIKICAST_INGEST_MAX_BATCH: String(WINDOW) });
});
after(async () => {
  await h?.cleanup();
});

it('answers 503 window_full at once when the unconfirmed window is taken, and every 202 is stored', async () => {
  const replies: Reply[] = [];
  for (let burst = 0; burst < 20 && !replies.some((r) => r.body.reason === 'window_full'); burst++) {
    const batch = Array.from({ length: WINDOW }, (_, i) => ({ topic: 'window', type: 'burst', msg: { burst, i } }));
    replies.push(...(await Promise.all(Array.from({ length: 8 }, () => h.post(batch)))));
  }
  const full = replies.find((r) => r.body.reason === 'window_full');
  assert.ok(full, 'some request found the window full');
  assert.equal(full.status, 503);
  assert.equal(full.body.code, 'unavailable');
  assert.ok(Number(full.headers.get('retry-after')) >= 1);
  assert.deepEqual(full.body.accepted, []);
  assert.ok(replies.every((r) => r.status === 202 || r.body.reason === 'window_full'), 'nothing but 202 and window_full');
  const accepted = replies.flatMap((r) => (r.status === 202 ? (r.body.accepted as string[]) : []));
  const counts = idCounts(await h.topology.readLog({ expect: accepted.length }));
  assert.deepEqual(accepted.filter((id) => counts.get(id) !== 1), []);
  assert.equal(counts.size, accepted.length, 'a refused batch published nothing');
});

it('answers 503 with the unconfirmed ids when RabbitMQ nacks, and recovers once it takes messages again', async () => {
  // An operator's queue bound to the events exchange that refuses every message makes RabbitMQ
  // nack publishes to the fanout: the broker's "not stored" answer, seen over the real protocol.
  const channel = await h.topology.connection.createChannel();
  const queue = `${h.topology.prefix}.full`;
  await channel.assertQueue(queue, { exclusive: true, arguments: { 'x-max-length': 0, 'x-overflow': 'reject-publish' } });
  await channel.bindQueue(queue, h.topology.names.events, '');
  try {
    const id = '01900000-0000-7000-8000-0000000000aa';
    const r = await h.post([{ id, topic: 'nack', type: 'refused' }, { topic: 'nack' }]);
    assert.equal(r.status, 503, JSON.stringify(r.body));
    assert.equal(r.body.code, 'unavailable');
    assert.equal(r.body.reason, 'nacked');
    assert.deepEqual(r.body.accepted, []);
    assert.deepEqual(r.body.unconfirmed, [{ index: 0, id, reason: 'nacked' }]);
    assert.deepEqual((r.body.invalid as Array<{ index: number }>).map((i) => i.index), [1], 'invalid events are still reported');
  } finally {
    await channel.deleteQueue(queue);
    await channel.close();
  }
  const again = await h.post({ topic: 'nack', type: 'accepted-again' });
  assert.equal(again.status, 202, JSON.stringify(again.body));
});

it('re-creates its channel and topology when RabbitMQ closes the channel on a live connection', async () => {
  // Deleting the exchange under ingest makes the next publish a channel error (404): the channel
  // closes while the connection lives, and ingest recycles the connection to set everything up again.
  const channel = await h.topology.connection.createChannel();
  await channel.deleteExchange(h.topology.names.events);
  await channel.close();
  const lost = await h.post({ topic: 'gone', type: 'lost' });
  assert.equal(lost.status, 503, JSON.stringify(lost.body));
  assert.equal(lost.body.code, 'unavailable');
  await waitFor('posting to succeed again', async () => (await h.post({ topic: 'gone', type: 'back' })).status === 202, { timeoutMs: 15_000, intervalMs: 50 });
  assert.ok(h.ingest.logs.some((l) => l.msg === 'recycling broker connection'));
});
