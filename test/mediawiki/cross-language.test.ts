import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { validators } from '@wikicast/protocol/schemas';
import { TokenError, verifyToken, WikiRegistry } from '@wikicast/service-runtime';
import { signToken, testKey, testWiki } from '@wikicast/test/support';
import { ensureDebianPackages, PHP_PACKAGES } from './debian-packages.js';
import { phpTokenCli } from './php-process.js';

/**
 * One secret, both directions: tokens the extension signs in PHP verify with the services'
 * TypeScript verifier, and tokens the TypeScript side signs verify with the extension's PHP
 * verifier. Events the extension builds pass the protocol's schema.
 */
describe('PHP ⇄ TypeScript tokens and events', () => {
  const wiki = testWiki('xlangwiki');
  const other = testWiki('xlangother');
  const wikis = new WikiRegistry([wiki, other]);
  const ingestOptions = { audience: 'ingest', allowMissingAudience: false };
  const edgeOptions = { audience: 'edge', allowMissingAudience: true };

  it('an ingest token signed in PHP verifies in TypeScript with aud ingest, and not as another wiki', async () => {
    await ensureDebianPackages(PHP_PACKAGES);
    const { token } = await phpTokenCli<{ token: string }>({ op: 'ingest-token', wiki: wiki.id, secret: wiki.secret, ttl: 60 });
    const claims = await verifyToken(token, wikis, ingestOptions);
    assert.equal(claims.iss, wiki.id);
    assert.equal(claims.aud, 'ingest');
    assert.ok(claims.exp > Date.now() / 1000 && claims.exp <= Date.now() / 1000 + 61);

    const forged = await phpTokenCli<{ token: string }>({ op: 'ingest-token', wiki: wiki.id, secret: other.secret, ttl: 60 });
    await assert.rejects(verifyToken(forged.token, wikis, ingestOptions), (err: unknown) => err instanceof TokenError && err.reason === 'bad_signature');
  });

  it('an edge token signed in PHP verifies in TypeScript with every claim, and is refused at ingest', async () => {
    const minted = await phpTokenCli<{ token: string; cid: string; exp: number }>({
      op: 'edge-token', wiki: wiki.id, secret: wiki.secret, user: 'Zoë', cid: 'WS0123456789abcdef',
      groups: ['*', 'user', 'sysop'], send: ['*'], ttl: 600,
    });
    const claims = await verifyToken(minted.token, wikis, edgeOptions);
    assert.deepEqual(
      { sub: claims.sub, cid: claims.cid, groups: claims.groups, send: claims.send, exp: claims.exp },
      { sub: 'Zoë', cid: 'WS0123456789abcdef', groups: ['*', 'user', 'sysop'], send: ['*'], exp: minted.exp },
    );
    await assert.rejects(verifyToken(minted.token, wikis, ingestOptions), (err: unknown) => err instanceof TokenError && err.reason === 'wrong_audience');

    const anonymous = await phpTokenCli<{ token: string }>({ op: 'edge-token', wiki: wiki.id, secret: wiki.secret, user: null, cid: 'WS1', groups: ['*'], send: [], ttl: 600 });
    assert.equal((await verifyToken(anonymous.token, wikis, edgeOptions)).sub, undefined);
  });

  it('a PHP token naming its kid verifies with that key of a wiki listing keys, and not once the key is gone', async () => {
    const [current, previous] = [testKey('2025-06'), testKey('2025-01')];
    const keyed = new WikiRegistry([{ id: wiki.id, keys: [current, previous] }]);
    for (const key of [current, previous]) {
      const { token } = await phpTokenCli<{ token: string }>({ op: 'ingest-token', wiki: wiki.id, secret: key.secret, kid: key.kid, ttl: 60 });
      assert.equal((await verifyToken(token, keyed, ingestOptions)).iss, wiki.id);
    }
    const { token } = await phpTokenCli<{ token: string }>({ op: 'ingest-token', wiki: wiki.id, secret: previous.secret, kid: previous.kid, ttl: 60 });
    const rotated = new WikiRegistry([{ id: wiki.id, keys: [current] }]);
    await assert.rejects(verifyToken(token, rotated, ingestOptions), (err: unknown) => err instanceof TokenError && err.reason === 'unknown_key');
  });

  it('an expired PHP token is refused in TypeScript', async () => {
    const { token } = await phpTokenCli<{ token: string }>({ op: 'ingest-token', wiki: wiki.id, secret: wiki.secret, ttl: -60 });
    await assert.rejects(verifyToken(token, wikis, ingestOptions), (err: unknown) => err instanceof TokenError && err.reason === 'expired');
  });

  it('tokens signed in TypeScript verify in PHP; wrong secret, wiki or audience are refused', async () => {
    const token = await signToken(wiki, { sub: 'Älice', cid: 'WSabc', groups: ['user'], send: ['xlangwiki:*'], aud: 'edge' });
    const { claims } = await phpTokenCli<{ claims: Record<string, unknown> }>({ op: 'verify', wiki: wiki.id, secret: wiki.secret, token, aud: 'edge' });
    assert.deepEqual([claims.iss, claims.sub, claims.cid, claims.groups, claims.send], [wiki.id, 'Älice', 'WSabc', ['user'], ['xlangwiki:*']]);

    const wrongSecret = await signToken(wiki, { secret: other.secret });
    const otherWiki = await signToken(other);
    const ingest = await signToken(wiki, { aud: 'ingest' });
    const expired = await signToken(wiki, { ttlS: -60 });
    const verdicts = await Promise.all(
      [
        { token: wrongSecret, aud: null },
        { token: otherWiki, aud: null, secret: other.secret },
        { token: ingest, aud: 'edge' },
        { token: expired, aud: null },
      ].map((c) => phpTokenCli<{ error?: string }>({ op: 'verify', wiki: wiki.id, secret: c.secret ?? wiki.secret, token: c.token, aud: c.aud })),
    );
    assert.deepEqual(verdicts.map((v) => v.error), ['bad_signature', 'unknown_wiki', 'wrong_audience', 'expired']);
  });

  it('events built in PHP are valid protocol events (input and published form)', async () => {
    const events = await phpTokenCli<Array<Record<string, unknown>>>({ op: 'events', wiki: wiki.id });
    assert.equal(events.length, 4);
    for (const event of events) {
      const input = validators.eventInput.validate(event);
      assert.ok(input.ok, JSON.stringify(input));
      const published = validators.wikiEvent.validate(event);
      assert.ok(published.ok, JSON.stringify(published));
    }
    assert.deepEqual(events.map((e) => e.topic), [`${wiki.id}:recentchange`, `${wiki.id}:page:1`, `${wiki.id}:FooDataChanged`, `${wiki.id}:42:UpdateComments`]);
  });
});
