import { strict as assert } from 'node:assert';
import { after, before, it } from 'node:test';
import fc from 'fast-check';
import { startHarness, type IngestHarness } from './harness.js';

/** Every answer a body alone can cause; 500 (or a dropped connection) is a bug. */
const ALLOWED = new Set([202, 207, 400, 403, 413]);

let h: IngestHarness;
let token: string;
before(async () => {
  h = await startHarness('fuzz', { WIKICAST_INGEST_BODY_LIMIT_BYTES: '4096', WIKICAST_INGEST_MAX_BATCH: '20' });
  token = await h.token();
});
after(async () => {
  await h?.cleanup();
});

async function postRaw(body: string | Uint8Array): Promise<void> {
  const response = await fetch(`${h.ingest.url}/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body,
  });
  const text = await response.text();
  assert.ok(ALLOWED.has(response.status), `status ${response.status} for ${describe(body)}: ${text.slice(0, 300)}`);
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  const parsed = JSON.parse(text) as Record<string, unknown>;
  if (response.status >= 400) {
    assert.equal(typeof parsed.code, 'string', text);
    assert.equal(typeof parsed.message, 'string', text);
  } else {
    assert.ok(Array.isArray(parsed.accepted), text);
  }
}

function describe(body: string | Uint8Array): string {
  return typeof body === 'string' ? JSON.stringify(body.slice(0, 200)) : `${body.byteLength} bytes`;
}

const anything = fc.anything({ maxDepth: 3, maxKeys: 5, withNullPrototype: false });
const topic = fc.oneof(fc.constantFrom('news', 'fuzzwiki:news', 'fuzzother:news', 'a b', '', ':x', 'x:'), fc.string({ maxLength: 40 }), anything);
const eventLike = fc.record(
  {
    id: fc.oneof(fc.uuid(), fc.string({ maxLength: 40 }), anything),
    wiki: fc.oneof(fc.constantFrom('fuzzwiki', 'fuzzother', 'nowiki'), anything),
    topic,
    type: fc.oneof(fc.string({ maxLength: 140 }), anything),
    msg: anything,
    from: fc.oneof(fc.string({ maxLength: 70 }), anything),
    to: fc.oneof(fc.array(fc.string({ maxLength: 70 }), { maxLength: 3 }), anything),
    audience: fc.oneof(fc.record({ users: fc.array(fc.string(), { maxLength: 2 }), groups: fc.array(fc.string(), { maxLength: 2 }) }, { requiredKeys: [] }), anything),
    ts: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.string({ maxLength: 30 }), anything),
    extra: anything,
  },
  { requiredKeys: [] },
);
const jsonBody = fc.oneof(
  { weight: 4, arbitrary: eventLike.map((e) => JSON.stringify(e)) },
  { weight: 3, arbitrary: fc.array(eventLike, { maxLength: 25 }).map((a) => JSON.stringify(a)) },
  { weight: 2, arbitrary: fc.json({ maxDepth: 4 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 5000, unit: 'binary' }) },
  { weight: 1, arbitrary: eventLike.map((e) => JSON.stringify(e)).chain((s) => fc.nat(s.length).map((n) => s.slice(0, n))) },
);

it('answers thousands of generated bodies with JSON, never a 500 or a dropped connection', { timeout: 120_000 }, async () => {
  await fc.assert(fc.asyncProperty(jsonBody, postRaw), { numRuns: 2_500 });
  await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 6000 }), postRaw), { numRuns: 500 });
  const health = await fetch(`${h.ingest.url}/readyz`);
  assert.equal(health.status, 200, 'ingest is still up');
});
