import { strict as assert } from 'node:assert';
import { it } from 'node:test';
import type { TokenClaims } from '@wikicast/protocol';
import { TokenCache } from '../src/token-cache.js';

const claims = (exp: number): TokenClaims => ({ iss: 'demo', exp });

it('remembers verified tokens until they expire, evicting the oldest beyond its size', () => {
  let now = 1_000_000;
  const cache = new TokenCache(2, () => now);
  cache.set('a', claims(1_010));
  assert.deepEqual(cache.get('a'), claims(1_010));
  now = 1_010_000;
  assert.equal(cache.get('a'), undefined, 'expired at exp');
  cache.set('b', claims(2_000));
  cache.set('c', claims(2_000));
  cache.set('d', claims(2_000));
  assert.equal(cache.get('b'), undefined, 'the oldest went first');
  assert.ok(cache.get('c') && cache.get('d'));
  cache.clear();
  assert.equal(cache.get('c'), undefined);
});
