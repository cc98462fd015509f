import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { matchesPattern, maySendTo, resolveTopic } from '../src/index.js';

const known = new Set(['demo', 'other', 'mywiki']);
const isKnown = (id: string): boolean => known.has(id);

describe('resolveTopic', () => {
  it("keeps the token's own wiki topics", () => {
    assert.deepEqual(resolveTopic('demo:recentchange', 'demo', isKnown), { ok: true, topic: 'demo:recentchange' });
    assert.deepEqual(resolveTopic('mywiki:42:UpdateComments', 'mywiki', isKnown), { ok: true, topic: 'mywiki:42:UpdateComments' });
  });
  it('scopes bare seed names to the wiki', () => {
    assert.deepEqual(resolveTopic('FooDataChanged', 'demo', isKnown), { ok: true, topic: 'demo:FooDataChanged' });
    assert.deepEqual(resolveTopic('Foo:Bar', 'demo', isKnown), { ok: true, topic: 'demo:Foo:Bar' });
  });
  it("refuses another known wiki's topics", () => {
    const r = resolveTopic('other:recentchange', 'demo', isKnown);
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.reason, 'foreign-wiki');
  });
  it('refuses names with spaces or a leading colon', () => {
    for (const name of ['has space', ':x', '', 'a\tb']) {
      const r = resolveTopic(name, 'demo', isKnown);
      assert.equal(r.ok, false, name);
    }
  });
});

describe('send patterns', () => {
  const cases: Array<[string, string, boolean]> = [
    ['*', 'anything', true],
    ['demo:*', 'demo:news', true],
    ['demo:*', 'other:news', false],
    ['demo:page:*:comments', 'demo:page:42:comments', true],
    ['demo:page:*:comments', 'demo:page:42:edits', false],
    ['exact', 'exact', true],
    ['exact', 'exactly', false],
    ['a*a', 'a', false],
    ['a*a', 'aa', true],
  ];
  for (const [pattern, value, expected] of cases) {
    it(`${pattern} ${expected ? 'matches' : 'does not match'} ${value}`, () => {
      assert.equal(matchesPattern(pattern, value), expected);
    });
  }
});

describe('maySendTo: send patterns govern the topic', () => {
  const cases: Array<[string[] | undefined, string, boolean, string]> = [
    [['demo:chat:*'], 'demo:chat:x', true, 'a full topic pattern'],
    [['demo:chat:*'], 'demo:news', false, 'a type-like pattern opens no other topic (the attack run\'s bypass)'],
    [['chat:*'], 'demo:chat:room', true, 'a bare pattern is scoped to the token\'s wiki'],
    [['FooDataChanged'], 'demo:FooDataChanged', true, 'the seed: topic = type'],
    [['FooDataChanged'], 'demo:news', false, 'the seed\'s type pattern does not open other topics'],
    [['*'], 'demo:anything:at:all', true, '`*` is every topic of the wiki'],
    [['*'], 'other:news', false, 'never another wiki\'s topic'],
    [['demo:*'], 'other:news', false, 'a pattern naming the wiki stays in it'],
    [[], 'demo:x', false, 'no patterns: no sends'],
    [undefined, 'demo:x', false, 'no send claim: no sends'],
  ];
  for (const [patterns, topic, expected, why] of cases) {
    it(`${JSON.stringify(patterns)} ${expected ? 'allows' : 'refuses'} ${topic}: ${why}`, () => {
      assert.equal(maySendTo(patterns, 'demo', topic), expected);
    });
  }
});
