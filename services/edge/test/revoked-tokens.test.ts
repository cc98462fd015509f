import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { RevokeControl } from '@wikicast/protocol';
import { RevokedTokens } from '../src/access/revoked-tokens.js';
import { identity } from './unit-fixtures.js';

function revocation(at: Date, who: { user?: string; cid?: string }, wiki = 'demo'): RevokeControl {
  return { op: 'revoke', id: randomUUID(), wiki, ts: at.toISOString(), ...who };
}

describe('RevokedTokens', () => {
  const at = new Date('2026-12-03T10:00:00.500Z');
  const second = Math.floor(at.getTime() / 1000) * 1000;

  it('refuses tokens of the user issued before the revocation or in its second, and those without iat', () => {
    const revoked = new RevokedTokens(60_000);
    revoked.note(revocation(at, { user: 'Mallory' }), 'blocked', at.getTime());
    assert.equal(revoked.refusal(identity({ user: 'Mallory', issuedAtMs: second - 1_000 })), 'blocked');
    assert.equal(revoked.refusal(identity({ user: 'Mallory', issuedAtMs: second })), 'blocked', 'the same second errs on the safe side');
    assert.equal(revoked.refusal(identity({ user: 'Mallory', issuedAtMs: null })), 'blocked');
    assert.equal(revoked.refusal(identity({ user: 'Mallory', issuedAtMs: second + 1_000 })), null, 'a token issued afterwards');
    assert.equal(revoked.refusal(identity({ user: 'Alice', issuedAtMs: second - 1_000 })), null, 'another user');
    assert.equal(revoked.refusal(identity({ user: 'Mallory', wiki: 'other', issuedAtMs: second - 1_000 })), null, 'another wiki');
    assert.equal(revoked.refusal(identity({ user: null, anonymous: true, issuedAtMs: null })), null, 'anonymous readers have no token to refuse');
  });

  it('refuses by client id too, and forgets revocations older than its memory', () => {
    const revoked = new RevokedTokens(60_000);
    revoked.note(revocation(at, { cid: 'WSbad' }), 'device lost', at.getTime());
    assert.equal(revoked.refusal(identity({ cid: 'WSbad', issuedAtMs: second - 1_000 })), 'device lost');
    // Forgetting happens when the next revocation is noted, past the memory.
    revoked.note(revocation(at, { user: 'Someone' }), 'x', at.getTime() + 60_001);
    assert.equal(revoked.refusal(identity({ cid: 'WSbad', issuedAtMs: second - 1_000 })), null);
  });
});
