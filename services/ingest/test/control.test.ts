import { strict as assert } from 'node:assert';
import { after, before, it } from 'node:test';
import type { ConsumeMessage } from 'amqplib';
import { validators } from '@wikicast/protocol/schemas';
import { signToken, waitFor } from '@wikicast/test/support';
import { startHarness, type IngestHarness } from './harness.js';

let h: IngestHarness;
before(async () => {
  h = await startHarness('control');
});
after(async () => {
  await h?.cleanup();
});

it('publishes a revocation on the control exchange, scoped to the token’s wiki', async () => {
  // What an edge does: an exclusive auto-delete queue bound to the control fanout.
  const channel = await h.topology.connection.createChannel();
  const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
  await channel.bindQueue(queue, h.topology.names.control, '');
  const received: ConsumeMessage[] = [];
  await channel.consume(queue, (m) => m && received.push(m), { noAck: true });
  try {
    const r = await h.post({ user: 'Alice', reason: 'blocked' }, { path: '/v1/control/revoke' });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const [id] = r.body.accepted as string[];
    await waitFor('the control message', () => received.length === 1);
    const message = received[0]!;
    const body: unknown = JSON.parse(message.content.toString('utf8'));
    assert.ok(validators.controlMessage.check(body), JSON.stringify(body));
    assert.deepEqual({ ...body, ts: undefined }, { op: 'revoke', id, wiki: h.wiki.id, user: 'Alice', reason: 'blocked', ts: undefined });
    assert.equal(message.properties.type, 'revoke');
    assert.equal(message.properties.messageId, id);
    assert.equal(message.properties.contentType, 'application/json');

    const byCid = await h.post({ cid: 'WS1' }, { path: '/v1/control/revoke', token: await h.token(h.otherWiki) });
    assert.equal(byCid.status, 202);
    await waitFor('the second control message', () => received.length === 2);
    assert.equal((JSON.parse(received[1]!.content.toString('utf8')) as { wiki: string }).wiki, h.otherWiki.id);
  } finally {
    await channel.close();
  }
});

it('refuses revocations without user or cid, or with a bad token', async () => {
  for (const body of [{}, { reason: 'x' }, { user: '' }, { user: 'A', extra: 1 }, []]) {
    const r = await h.post(body, { path: '/v1/control/revoke' });
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.body.code, 'invalid_request');
  }
  const forged = await signToken(h.wiki, { aud: 'ingest', secret: 'z'.repeat(64) });
  const r = await h.post({ user: 'A' }, { path: '/v1/control/revoke', token: forged });
  assert.equal(r.status, 401);
});
