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

/** One revision or log entry whose fields became hidden, with every bit hidden now. */
const RetractedItemSchema = Type.Object(
  {
    id: Type.Integer({ minimum: 1, description: 'the revision id (`msg.revision.new`) or log id (`msg.log_id`) of the events concerned' }),
    hidden: Type.Integer({ minimum: 1, maximum: 15, description: 'the visibility bits now set (retraction.ts HiddenBits)' }),
  },
  { additionalProperties: false },
);
export type RetractedItem = Static<typeof RetractedItemSchema>;
const RetractedItemsSchema = Type.Array(RetractedItemSchema, { maxItems: 500 });

/**
 * Body of ingest's `POST /v1/control/retract`: fields of revisions and log entries of the token's
 * wiki were hidden (revision deletion or suppression) after their events went out. `topics` are
 * the topics whose readers are told, as bare names or `<wiki>:<name>` of the token's wiki.
 */
export const RetractRequestSchema = Type.Object(
  {
    revisions: Type.Optional(RetractedItemsSchema),
    logs: Type.Optional(RetractedItemsSchema),
    topics: Type.Array(Type.String({ minLength: 1, maxLength: 300 }), { minItems: 1, maxItems: 50, description: 'where the retract events go' }),
    reason: Type.Optional(ReasonSchema),
  },
  { additionalProperties: false },
);
export type RetractRequest = Static<typeof RetractRequestSchema>;

/**
 * A message on `<prefix>.control`: from now on, every edge hands out the events of these
 * revisions and log entries of `wiki` with the hidden fields removed (live, from memory and from
 * the stream). Kept as long as the control stream keeps it (docs/architecture.md, Retraction).
 */
export const RetractControlSchema = Type.Object(
  {
    op: Type.Literal('retract'),
    id: EventIdSchema,
    wiki: WikiIdSchema,
    revisions: Type.Optional(RetractedItemsSchema),
    logs: Type.Optional(RetractedItemsSchema),
    ts: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);
export type RetractControl = Static<typeof RetractControlSchema>;

export const ControlMessageSchema = Type.Union([RevokeControlSchema, RetractControlSchema]);
export type ControlMessage = Static<typeof ControlMessageSchema>;
