import { strict as assert } from 'node:assert';
import { after, describe, it } from 'node:test';
import { signToken, testWiki, writeWikisFile } from '@wikicast/test/support';
import { ConfigError, TokenError, verifyToken, WikiRegistry, type TokenFailure } from '../src/index.js';

const demo = testWiki('demo', { public: true });
const other = testWiki('other');
const file = writeWikisFile([demo, other]);
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

describe('WikiRegistry.fromFile', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['a short secret', [{ id: 'a', secret: 'short' }], /secret/],
    ['a duplicate id', [{ id: 'a', secret: 'x'.repeat(40) }, { id: 'a', secret: 'y'.repeat(40) }], /twice/],
    ['not a list', { id: 'a' }, /array/i],
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
