import type { TokenClaims } from './token.js';

/** Audience of tokens that publish to ingest (`wikicast token --aud ingest`). */
export const INGEST_AUDIENCE = 'ingest';
/** Audience of connection tokens, if set at all: edges accept tokens without `aud` too. */
export const EDGE_AUDIENCE = 'edge';
/** The one signing algorithm tokens use: HS256 with the wiki's secret. */
export const TOKEN_ALGORITHM = 'HS256';

export function hasAudience(claims: Pick<TokenClaims, 'aud'>, audience: string): boolean {
  return Array.isArray(claims.aud) ? claims.aud.includes(audience) : claims.aud === audience;
}
