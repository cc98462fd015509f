import { decodeJwt, decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose';
import { hasAudience, TOKEN_ALGORITHM, type TokenClaims } from '@wikicast/protocol';
import { summarize, validators } from '@wikicast/protocol/schemas';
import type { KeyUse, VerifyingKey } from './wiki-keys.js';
import type { ServedWiki, WikiRegistry } from './wikis.js';

export type TokenFailure = 'malformed' | 'unknown_wiki' | 'unknown_key' | 'bad_signature' | 'expired' | 'wrong_audience' | 'invalid_claims';

export class TokenError extends Error {
  readonly code = 'unauthorized';
  constructor(
    readonly reason: TokenFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TokenError';
  }
}

export interface VerifyOptions {
  /** The audience the token must carry (or, with `allowMissingAudience`, carry no `aud` at all). */
  audience: string;
  /** Accept tokens that carry no `aud` at all (connection tokens). */
  allowMissingAudience: boolean;
  clockToleranceS?: number;
}

/** A token that verified: its claims, and which of its wiki's keys verified it. */
export interface VerifiedToken {
  claims: TokenClaims;
  key: KeyUse;
}

/** Verifies a wiki-signed JWT (see `verifyTokenKey`) and returns its claims. */
export async function verifyToken(token: string, wikis: WikiRegistry, options: VerifyOptions): Promise<TokenClaims> {
  return (await verifyTokenKey(token, wikis, options)).claims;
}

/**
 * Verifies a wiki-signed JWT: the issuer names the wiki, one of whose keys must have signed it.
 * A token whose header names a `kid` is checked with that key alone; one naming none with each of
 * the wiki's keys in turn (docs/architecture.md "Tokens"). The issuer and `kid` are read before
 * verification only to pick the key; nothing else is trusted until verified.
 */
export async function verifyTokenKey(token: string, wikis: WikiRegistry, options: VerifyOptions): Promise<VerifiedToken> {
  let iss: unknown;
  let kid: unknown;
  try {
    iss = decodeJwt(token).iss;
    kid = decodeProtectedHeader(token).kid ?? null;
  } catch (err) {
    throw new TokenError('malformed', 'token is not a JWT', { cause: err });
  }
  if (kid !== null && typeof kid !== 'string') throw new TokenError('malformed', 'token header "kid" is not a string');
  const wiki = typeof iss === 'string' ? wikis.get(iss) : undefined;
  if (wiki === undefined) throw new TokenError('unknown_wiki', `token issuer ${JSON.stringify(iss)} is not a known wiki`);
  const candidates = wiki.keys.candidates(kid);
  if (candidates.length === 0) {
    throw new TokenError('unknown_key', `wiki "${wiki.id}" has no key ${JSON.stringify(kid)} (removed after a rotation, or not added yet)`);
  }
  let failure: unknown;
  for (const key of candidates) {
    let payload: unknown;
    try {
      payload = await verifiedPayload(token, wiki, key, options);
    } catch (err) {
      // With no kid to go by, a signature made with another of the wiki's keys is no verdict yet.
      if (!(err instanceof joseErrors.JWSSignatureVerificationFailed)) throw refusal(err, wiki);
      failure = err;
      continue;
    }
    return { claims: checkedClaims(payload, options), key: kid === null ? key.uses.unnamed : key.uses.named };
  }
  throw refusal(failure, wiki);
}

async function verifiedPayload(token: string, wiki: ServedWiki, key: VerifyingKey, options: VerifyOptions): Promise<unknown> {
  const { payload } = await jwtVerify(token, key.bytes, {
    algorithms: [TOKEN_ALGORITHM],
    issuer: wiki.id,
    requiredClaims: ['exp'],
    clockTolerance: options.clockToleranceS ?? 5,
  });
  return payload;
}

function refusal(err: unknown, wiki: ServedWiki): unknown {
  if (err instanceof joseErrors.JWTExpired) return new TokenError('expired', 'token has expired', { cause: err });
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) {
    return new TokenError('bad_signature', `token is not signed with a key of wiki "${wiki.id}"`, { cause: err });
  }
  if (err instanceof joseErrors.JOSEError) return new TokenError('malformed', `token refused: ${err.message}`, { cause: err });
  return err;
}

function checkedClaims(payload: unknown, options: VerifyOptions): TokenClaims {
  const result = validators.tokenClaims.validate(payload);
  if (!result.ok) throw new TokenError('invalid_claims', `token claims: ${summarize(result.issues)}`);
  const claims = result.value;
  const audienceOk = claims.aud === undefined ? options.allowMissingAudience : hasAudience(claims, options.audience);
  if (!audienceOk) throw new TokenError('wrong_audience', `token is not meant for ${options.audience}`);
  return claims;
}
