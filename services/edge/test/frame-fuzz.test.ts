import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { ErrorCodes } from '@wikicast/protocol';
import { UWS_PAYLOAD_FACTOR } from '../src/transport/payload-limit.js';
import { signToken, testWiki, type TestClient } from '@wikicast/test/support';
import { metricValue, setupEdgeWorld, subscribe, wikiEvent, type EdgeWorld } from './harness.js';

const MAX_PAYLOAD_BYTES = 4096;
const FRAMES_PER_CONNECTION = 1200;
const CONNECTIONS = 3;
/** Answers the edge may give to a client frame; `event` and `reset` may come in between. */
const ANSWERS = new Set(['subscribed', 'unsubscribed', 'ack', 'error']);

/** One generated frame and what the edge must do with it. */
interface Fuzzed {
  data: string | Buffer;
  binary: boolean;
  /**
   * Over the payload limit: the edge answers `payload_too_large` and closes with 1009. `huge`:
   * past uWS's own cut-off (UWS_PAYLOAD_FACTOR × the limit), which ends the connection at once.
   */
  oversized: false | 'limit' | 'huge';
}

/** A subscribe frame `extra` bytes over the limit, built when sent so a failure report stays short. */
function oversized(extra: number): string {
  return JSON.stringify({ op: 'subscribe', topics: ['x'.repeat(MAX_PAYLOAD_BYTES + extra)] });
}

const text = (value: unknown): Fuzzed => ({ data: typeof value === 'string' ? value : JSON.stringify(value), binary: false, oversized: false });
const ref = fc.option(fc.oneof(fc.string({ maxLength: 200 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null)), { nil: undefined });
const topic = fc.oneof(
  fc.constantFrom('fuzzwiki:news', 'news', 'otherwiki:news', 'fuzzwiki:page:42', 'a b', '', ':x', 'fuzzwiki:'),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
);
const topics = fc.oneof(fc.array(topic, { maxLength: 5 }), fc.array(fc.constant('fuzzwiki:t'), { minLength: 99, maxLength: 102 }), fc.anything());
const op = fc.oneof(fc.constantFrom('subscribe', 'unsubscribe', 'send', 'auth'), fc.string({ maxLength: 12 }), fc.anything());

/** Frames of every shape: well-formed, wrong shapes, random JSON, not JSON, binary, oversized. */
const frame: fc.Arbitrary<Fuzzed> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constantFrom('subscribe', 'unsubscribe'), topics, ref, since: fc.option(fc.string({ maxLength: 70 }), { nil: undefined }) }, { requiredKeys: ['op'] }).map(text) },
  {
    weight: 2,
    arbitrary: fc
      .record({ op: fc.constant('send'), topic, type: fc.oneof(fc.constantFrom('fuzz', 'fuzzType'), fc.string({ maxLength: 140 })), msg: fc.jsonValue({ maxDepth: 3 }), to: fc.anything(), ref }, { requiredKeys: ['op'] })
      .map(text),
  },
  { weight: 1, arbitrary: fc.record({ type: fc.string({ maxLength: 20 }), msg: fc.anything(), to: fc.anything(), from: fc.anything() }, { requiredKeys: [] }).map(text) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('auth'), token: fc.oneof(fc.string({ maxLength: 100 }), fc.anything()), ref }, { requiredKeys: ['op'] }).map(text) },
  { weight: 2, arbitrary: fc.record({ op, ref, topics: fc.anything(), token: fc.anything() }, { requiredKeys: [] }).map(text) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map(text) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 300 }).map(text) },
  // Binary frames: invalid UTF-8 (0xff never occurs in UTF-8), and JSON in a binary frame.
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((bytes): Fuzzed => ({ data: Buffer.concat([Buffer.from([0xff]), bytes]), binary: true, oversized: false })) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }).map((value): Fuzzed => ({ data: Buffer.from(JSON.stringify(value) ?? 'null'), binary: true, oversized: false })) },
  {
    weight: 1,
    arbitrary: fc
      .record({ extra: fc.integer({ min: 1, max: (UWS_PAYLOAD_FACTOR - 1) * MAX_PAYLOAD_BYTES - 100 }), binary: fc.boolean() })
      .map(({ extra, binary }): Fuzzed => ({ data: String(extra), binary, oversized: 'limit' })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ extra: fc.integer({ min: UWS_PAYLOAD_FACTOR * MAX_PAYLOAD_BYTES, max: 10 * MAX_PAYLOAD_BYTES }), binary: fc.boolean() })
      .map(({ extra, binary }): Fuzzed => ({ data: String(extra), binary, oversized: 'huge' })),
  },
);

describe('the edge under fuzzed client frames', () => {
  const wiki = testWiki('fuzzwiki');
  const other = testWiki('otherwiki');
  let world: EdgeWorld;

  before(async () => {
    world = await setupEdgeWorld('edge-fuzz', [wiki, other], 1, {
      WIKICAST_EDGE_MAX_PAYLOAD_BYTES: String(MAX_PAYLOAD_BYTES),
      // The fuzzer sends as fast as the edge answers; the send rate limit is not what it tests.
      WIKICAST_EDGE_SEND_RATE: '100000',
      WIKICAST_EDGE_SEND_BURST: '100000',
    });
  });
  after(async () => {
    await world?.cleanup();
  });

  /** A connection that is reopened after the edge closed it (1009), with the same token. */
  class FuzzConnection {
    client: TestClient | null = null;
    answered = 0;
    closes = 0;

    constructor(private readonly token: string) {}

    async send(fuzzed: Fuzzed): Promise<void> {
      if (this.client === null || this.client.closeCode !== null) {
        this.client = await world.connect({ token: this.token });
        await this.client.next((f) => f.op === 'welcome', 'welcome');
      }
      const client = this.client;
      const seen = client.frames.length;
      const data = fuzzed.oversized !== false ? oversized(Number(fuzzed.data)) : fuzzed.data;
      client.socket.send(fuzzed.binary && typeof data === 'string' ? Buffer.from(data) : data, { binary: fuzzed.binary });
      if (fuzzed.oversized === 'limit') {
        assert.equal(await client.closed(5_000), 1009, 'a frame over the limit closes with 1009');
        assert.equal(client.frames.at(-1)?.code, 'payload_too_large');
        this.closes++;
        return;
      }
      if (fuzzed.oversized === 'huge') {
        assert.ok([1006, 1009].includes(await client.closed(5_000)), 'a huge frame ends the connection');
        this.closes++;
        return;
      }
      const answer = await client.next((f) => client.frames.indexOf(f) >= seen && ANSWERS.has(String(f.op)), `an answer to ${show(fuzzed)}`, 8_000);
      assert.equal(client.closeCode, null, `no close after ${show(fuzzed)}`);
      if (answer.op === 'error') {
        assert.ok(Object.hasOwn(ErrorCodes, String(answer.code)), `undocumented error code ${String(answer.code)}`);
        assert.equal(typeof answer.message, 'string');
      }
      this.answered++;
    }
  }

  it('answers every frame with a documented error or a valid answer, closes oversized ones with 1009, and keeps serving', async () => {
    const tokens = await Promise.all([
      signToken(wiki, { sub: 'Fuzzer', groups: ['user'] }),
      signToken(wiki, { sub: 'Sender', send: ['fuzz*'], cid: 'WSfuzzsender' }),
      signToken(wiki, {}),
    ]);
    const connections = tokens.slice(0, CONNECTIONS).map((token) => new FuzzConnection(token));
    await Promise.all(
      connections.map((connection, i) =>
        fc.assert(
          fc.asyncProperty(frame, (fuzzed) => connection.send(fuzzed)),
          { numRuns: FRAMES_PER_CONNECTION, seed: Date.now() + i, endOnFailure: true },
        ),
      ),
    );
    const answered = connections.reduce((sum, c) => sum + c.answered, 0);
    assert.ok(answered > CONNECTIONS * FRAMES_PER_CONNECTION * 0.8, `${answered} frames answered`);
    assert.ok(connections.some((c) => c.closes > 0), 'some frames were oversized');

    const edge = world.edges[0]!;
    assert.equal(edge.child.exitCode, null, 'the edge is still running');
    assert.equal((await fetch(`${edge.url}/healthz`)).status, 200);
    const closes = connections.reduce((sum, c) => sum + c.closes, 0);
    assert.equal(await metricValue(edge, 'wikicast_edge_disconnects_total', { reason: 'too_big' }), closes, 'every oversized frame counted as too_big');
    const fresh = await world.connect({ token: await signToken(wiki, { sub: 'Fresh' }) });
    await subscribe(fresh, ['after-fuzz']);
    const event = wikiEvent(wiki.id, `${wiki.id}:after-fuzz`);
    await world.publish(event);
    await fresh.next((f) => f.id === event.id, 'an event after the fuzzing');
  });
});

function show(fuzzed: Fuzzed): string {
  const shown = typeof fuzzed.data === 'string' ? fuzzed.data : `binary ${fuzzed.data.toString('hex')}`;
  return shown.length > 200 ? `${shown.slice(0, 200)}…` : shown;
}
