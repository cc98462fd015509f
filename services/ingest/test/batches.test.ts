import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { idCounts, startHarness, type IngestHarness } from './harness.js';

describe('batches', () => {
  let h: IngestHarness;
  before(async () => {
    h = await startHarness('batch', { WIKICAST_INGEST_MAX_BATCH: '50', WIKICAST_INGEST_BODY_LIMIT_BYTES: '65536' });
  });
  after(async () => {
    await h?.cleanup();
  });

  it('accepts a whole batch with one 202, ids in request order, each event once in the stream', async () => {
    const events = Array.from({ length: 50 }, (_, i) => ({ topic: 'batch', type: 'whole', msg: { i } }));
    const r = await h.post(events);
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const accepted = r.body.accepted as string[];
    assert.equal(accepted.length, 50);
    const log = await h.topology.readLog({ expect: 50 });
    const byId = new Map(log.map((e) => [e.event.id, e.event]));
    accepted.forEach((id, i) => assert.deepEqual((byId.get(id)?.msg as { i: number }).i, i));
    assert.ok([...idCounts(log).values()].every((n) => n === 1));
  });

  it('reports a partial batch with 207: valid events published, invalid ones listed with index, field and reason, and not published', async () => {
    const before = (await h.topology.readLog()).length;
    const r = await h.post([
      { topic: 'batch', type: 'partial-ok', msg: 1 },
      { topic: 'batch', msg: 'no type' },
      { topic: `${h.otherWiki.id}:news`, type: 'partial-foreign' },
      { topic: 'batch', type: 'partial-bad-to', to: [] },
      { topic: 'batch', type: 'partial-ok', msg: 2 },
    ]);
    assert.equal(r.status, 207, JSON.stringify(r.body));
    assert.equal((r.body.accepted as string[]).length, 2);
    const invalid = r.body.invalid as Array<{ index: number; code: string; field: string; message: string }>;
    assert.deepEqual(
      invalid.map(({ index, code, field }) => ({ index, code, field })),
      [
        { index: 1, code: 'invalid_event', field: 'type' },
        { index: 2, code: 'foreign_topic', field: 'topic' },
        { index: 3, code: 'invalid_event', field: 'to' },
      ],
    );
    for (const refusal of invalid) assert.ok(refusal.message.length > 0);
    const log = (await h.topology.readLog({ expect: before + 2 })).slice(before);
    assert.deepEqual(log.map((e) => e.event.type), ['partial-ok', 'partial-ok'], 'only the valid events were published');
    assert.deepEqual(log.map((e) => e.event.id), r.body.accepted);
  });

  it('answers a batch with nothing valid 400, or 403 when every refusal is about permission, and publishes nothing', async () => {
    const before = (await h.topology.readLog()).length;
    const bad = await h.post([{ topic: 'batch' }, { type: 't' }]);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'invalid_event');
    assert.match(String(bad.body.message), /^event 0: "type"/);
    assert.deepEqual(bad.body.accepted, []);
    assert.equal((bad.body.invalid as unknown[]).length, 2);
    const foreign = await h.post([{ topic: `${h.otherWiki.id}:x`, type: 't' }, { wiki: h.otherWiki.id, topic: 'x', type: 't' }]);
    assert.equal(foreign.status, 403);
    const empty = await h.post([]);
    assert.equal(empty.status, 400);
    assert.equal(empty.body.code, 'invalid_event');
    assert.equal((await h.topology.readLog()).length, before);
  });

  it('refuses too many events or too large a body with 413, publishing nothing', async () => {
    const before = (await h.topology.readLog()).length;
    const many = await h.post(Array.from({ length: 51 }, () => ({ topic: 'batch', type: 'too-many' })));
    assert.equal(many.status, 413);
    assert.equal(many.body.code, 'payload_too_large');
    assert.match(String(many.body.message), /51 events/);
    const big = await h.post({ topic: 'batch', type: 'too-big', msg: 'x'.repeat(70_000) });
    assert.equal(big.status, 413);
    assert.equal(big.body.code, 'payload_too_large');
    // Without Content-Length (chunked), the limit is enforced while reading.
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(`{"topic":"batch","type":"chunked","msg":"${'y'.repeat(70_000)}"}`));
        controller.close();
      },
    });
    const response = await fetch(`${h.ingest.url}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await h.token()}`, 'content-type': 'application/json' },
      body: chunks,
      duplex: 'half',
    } as RequestInit);
    assert.equal(response.status, 413);
    assert.equal(((await response.json()) as { code: string }).code, 'payload_too_large');
    assert.equal((await h.topology.readLog()).length, before);
  });
});
