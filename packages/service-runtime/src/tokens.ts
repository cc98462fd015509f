import { decodeJwt, errors as joseErrors, jwtVerify } from 'jose';
import { hasAudience, TOKEN_ALGORITHM, type TokenClaims } from '@wikicast/protocol';
import { summarize, validators } from '@wikicast/protocol/schemas';
import type { WikiRegistry } from './wikis.js';

export type TokenFailure = 'malformed' | 'unknown_wiki' | 'bad_signature' | 'expired' | 'wrong_audience' | 'invalid_claims';

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

/**
 * Verifies a wiki-signed JWT: the issuer names the wiki, whose secret must have signed it.
 * The issuer is read before verification only to pick the key; nothing else is trusted until verified.
 */
export async function verifyToken(token: string, wikis: WikiRegistry, options: VerifyOptions): Promise<TokenClaims> {
  let iss: unknown;
  try {
    iss = decodeJwt(token).iss;
  } catch (err) {
    throw new TokenError('malformed', 'token is not a JWT', { cause: err });
  }
  const wiki = typeof iss === 'string' ? wikis.get(iss) : undefined;
  if (wiki === undefined) throw new TokenError('unknown_wiki', `token issuer ${JSON.stringify(iss)} is not a known wiki`);
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(token, wiki.key, {
      algorithms: [TOKEN_ALGORITHM],
      issuer: wiki.id,
      requiredClaims: ['exp'],
      clockTolerance: options.clockToleranceS ?? 5,
    }));
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) throw new TokenError('expired', 'token has expired', { cause: err });
    if (err instanceof joseErrors.JWSSignatureVerificationFailed) {
      throw new TokenError('bad_signature', `token is not signed with wiki "${wiki.id}"'s secret`, { cause: err });
    }
    if (err instanceof joseErrors.JOSEError) throw new TokenError('malformed', `token refused: ${err.message}`, { cause: err });
    throw err;
  }
  const result = validators.tokenClaims.validate(payload);
  if (!result.ok) throw new TokenError('invalid_claims', `token claims: ${summarize(result.issues)}`);
  const claims = result.value;
  const audienceOk = claims.aud === undefined ? options.allowMissingAudience : hasAudience(claims, options.audience);
  if (!audienceOk) throw new TokenError('wrong_audience', `token is not meant for ${options.audience}`);
  return claims;
}
