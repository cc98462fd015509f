import { strict as assert } from 'node:assert';
import { after, before, it } from 'node:test';
import { closeConnectionsNamed, startService, waitFor } from '@wikicast/test/support';
import { startHarness, type IngestHarness } from './harness.js';

let h: IngestHarness;
before(async () => {
  h = await startHarness('ready');
});
after(async () => {
  await h?.cleanup();
});

const ready = async (): Promise<number> => (await fetch(`${h.ingest.url}/readyz`)).status;

it('turns unready when RabbitMQ closes its connection, and ready again once it reconnected', async () => {
  assert.equal(await ready(), 200);
  // Recovery waits ≥ 80 ms before reconnecting, so polling /readyz back to back sees the gap.
  const seen: number[] = [];
  let polling = true;
  const poller = (async () => {
    while (polling) seen.push(await ready());
  })();
  const logsBefore = h.ingest.logs.length;
  const closed = await closeConnectionsNamed(h.connectionName);
  assert.equal(closed, 1, 'exactly ingest’s connection was closed');
  await waitFor('/readyz to answer 503', () => seen.includes(503));
  await waitFor('ingest to reconnect', () => h.ingest.logs.slice(logsBefore).some((l) => l.msg === 'broker connected'));
  await waitFor('/readyz to answer 200 again', () => seen.at(-1) === 200);
  polling = false;
  await poller;
  const reason = (await (await fetch(`${h.ingest.url}/readyz`)).json()) as { status: string };
  assert.equal(reason.status, 'ready');
  const r = await h.post({ topic: 'x', type: 'after-reconnect' });
  assert.equal(r.status, 202, JSON.stringify(r.body));
});

it('stays unready, saying why, while the stream exists with other retention than configured', async () => {
  const other = await startService('ingest', {
    WIKICAST_AMQP_PREFIX: h.topology.prefix,
    WIKICAST_WIKIS_FILE: h.wikisFile.path,
    INGEST_ID: 'retention',
    WIKICAST_STREAM_MAX_AGE: '2h',
  });
  try {
    let reason = '';
    await waitFor('/readyz to explain the refused declaration', async () => {
      const response = await fetch(`${other.url}/readyz`);
      reason = ((await response.json()) as { reason?: string }).reason ?? '';
      return response.status === 503 && reason.includes('WIKICAST_STREAM_MAX_AGE');
    });
    assert.match(reason, /policy/);
    const r = await fetch(`${other.url}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await h.token()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ topic: 'x', type: 't' }),
    });
    assert.equal(r.status, 503);
  } finally {
    await other.stop();
  }
});
