import { Type, type Static } from '@sinclair/typebox';
import { ClientIdSchema, WikiIdSchema } from './event.js';

/** Audience of tokens that publish to ingest (`wikicast token --aud ingest`). */
export const INGEST_AUDIENCE = 'ingest';
/** Audience of connection tokens, if set at all: edges accept tokens without `aud` too. */
export const EDGE_AUDIENCE = 'edge';
export const TOKEN_ALGORITHM = 'HS256';

/** Claims of a JWT signed (HS256) with the wiki's secret. */
export const TokenClaimsSchema = Type.Object(
  {
    iss: WikiIdSchema,
    sub: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'user name; absent: anonymous' })),
    cid: Type.Optional(ClientIdSchema),
    groups: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 255 }), { maxItems: 200 })),
    send: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 321 }), { maxItems: 100, description: 'type patterns the client may send, `*` wildcard' })),
    aud: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])),
    exp: Type.Integer({ minimum: 0, description: 'expiry, seconds since the epoch' }),
    iat: Type.Optional(Type.Integer({ minimum: 0 })),
    nbf: Type.Optional(Type.Integer({ minimum: 0 })),
    jti: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);
export type TokenClaims = Static<typeof TokenClaimsSchema>;

export function hasAudience(claims: Pick<TokenClaims, 'aud'>, audience: string): boolean {
  return Array.isArray(claims.aud) ? claims.aud.includes(audience) : claims.aud === audience;
}
