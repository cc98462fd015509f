import {
  AuthFrameSchema,
  PresenceFrameSchema,
  SeedSendFrameSchema,
  SendFrameSchema,
  SubscribeFrameSchema,
  UnsubscribeFrameSchema,
  type ClientFrame,
} from './frames.js';
import type { ErrorCode } from './error-codes.js';
import { compileValidator, summarize, type Validator } from './validate.js';

const byOp: Record<string, Validator<ClientFrame>> = {
  subscribe: compileValidator(SubscribeFrameSchema),
  unsubscribe: compileValidator(UnsubscribeFrameSchema),
  send: compileValidator(SendFrameSchema),
  auth: compileValidator(AuthFrameSchema),
  presence: compileValidator(PresenceFrameSchema),
};
const seedSend = compileValidator(SeedSendFrameSchema);

export type ParsedFrame =
  | { ok: true; frame: ClientFrame }
  | { ok: false; code: ErrorCode; message: string; ref?: string | number };

/**
 * Parses one client text frame. A seed-style `{type, msg, to}` without `op` becomes a send to
 * topic = type, with a single `to` string or `false` normalised to the array form.
 */
export function parseClientFrame(text: string): ParsedFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, code: 'bad_json', message: `frame is not valid JSON: ${(err as Error).message}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, code: 'invalid_frame', message: 'frame must be a JSON object' };
  }
  const record = value as Record<string, unknown>;
  const ref = typeof record.ref === 'string' || typeof record.ref === 'number' ? record.ref : undefined;
  const op = record.op;
  if (op === undefined) {
    const result = seedSend.validate(value);
    if (!result.ok) return { ok: false, code: 'invalid_frame', message: summarize(result.issues) };
    const { type, msg, to } = result.value;
    const recipients = typeof to === 'string' ? [to] : Array.isArray(to) ? to : undefined;
    const frame: ClientFrame = { op: 'send', type, msg, ...(recipients ? { to: recipients } : {}) };
    return { ok: true, frame };
  }
  // An own key only: `op: "valueOf"` must not find Object.prototype's members.
  const validator = typeof op === 'string' && Object.hasOwn(byOp, op) ? byOp[op] : undefined;
  if (validator === undefined) {
    return { ok: false, code: 'invalid_frame', message: `"op": unknown operation ${JSON.stringify(op)}`, ...(ref !== undefined ? { ref } : {}) };
  }
  const result = validator.validate(value);
  if (!result.ok) return { ok: false, code: 'invalid_frame', message: summarize(result.issues), ...(ref !== undefined ? { ref } : {}) };
  return { ok: true, frame: result.value };
}
