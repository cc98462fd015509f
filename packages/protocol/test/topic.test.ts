import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { matchesAnyPattern, matchesPattern, resolveTopic } from '../src/index.js';

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
  it('matches none when the token has no patterns', () => {
    assert.equal(matchesAnyPattern(undefined, 'demo:x'), false);
    assert.equal(matchesAnyPattern([], 'demo:x'), false);
  });
});
