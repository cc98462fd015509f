/**
 * The pure entry point: constants, types, cursor and topic rules. Importing it compiles no
 * validator and loads no schema library, so the browser client and the CLI use it as is.
 * Schemas and validators are in `@wikicast/protocol/schemas`.
 */
export type { Audience, DeliveredEvent, EventInput, WikiEvent } from './event.js';
export type {
  AckFrame,
  AuthFrame,
  ClientFrame,
  ErrorFrame,
  EventFrame,
  FrameRef,
  PresenceChangeFrame,
  PresenceFrame,
  PresenceMember,
  PresenceStateFrame,
  ResetFrame,
  SeedSendFrame,
  SendFrame,
  ServerFrame,
  SubscribeFrame,
  SubscribedFrame,
  UnsubscribeFrame,
  UnsubscribedFrame,
  WelcomeFrame,
} from './frames.js';
export { CloseCode } from './close-codes.js';
export { isWikiOwnedTopic, matchesPattern, matchesTopicPatterns, maySendTo, resolveTopic, resolveTopicList, topicErrorCode, topicWiki, userTopicOwner, WIKI_OWNED_NAMES } from './topic.js';
export type { TopicResolution } from './topic.js';
export { EDGE_AUDIENCE, INGEST_AUDIENCE, TOKEN_ALGORITHM, hasAudience } from './audiences.js';
export type { TokenClaims } from './token.js';
export { cursorCheck, decodeCursor, encodeCursor } from './cursor.js';
export { sinceTime } from './since.js';
export type { Cursor } from './cursor.js';
export { ErrorCodes } from './error-codes.js';
export type { ClosingErrorCode, DisconnectReason, ErrorBody, ErrorCode, ErrorSpec } from './error-codes.js';
export * as limits from './limits.js';
export type { ControlMessage, RetractControl, RetractedItem, RetractRequest, RevokeControl, RevokeRequest } from './control.js';
export { HiddenBits, redactChange, RETRACT_EVENT_TYPE, retractedBits } from './retraction.js';
export type { ParsedFrame } from './parse-frame.js';
export type { Validation, ValidationIssue, Validator } from './validate.js';
