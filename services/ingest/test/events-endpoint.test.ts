import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { signToken } from '@wikicast/test/support';
import { idCounts, startHarness, type IngestHarness } from './harness.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('POST /v1/events on the real RabbitMQ', () => {
  let h: IngestHarness;
  before(async () => {
    h = await startHarness('http');
  });
  after(async () => {
    await h?.cleanup();
  });

  it('answers 202 after the confirm, and the event is in the stream exactly once, resolved', async () => {
    const r = await h.post({ topic: 'FooDataChanged', type: 'FooDataChanged', msg: { n: 1 } });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const [id] = r.body.accepted as string[];
    assert.match(id!, UUID_V7);
    const log = await h.topology.readLog({ expect: 1 });
    assert.deepEqual([...idCounts(log)], [[id, 1]]);
    const event = log[0]!.event;
    assert.equal(event.wiki, h.wiki.id);
    assert.equal(event.topic, `${h.wiki.id}:FooDataChanged`, 'a bare name is scoped to the token’s wiki');
    assert.deepEqual(event.msg, { n: 1 });
    assert.ok(!Number.isNaN(Date.parse(String(event.ts))));
  });

  it('keeps a producer’s id and ts', async () => {
    const id = '01900000-0000-7000-8000-000000000001';
    const r = await h.post({ id, wiki: h.wiki.id, topic: `${h.wiki.id}:recentchange`, type: 'edit', ts: '2026-11-22T10:00:00.000Z' });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    assert.deepEqual(r.body.accepted, [id]);
    const log = await h.topology.readLog({ expect: 2 });
    assert.equal(log.find((e) => e.event.id === id)?.event.ts, '2026-11-22T10:00:00.000Z');
  });

  it('refuses bad tokens with 401 and publishes nothing', async () => {
    const before = (await h.topology.readLog()).length;
    const forged = await signToken(h.wiki, { aud: 'ingest', secret: 'x'.repeat(64) });
    const edgeToken = await signToken(h.wiki, {});
    const expired = await signToken(h.wiki, { aud: 'ingest', ttlS: -60 });
    const longLived = await signToken(h.wiki, { aud: 'ingest', ttlS: 2 * 86_400 });
    for (const token of [forged, edgeToken, expired, longLived, 'not-a-jwt']) {
      const r = await h.post({ topic: 'x', type: 't' }, { token });
      assert.equal(r.status, 401, JSON.stringify(r.body));
      assert.equal(r.body.code, 'unauthorized');
    }
    const response = await fetch(`${h.ingest.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(response.status, 401);
    assert.equal((await h.topology.readLog()).length, before);
  });

  it('answers malformed events with 400 naming the field, and publishes none of them', async () => {
    const before = (await h.topology.readLog()).length;
    const cases: Array<[unknown, RegExp]> = [
      [{ topic: 'x' }, /"type"/],
      [{ topic: 'x', type: 't', to: 'WS1' }, /"to"/],
      [{ topic: 'x', type: 't', ts: 'yesterday' }, /"ts"/],
      [{ topic: 'x', type: 't', audience: { users: [3] } }, /"audience\.users\.0"/],
      [{ topic: 'has space', type: 't' }, /"topic"/],
      [{ topic: 'x', type: 't', extra: 1 }, /extra|additional/i],
      ['{"topic":', /JSON/],
      ['', /JSON/],
      [42, /document/],
    ];
    for (const [body, field] of cases) {
      const r = await h.post(body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.ok(r.body.code === 'invalid_event' || r.body.code === 'bad_json' || r.body.code === 'invalid_topic', String(r.body.code));
      assert.match(String(r.body.message), field, JSON.stringify(body));
    }
    const marker = await h.post({ topic: 'x', type: 'marker' });
    assert.equal(marker.status, 202);
    const log = await h.topology.readLog({ expect: before + 1 });
    assert.equal(log.length, before + 1, 'only the marker was published');
    assert.equal(log.at(-1)!.event.type, 'marker');
  });

  it('refuses a body that is not valid UTF-8 with 400 bad_json instead of storing U+FFFD', async () => {
    const before = (await h.topology.readLog()).length;
    const prefix = Buffer.from('{"topic":"x","type":"t","msg":{"s":"');
    const suffix = Buffer.from('"}}');
    // A lone continuation byte, a truncated 2-byte sequence, an overlong '/', a UTF-16 surrogate.
    for (const bad of [[0x80], [0xc3], [0xc0, 0xaf], [0xed, 0xa0, 0x80]]) {
      const r = await h.post(Buffer.concat([prefix, Buffer.from(bad), suffix]));
      assert.equal(r.status, 400, JSON.stringify(bad));
      assert.equal(r.body.code, 'bad_json');
      assert.match(String(r.body.message), /UTF-8/);
    }
    const valid = await h.post(Buffer.concat([prefix, Buffer.from('é ✓ 𝄞'), suffix]));
    assert.equal(valid.status, 202, JSON.stringify(valid.body));
    const log = await h.topology.readLog({ expect: before + 1 });
    assert.equal(log.length, before + 1, 'only the valid body was published');
    assert.deepEqual(log.at(-1)!.event.msg, { s: 'é ✓ 𝄞' });
  });

  it('refuses another wiki’s topic or wiki with 403', async () => {
    const foreign = await h.post({ topic: `${h.otherWiki.id}:news`, type: 't' });
    assert.equal(foreign.status, 403);
    assert.equal(foreign.body.code, 'foreign_topic');
    const wrongWiki = await h.post({ wiki: h.otherWiki.id, topic: 'news', type: 't' });
    assert.equal(wrongWiki.status, 403);
    assert.equal(wrongWiki.body.code, 'forbidden');
    assert.match(String(wrongWiki.body.message), /"wiki"/);
  });

  it('answers other routes, methods and media types with JSON errors', async () => {
    const notFound = await fetch(`${h.ingest.url}/v1/nothing`);
    assert.equal(notFound.status, 404);
    assert.equal(((await notFound.json()) as { code: string }).code, 'not_found');
    const wrongMethod = await fetch(`${h.ingest.url}/v1/events`);
    assert.equal(wrongMethod.status, 405);
    assert.equal(((await wrongMethod.json()) as { code: string }).code, 'method_not_allowed');
    const text = await h.post('{"topic":"x","type":"t"}', { contentType: 'text/plain' });
    assert.equal(text.status, 415);
    assert.equal(text.body.code, 'unsupported_media_type');
    const charset = await h.post({ topic: 'x', type: 'charset' }, { contentType: 'application/json; charset=utf-8' });
    assert.equal(charset.status, 202);
  });

  it('serves /healthz, /readyz and the SPEC metrics', async () => {
    assert.equal((await fetch(`${h.ingest.url}/healthz`)).status, 200);
    assert.equal((await fetch(`${h.ingest.url}/readyz`)).status, 200);
    const metrics = await (await fetch(`${h.ingest.url}/metrics`)).text();
    assert.match(metrics, new RegExp(`wikicast_ingest_events_total\\{wiki="${h.wiki.id}",result="accepted"`));
    assert.match(metrics, /wikicast_ingest_publish_seconds_bucket/);
    assert.match(metrics, /wikicast_ingest_inflight/);
  });
});
