import { Type, type Static } from '@sinclair/typebox';
import { ClientIdSchema, EventTypeSchema, RecipientsSchema, type DeliveredEvent } from './event.js';
import { MAX_CURSOR_LENGTH, MAX_REF_LENGTH, MAX_TOKEN_LENGTH, MAX_TOPICS_PER_FRAME } from './limits.js';

/** A topic as a client names it: `<wiki>:<name>` or a bare name scoped to the token's wiki. */
const ClientTopic = Type.String({ minLength: 1, maxLength: 321 });
const Topics = Type.Array(ClientTopic, { minItems: 1, maxItems: MAX_TOPICS_PER_FRAME });
const Ref = Type.Union([Type.String({ maxLength: MAX_REF_LENGTH }), Type.Number()]);
export const CursorSchema = Type.String({ minLength: 1, maxLength: MAX_CURSOR_LENGTH });

export const SubscribeFrameSchema = Type.Object(
  {
    op: Type.Literal('subscribe'),
    topics: Topics,
    since: Type.Optional(CursorSchema),
    /** Also join the topics' presence (docs/presence.md). */
    presence: Type.Optional(Type.Boolean()),
    ref: Type.Optional(Ref),
  },
  { additionalProperties: false },
);
/** Asks for the cluster-wide presence of topics now: one `presence` answer per topic. */
export const PresenceFrameSchema = Type.Object(
  { op: Type.Literal('presence'), topics: Topics, ref: Type.Optional(Ref) },
  { additionalProperties: false },
);
export const UnsubscribeFrameSchema = Type.Object(
  { op: Type.Literal('unsubscribe'), topics: Topics, ref: Type.Optional(Ref) },
  { additionalProperties: false },
);
export const SendFrameSchema = Type.Object(
  {
    op: Type.Literal('send'),
    topic: Type.Optional(ClientTopic),
    type: EventTypeSchema,
    msg: Type.Optional(Type.Unknown()),
    to: Type.Optional(RecipientsSchema),
    ref: Type.Optional(Ref),
  },
  { additionalProperties: false },
);
/** The seed extension's frame: `{type, msg, to}` with no `op` is a send to topic = type. */
export const SeedSendFrameSchema = Type.Object(
  {
    type: EventTypeSchema,
    msg: Type.Optional(Type.Unknown()),
    to: Type.Optional(Type.Union([RecipientsSchema, ClientIdSchema, Type.Literal(false), Type.Null()])),
    from: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: false },
);
export const AuthFrameSchema = Type.Object(
  { op: Type.Literal('auth'), token: Type.String({ minLength: 1, maxLength: MAX_TOKEN_LENGTH }), ref: Type.Optional(Ref) },
  { additionalProperties: false },
);

export type SubscribeFrame = Static<typeof SubscribeFrameSchema>;
export type UnsubscribeFrame = Static<typeof UnsubscribeFrameSchema>;
export type SendFrame = Static<typeof SendFrameSchema>;
export type SeedSendFrame = Static<typeof SeedSendFrameSchema>;
export type AuthFrame = Static<typeof AuthFrameSchema>;
export type PresenceFrame = Static<typeof PresenceFrameSchema>;
export type ClientFrame = SubscribeFrame | UnsubscribeFrame | SendFrame | AuthFrame | PresenceFrame;

export type FrameRef = string | number;

export interface WelcomeFrame {
  op: 'welcome';
  cid: string;
  edge: string;
  /** The newest position this edge has seen; a client may subscribe `since` it. */
  cursor: string | null;
}
export interface SubscribedFrame {
  op: 'subscribed';
  topics: string[];
  ref?: FrameRef;
}
export interface UnsubscribedFrame {
  op: 'unsubscribed';
  topics: string[];
  ref?: FrameRef;
}
export interface AckFrame {
  op: 'ack';
  ref?: FrameRef;
  id: string;
}
export type EventFrame = { op: 'event' } & DeliveredEvent;
export interface ResetFrame {
  op: 'reset';
  topics: string[];
  reason: string;
}
export interface ErrorFrame {
  op: 'error';
  code: string;
  message: string;
  ref?: FrameRef;
}
/**
 * A member of a topic's presence as others see it: a user's connection (`cid`, `user`); an
 * anonymous member is only counted, so others see neither (its own join names its `cid`).
 */
export interface PresenceMember {
  cid?: string;
  user?: string;
}
/** Someone joined or left a topic's presence; `anonymous` is the topic's anonymous member count after it. */
export interface PresenceChangeFrame {
  op: 'join' | 'leave';
  topic: string;
  member: PresenceMember;
  anonymous: number;
}
/**
 * A topic's presence now: the named members (at most PRESENCE_LISTED, `truncated` beyond), the
 * anonymous count and the total. The answer to `{"op":"presence"}` (with its `ref`), and what a
 * member of a crowded topic gets instead of each join and leave.
 */
export interface PresenceStateFrame {
  op: 'presence';
  topic: string;
  members: Array<{ cid: string; user: string }>;
  anonymous: number;
  total: number;
  truncated?: true;
  ref?: FrameRef;
}
export type ServerFrame =
  | PresenceChangeFrame
  | PresenceStateFrame
  | WelcomeFrame
  | SubscribedFrame
  | UnsubscribedFrame
  | AckFrame
  | EventFrame
  | ResetFrame
  | ErrorFrame;
