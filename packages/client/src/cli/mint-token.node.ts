import { SignJWT } from 'jose';
import { TOKEN_ALGORITHM, type TokenClaims } from '@wikicast/protocol';
import type { WikiKey } from '@wikicast/protocol/schemas';
import type { TokenArgs } from './args.node.js';

/**
 * A JWT as a wiki mints it (SPEC, @wikicast/protocol `TokenClaims`): HS256 with the wiki's key,
 * whose id (if it has one) is the header's `kid`; `iss` = wiki, `sub` = user, `cid`, `groups`,
 * `send`, `aud`, `iat` and `exp`.
 */
export async function mintToken(args: TokenArgs, key: WikiKey, nowMs = Date.now()): Promise<string> {
  // iss, sub, aud, iat and exp are set by SignJWT below.
  const claims: Partial<TokenClaims> = {};
  if (args.cid !== undefined) claims.cid = args.cid;
  if (args.groups !== undefined) claims.groups = args.groups;
  if (args.send !== undefined) claims.send = args.send;
  const now = Math.floor(nowMs / 1000);
  let jwt = new SignJWT(claims)
    .setProtectedHeader(key.kid === null ? { alg: TOKEN_ALGORITHM, typ: 'JWT' } : { alg: TOKEN_ALGORITHM, typ: 'JWT', kid: key.kid })
    .setIssuer(args.wiki)
    .setIssuedAt(now)
    .setExpirationTime(now + args.ttlS);
  if (args.user !== undefined) jwt = jwt.setSubject(args.user);
  if (args.aud !== undefined) jwt = jwt.setAudience(args.aud);
  return jwt.sign(new TextEncoder().encode(key.secret));
}
