import { Type, type Static } from '@sinclair/typebox';
import {
  MAX_AUDIENCE_ENTRIES,
  MAX_CLIENT_ID_LENGTH,
  MAX_RECIPIENTS,
  EVENT_TYPE_PATTERN,
  MAX_TYPE_LENGTH,
  RESERVED_TYPE_PREFIX,
  TOPIC_PATTERN,
  UUID_PATTERN,
  WIKI_ID_PATTERN,
} from './limits.js';

export const WikiIdSchema = Type.String({ pattern: WIKI_ID_PATTERN, description: 'wiki id, as in wsWikiID' });
export const TopicSchema = Type.String({ pattern: TOPIC_PATTERN, description: '<wiki>:<name>' });
export const EventIdSchema = Type.String({ pattern: UUID_PATTERN, description: 'UUID (v7 preferred): the de-duplication key' });
export const EventTypeSchema = Type.String({
  minLength: 1,
  maxLength: MAX_TYPE_LENGTH,
  pattern: EVENT_TYPE_PATTERN,
  errorMessage: `must not begin with "${RESERVED_TYPE_PREFIX}" (reserved for the connection's own messages)`,
});
export const ClientIdSchema = Type.String({ minLength: 1, maxLength: MAX_CLIENT_ID_LENGTH });
export const RecipientsSchema = Type.Array(ClientIdSchema, { minItems: 1, maxItems: MAX_RECIPIENTS });

export const AudienceSchema = Type.Object(
  {
    users: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 255 }), { maxItems: MAX_AUDIENCE_ENTRIES })),
    groups: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 255 }), { maxItems: MAX_AUDIENCE_ENTRIES })),
  },
  { additionalProperties: false, description: 'who may read the event; absent: everyone who may read the wiki' },
);
export type Audience = Static<typeof AudienceSchema>;

/**
 * An event as a producer submits it to ingest. `id` and `ts` are filled in when absent;
 * `wiki` defaults to the token's wiki and `topic` may be a bare name scoped to it.
 */
export const EventInputSchema = Type.Object(
  {
    id: Type.Optional(EventIdSchema),
    wiki: Type.Optional(WikiIdSchema),
    topic: Type.String({ minLength: 1, maxLength: 321, description: '<wiki>:<name>, or a bare name scoped to the wiki' }),
    type: EventTypeSchema,
    msg: Type.Optional(Type.Unknown()),
    from: Type.Optional(ClientIdSchema),
    to: Type.Optional(RecipientsSchema),
    audience: Type.Optional(AudienceSchema),
    ts: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);
export type EventInput = Static<typeof EventInputSchema>;

/** An event as it is published to RabbitMQ: every routing field resolved. */
export const WikiEventSchema = Type.Object(
  {
    id: EventIdSchema,
    wiki: WikiIdSchema,
    topic: TopicSchema,
    type: EventTypeSchema,
    msg: Type.Optional(Type.Unknown()),
    from: Type.Optional(ClientIdSchema),
    to: Type.Optional(RecipientsSchema),
    audience: Type.Optional(AudienceSchema),
    ts: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);
export type WikiEvent = Static<typeof WikiEventSchema>;

/** What a subscriber receives: the event plus its position in the log. */
export type DeliveredEvent = WikiEvent & { cursor: string };
