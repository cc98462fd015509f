/**
 * `@wikicast/protocol/schemas`: the TypeBox schemas (one source for the types and the JSON
 * Schemas other languages read), their compiled validators and the client frame parser. Importing
 * it compiles the validators once; the services use it, the browser client does not.
 */
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
export { AuthFrameSchema, CursorSchema, PresenceFrameSchema, SeedSendFrameSchema, SendFrameSchema, SubscribeFrameSchema, UnsubscribeFrameSchema } from './frames.js';
export { TokenClaimsSchema } from './token.js';
export { ControlMessageSchema, RetractControlSchema, RetractRequestSchema, RevokeControlSchema, RevokeRequestSchema } from './control.js';
export { compileValidator, deeperThan, summarize } from './validate.js';
export { parseClientFrame } from './parse-frame.js';
export { validators } from './validators.js';
export { exportedSchemas, jsonSchemaText } from './json-schemas.js';
export { KEY_ID_PATTERN, MIN_SECRET_LENGTH, parseWikis, WikiKeySchema, WikiSchema, wikiKeys } from './wikis-file.js';
export type { Wiki, WikiKey, WikisParse } from './wikis-file.js';
