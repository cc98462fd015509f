import { strict as assert } from 'node:assert';
import { after, before, it } from 'node:test';
import { closeConnectionsNamed, waitFor } from '@wikicast/test/support';
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
