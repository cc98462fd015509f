import { Type, type Static } from '@sinclair/typebox';
import { WikiIdSchema } from './event.js';
import { compileValidator, summarize } from './validate.js';

/** HS256 keys shorter than this are refused: a guessable secret lets anyone mint tokens. */
export const MIN_SECRET_LENGTH = 32;

/** One entry of the wikis file (`WIKICAST_WIKIS_FILE`), the list every service and the CLI read. */
export const WikiSchema = Type.Object(
  {
    id: WikiIdSchema,
    secret: Type.String({ minLength: MIN_SECRET_LENGTH, description: 'HS256 key shared with the wiki' }),
    public: Type.Optional(Type.Boolean({ description: 'anonymous read-only connections allowed' })),
  },
  { additionalProperties: false },
);
export type Wiki = Static<typeof WikiSchema>;

const wikisValidator = compileValidator(Type.Array(WikiSchema));

export type WikisParse = { ok: true; wikis: Wiki[] } | { ok: false; message: string };

/** The wikis file's parsed JSON checked as every reader checks it: the schema, then no id twice. */
export function parseWikis(value: unknown): WikisParse {
  const result = wikisValidator.validate(value);
  if (!result.ok) return { ok: false, message: `${summarize(result.issues)} (secrets need ${MIN_SECRET_LENGTH}+ characters)` };
  const seen = new Set<string>();
  for (const wiki of result.value) {
    if (seen.has(wiki.id)) return { ok: false, message: `wiki "${wiki.id}" is listed twice` };
    seen.add(wiki.id);
  }
  return { ok: true, wikis: result.value };
}
