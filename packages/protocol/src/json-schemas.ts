import type { TSchema } from '@sinclair/typebox';
import { EventInputSchema, WikiEventSchema } from './event.js';
import { TokenClaimsSchema } from './token.js';

const ID_BASE = 'https://wikicast.invalid/schemas/';

/** The schemas other languages need (the PHP extension, operators' consumers), by file name. */
export const exportedSchemas: Record<string, TSchema> = {
  'event.json': WikiEventSchema,
  'event-input.json': EventInputSchema,
  'token-claims.json': TokenClaimsSchema,
};

/**
 * Plain JSON Schema (draft 2020-12) text for one schema. TypeBox schemas already are JSON
 * Schema; serializing drops TypeBox's symbol-keyed metadata.
 */
export function jsonSchemaText(name: string, schema: TSchema): string {
  const document = { $schema: 'https://json-schema.org/draft/2020-12/schema', $id: `${ID_BASE}${name}`, ...schema };
  return `${JSON.stringify(document, null, 2)}\n`;
}
