export {
  AudienceSchema,
  ClientIdSchema,
  EventIdSchema,
  EventInputSchema,
  EventTypeSchema,
  RecipientsSchema,
  TopicSchema,
  WikiEventSchema,
  WikiIdSchema,
} from './event.js';
export type { Audience, DeliveredEvent, EventInput, WikiEvent } from './event.js';
export {
  AuthFrameSchema,
  CloseCode,
  CursorSchema,
  SeedSendFrameSchema,
  SendFrameSchema,
  SubscribeFrameSchema,
  UnsubscribeFrameSchema,
} from './frames.js';
export type {
  AckFrame,
  AuthFrame,
  ClientFrame,
  ErrorFrame,
  EventFrame,
  FrameRef,
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
export { matchesPattern, maySendTo, resolveTopic, topicWiki } from './topic.js';
export type { TopicResolution } from './topic.js';
export { EDGE_AUDIENCE, INGEST_AUDIENCE, TOKEN_ALGORITHM, TokenClaimsSchema, hasAudience } from './token.js';
export type { TokenClaims } from './token.js';
export { cursorCheck, decodeCursor, encodeCursor } from './cursor.js';
export type { Cursor } from './cursor.js';
export { compileValidator, deeperThan, summarize } from './validate.js';
export type { Validation, ValidationIssue, Validator } from './validate.js';
export { ErrorCodes } from './error-codes.js';
export type { ErrorBody, ErrorCode } from './error-codes.js';
export * as limits from './limits.js';
export { parseClientFrame } from './parse-frame.js';
export type { ParsedFrame } from './parse-frame.js';
export { validators } from './validators.js';
export { ControlMessageSchema, RevokeControlSchema, RevokeRequestSchema } from './control.js';
export type { ControlMessage, RevokeControl, RevokeRequest } from './control.js';
export { exportedSchemas, jsonSchemaText } from './json-schemas.js';
