import { ControlMessageSchema, RetractRequestSchema, RevokeRequestSchema } from './control.js';
import { EventInputSchema, WikiEventSchema } from './event.js';
import { TokenClaimsSchema } from './token.js';
import { compileValidator } from './validate.js';

/** Compiled once at import: validation sits on the hot path of ingest and edge. */
export const validators = {
  eventInput: compileValidator(EventInputSchema),
  wikiEvent: compileValidator(WikiEventSchema),
  tokenClaims: compileValidator(TokenClaimsSchema),
  revokeRequest: compileValidator(RevokeRequestSchema),
  retractRequest: compileValidator(RetractRequestSchema),
  controlMessage: compileValidator(ControlMessageSchema),
};
