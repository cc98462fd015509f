import { Type, type Static } from '@sinclair/typebox';
import { ClientIdSchema, WikiIdSchema } from './event.js';

/** Claims of a JWT signed (HS256) with the wiki's secret. */
export const TokenClaimsSchema = Type.Object(
  {
    iss: WikiIdSchema,
    sub: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'user name; absent: anonymous' })),
    cid: Type.Optional(ClientIdSchema),
    groups: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 255 }), { maxItems: 200 })),
    send: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 321 }), { maxItems: 100, description: 'topic patterns the client may send to, `*` wildcard; a pattern without the wiki id is scoped to it' })),
    presence: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 321 }), {
        maxItems: 100,
        description: 'topic patterns whose presence the client may join and see (docs/presence.md); absent: every topic it may subscribe to',
      }),
    ),
    aud: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])),
    exp: Type.Integer({ minimum: 0, description: 'expiry, seconds since the epoch' }),
    iat: Type.Optional(Type.Integer({ minimum: 0 })),
    nbf: Type.Optional(Type.Integer({ minimum: 0 })),
    jti: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);
export type TokenClaims = Static<typeof TokenClaimsSchema>;
