import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { decodeCursor, encodeCursor, limits } from '../src/index.js';
import { deeperThan, parseClientFrame, summarize, validators } from '../src/schemas.js';

const good = {
  id: '0192f1a2-7b3c-7def-8123-456789abcdef',
  wiki: 'demo',
  topic: 'demo:recentchange',
  type: 'edit',
  msg: { title: 'Main Page' },
  ts: '2026-11-22T10:00:00.000Z',
};

describe('event validation', () => {
  it('accepts a complete event', () => {
    assert.equal(validators.wikiEvent.check(good), true);
  });

  it('accepts a minimal input and leaves the rest to ingest', () => {
    assert.equal(validators.eventInput.check({ topic: 'news', type: 't' }), true);
  });

  const malformed: Array<[string, unknown, string]> = [
    ['missing type', { topic: 'demo:x' }, 'type'],
    ['empty type', { topic: 'demo:x', type: '' }, 'type'],
    ['numeric topic', { topic: 42, type: 't' }, 'topic'],
    ['bad id', { topic: 'demo:x', type: 't', id: 'not-a-uuid' }, 'id'],
    ['bad ts', { topic: 'demo:x', type: 't', ts: 'yesterday' }, 'ts'],
    ['impossible date', { topic: 'demo:x', type: 't', ts: '2026-13-45T10:00:00Z' }, 'ts'],
    ['unknown field', { topic: 'demo:x', type: 't', colour: 'red' }, 'colour'],
    ['to not an array', { topic: 'demo:x', type: 't', to: 'WS1' }, 'to'],
    ['empty to', { topic: 'demo:x', type: 't', to: [] }, 'to'],
    ['audience with unknown key', { topic: 'demo:x', type: 't', audience: { roles: ['a'] } }, 'audience'],
    ['bad wiki id', { topic: 'demo:x', type: 't', wiki: 'has space' }, 'wiki'],
  ];
  for (const [name, value, field] of malformed) {
    it(`refuses ${name}, naming "${field}"`, () => {
      const result = validators.eventInput.validate(value);
      assert.equal(result.ok, false);
      if (!result.ok) assert.match(summarize(result.issues), new RegExp(field));
    });
  }

  it('refuses non-objects', () => {
    for (const value of [null, 1, 'x', [], true]) assert.equal(validators.eventInput.check(value), false);
  });

  it('requires resolved routing fields on a published event', () => {
    const { id: _id, ...withoutId } = good;
    const result = validators.wikiEvent.validate(withoutId);
    assert.equal(result.ok, false);
    if (!result.ok) assert.match(summarize(result.issues), /"id"/);
    assert.equal(validators.wikiEvent.check({ ...good, topic: 'bare' }), false);
  });

  it('reserves types beginning with "wikicast." (any case) for the connection\'s own messages', () => {
    for (const type of ['wikicast.reset', 'wikicast.close', 'WikiCast.reset', 'wikicast.']) {
      const result = validators.eventInput.validate({ topic: 'demo:x', type });
      assert.equal(result.ok, false, type);
      if (!result.ok) assert.match(summarize(result.issues), /"type": must not begin with "wikicast\." \(reserved/);
      assert.equal(validators.wikiEvent.check({ ...good, type }), false, `${type} in the stream`);
    }
    for (const type of ['wikicast', 'wikicastreset', 'my.wikicast.reset', 'edit']) assert.equal(validators.eventInput.check({ topic: 'demo:x', type }), true, type);
  });
});

/** `{"a":{"a":…{"a":1}}}` with `levels` objects. */
function nested(levels: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}

describe('nesting depth', () => {
  it(`accepts documents ${limits.MAX_JSON_DEPTH} levels deep and refuses deeper ones, naming where`, () => {
    // The event is level 1 and its msg level 2.
    assert.equal(validators.eventInput.check({ topic: 'demo:x', type: 't', msg: nested(limits.MAX_JSON_DEPTH - 1) }), true);
    const result = validators.eventInput.validate({ topic: 'demo:x', type: 't', msg: nested(limits.MAX_JSON_DEPTH) });
    assert.equal(result.ok, false);
    if (!result.ok) assert.match(summarize(result.issues), /"msg(\.a)+": nests objects and arrays deeper than 64 levels/);
  });

  it('refuses a hostile depth without overflowing the stack, for every intake', () => {
    const deep = nested(200_000);
    assert.equal(validators.eventInput.check({ topic: 'demo:x', type: 't', msg: deep }), false);
    assert.equal(validators.wikiEvent.check({ ...good, msg: deep }), false);
    const frame = `{"op":"send","type":"t","msg":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    const parsed = parseClientFrame(frame);
    assert.equal(parsed.ok, false);
    if (!parsed.ok) {
      assert.equal(parsed.code, 'invalid_frame');
      assert.match(parsed.message, /deeper than 64 levels/);
    }
  });

  it('counts arrays as levels too', () => {
    assert.equal(deeperThan([[[1]]], 3), null);
    assert.equal(deeperThan([[[[1]]]], 3), '/0/0/0');
    assert.equal(deeperThan({ 'a/b': { '~': {} } }, 2), '/a~1b/~0');
  });
});

describe('client frames', () => {
  it('parses subscribe with since', () => {
    const r = parseClientFrame('{"op":"subscribe","topics":["demo:a"],"since":"1a.0123abcd"}');
    assert.deepEqual(r, { ok: true, frame: { op: 'subscribe', topics: ['demo:a'], since: '1a.0123abcd' } });
  });

  it('turns a seed frame without op into a send, normalising `to`', () => {
    const r = parseClientFrame('{"type":"FooDataChanged","msg":{"a":1},"to":"WS12"}');
    assert.deepEqual(r, { ok: true, frame: { op: 'send', type: 'FooDataChanged', msg: { a: 1 }, to: ['WS12'] } });
    const broadcast = parseClientFrame('{"type":"FooDataChanged","msg":"x","to":false}');
    assert.deepEqual(broadcast, { ok: true, frame: { op: 'send', type: 'FooDataChanged', msg: 'x' } });
  });

  const bad: Array<[string, string, string]> = [
    ['not JSON', '{op:', 'bad_json'],
    ['an array', '[1,2]', 'invalid_frame'],
    ['a string', '"subscribe"', 'invalid_frame'],
    ['an unknown op', '{"op":"explode"}', 'invalid_frame'],
    ['an op named like an Object.prototype member', '{"op":"valueOf"}', 'invalid_frame'],
    ['subscribe without topics', '{"op":"subscribe"}', 'invalid_frame'],
    ['subscribe with empty topics', '{"op":"subscribe","topics":[]}', 'invalid_frame'],
    ['auth with a number', '{"op":"auth","token":5}', 'invalid_frame'],
    ['seed frame without type', '{"msg":"x"}', 'invalid_frame'],
  ];
  for (const [name, text, code] of bad) {
    it(`answers ${name} with ${code}`, () => {
      const r = parseClientFrame(text);
      assert.equal(r.ok, false);
      if (!r.ok) {
        assert.equal(r.code, code);
        assert.ok(r.message.length > 0);
      }
    });
  }

  it('keeps the ref of a refused frame so the client can match the error', () => {
    const r = parseClientFrame('{"op":"send","ref":7}');
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.ref, 7);
  });
});

describe('cursor', () => {
  it('round-trips offset and check', () => {
    const c = encodeCursor(123456789, good.id);
    assert.deepEqual(decodeCursor(c), { offset: 123456789, check: '89abcdef' });
  });
  it('refuses garbage', () => {
    for (const text of ['', 'abc', '12.xyz', '-1.01234567', `${'z'.repeat(20)}.01234567`]) {
      assert.equal(decodeCursor(text), null, text);
    }
  });
});
