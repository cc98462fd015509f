import { strict as assert } from 'node:assert';
import { after, describe, it } from 'node:test';
import { signToken, testKey, testWiki, withKeys, writeWikisFile } from '@wikicast/test/support';
import { ConfigError, TokenError, verifyToken, verifyTokenKey, WikiRegistry, type TokenFailure } from '../src/index.js';

const demo = testWiki('demo', { public: true });
const other = testWiki('other');
const rotating = testWiki('rotating');
const current = testKey('2025-06');
const previous = testKey('2025-01');
const file = writeWikisFile([demo, other, withKeys(rotating, [current, previous])]);
after(() => file.remove());
const wikis = WikiRegistry.fromFile(file.path);
const edge = { audience: 'edge', allowMissingAudience: true };
const ingest = { audience: 'ingest', allowMissingAudience: false };

async function refusal(token: string, options = edge): Promise<TokenFailure> {
  try {
    await verifyToken(token, wikis, options);
  } catch (err) {
    assert.ok(err instanceof TokenError, String(err));
    return err.reason;
  }
  assert.fail('token was accepted');
}

describe('verifyToken', () => {
  it('accepts a token signed with its wiki secret and returns its claims', async () => {
    const token = await signToken(demo, { sub: 'Alice', cid: 'WS1', groups: ['sysop'], send: ['demo:*'] });
    const claims = await verifyToken(token, wikis, edge);
    assert.equal(claims.iss, 'demo');
    assert.equal(claims.sub, 'Alice');
    assert.deepEqual(claims.groups, ['sysop']);
  });
  it("refuses another wiki's secret, expiry, garbage and unknown wikis", async () => {
    assert.equal(await refusal(await signToken(demo, { secret: other.secret })), 'bad_signature');
    assert.equal(await refusal(await signToken(demo, { ttlS: -60 })), 'expired');
    assert.equal(await refusal('not.a.jwt'), 'malformed');
    assert.equal(await refusal(await signToken(testWiki('ghost'))), 'unknown_wiki');
  });
  it('keeps publishing and connection tokens apart', async () => {
    assert.equal(await refusal(await signToken(demo), ingest), 'wrong_audience');
    assert.equal(await refusal(await signToken(demo, { aud: 'ingest' }), edge), 'wrong_audience');
    assert.equal((await verifyToken(await signToken(demo, { aud: 'ingest' }), wikis, ingest)).aud, 'ingest');
  });
  it('refuses claims of the wrong shape', async () => {
    assert.equal(await refusal(await signToken(demo, { groups: 'sysop' as unknown as string[] })), 'invalid_claims');
  });
});

describe('verifyToken with several keys', () => {
  it('checks a token naming a kid with that key alone', async () => {
    const viaCurrent = await verifyTokenKey(await signToken(rotating, { key: current }), wikis, edge);
    const viaPrevious = await verifyTokenKey(await signToken(rotating, { key: previous }), wikis, edge);
    assert.equal(viaCurrent.key.kid, '2025-06');
    assert.equal(viaPrevious.key.kid, '2025-01');
    assert.notEqual(viaCurrent.key.fingerprint, viaPrevious.key.fingerprint);
    assert.equal(await refusal(await signToken(rotating, { key: { kid: current.kid, secret: previous.secret } })), 'bad_signature', 'another of its keys does not do');
  });
  it('refuses a kid the wiki does not have, saying so', async () => {
    await assert.rejects(verifyToken(await signToken(rotating, { key: testKey('gone') }), wikis, edge), (err: unknown) =>
      err instanceof TokenError && err.reason === 'unknown_key' && err.code === 'unauthorized' && /wiki "rotating" has no key "gone"/.test(err.message));
    assert.equal(await refusal(await signToken(demo, { key: testKey('any') })), 'unknown_key', 'a wiki with one secret has no key ids');
  });
  it('tries a token without kid against each key: tokens signed before a rotation keep working', async () => {
    for (const key of [current, previous]) {
      const { key: used } = await verifyTokenKey(await signToken(rotating, { secret: key.secret }), wikis, edge);
      assert.equal(used.kid, null);
      assert.ok(wikis.get('rotating')!.keys.accepts(used));
    }
    assert.equal(await refusal(await signToken(rotating, { secret: other.secret })), 'bad_signature');
    assert.equal(await refusal(await signToken(rotating, { secret: previous.secret, ttlS: -60 })), 'expired', 'the verdict of the key that matched');
  });
  it('refuses a kid that is not a string', async () => {
    const token = await signToken(rotating, { key: current });
    const [, payload, signature] = token.split('.');
    const header = Buffer.from(JSON.stringify({ alg: 'HS256', kid: 7 })).toString('base64url');
    assert.equal(await refusal(`${header}.${payload}.${signature}`), 'malformed');
  });
});

describe('WikiRegistry.fromFile', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['a short secret', [{ id: 'a', secret: 'short' }], /secret/],
    ['a duplicate id', [{ id: 'a', secret: 'x'.repeat(40) }, { id: 'a', secret: 'y'.repeat(40) }], /twice/],
    ['not a list', { id: 'a' }, /array/i],
    ['both secret and keys', [{ id: 'a', secret: 'x'.repeat(40), keys: [{ kid: 'k', secret: 'y'.repeat(40) }] }], /exactly one of "secret" and "keys"/],
    ['neither secret nor keys', [{ id: 'a' }], /exactly one of "secret" and "keys"/],
    ['no keys', [{ id: 'a', keys: [] }], /keys/],
    ['a key id twice', [{ id: 'a', keys: [{ kid: 'k', secret: 'x'.repeat(40) }, { kid: 'k', secret: 'y'.repeat(40) }] }], /key id twice/],
    ['a key id with a space', [{ id: 'a', keys: [{ kid: 'k 1', secret: 'x'.repeat(40) }] }], /kid/],
    ['a short key', [{ id: 'a', keys: [{ kid: 'k', secret: 'short' }] }], /secret/],
  ];
  for (const [name, content, message] of cases) {
    it(`refuses ${name}, naming WIKICAST_WIKIS_FILE`, () => {
      const f = writeWikisFile(content as never);
      try {
        assert.throws(() => WikiRegistry.fromFile(f.path), (err: unknown) => err instanceof ConfigError && err.key === 'WIKICAST_WIKIS_FILE' && message.test(err.message));
      } finally {
        f.remove();
      }
    });
  }
  it('refuses a missing file', () => {
    assert.throws(() => WikiRegistry.fromFile('/nonexistent/wikis.json'), /WIKICAST_WIKIS_FILE: cannot read/);
  });
});
