import { Type, type Static } from '@sinclair/typebox';
import { ClientIdSchema, EventIdSchema, WikiIdSchema } from './event.js';

const UserNameSchema = Type.String({ minLength: 1, maxLength: 255, description: 'user name, as in the token `sub`' });
const ReasonSchema = Type.String({ minLength: 1, maxLength: 500, description: 'for logs and the close reason' });

/**
 * Body of ingest's `POST /v1/control/revoke`: end the live connections of a user, or of one
 * client id, on the token's wiki (e.g. when the user is blocked).
 */
export const RevokeRequestSchema = Type.Object(
  {
    user: Type.Optional(UserNameSchema),
    cid: Type.Optional(ClientIdSchema),
    reason: Type.Optional(ReasonSchema),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type RevokeRequest = Static<typeof RevokeRequestSchema>;

/**
 * A message on `<prefix>.control` (JSON, AMQP `type` = `op`). Every edge acts on it.
 * `revoke`: close the wiki's connections whose token `sub` is `user` and/or whose `cid` is `cid`.
 */
export const RevokeControlSchema = Type.Object(
  {
    op: Type.Literal('revoke'),
    id: EventIdSchema,
    wiki: WikiIdSchema,
    user: Type.Optional(UserNameSchema),
    cid: Type.Optional(ClientIdSchema),
    reason: Type.Optional(ReasonSchema),
    ts: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);
export type RevokeControl = Static<typeof RevokeControlSchema>;

export const ControlMessageSchema = Type.Union([RevokeControlSchema]);
export type ControlMessage = Static<typeof ControlMessageSchema>;
