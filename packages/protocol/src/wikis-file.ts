import { Type, type Static } from '@sinclair/typebox';
import { WikiIdSchema } from './event.js';
import { compileValidator, summarize } from './validate.js';

/** HS256 keys shorter than this are refused: a guessable secret lets anyone mint tokens. */
export const MIN_SECRET_LENGTH = 32;

/** A key id as a token's `kid` header carries it: short and printable, so it is safe to log. */
export const KEY_ID_PATTERN = '^[A-Za-z0-9._-]{1,64}$';

const SecretSchema = Type.String({ minLength: MIN_SECRET_LENGTH, description: 'HS256 key shared with the wiki' });

/** One of a wiki's keys in the `keys` form: the id tokens signed with it name in their `kid` header. */
export const WikiKeySchema = Type.Object(
  {
    kid: Type.String({ pattern: KEY_ID_PATTERN, description: 'key id, the `kid` header of tokens signed with this key' }),
    secret: SecretSchema,
  },
  { additionalProperties: false },
);

/**
 * One entry of the wikis file (`WIKICAST_WIKIS_FILE`), the list every service and the CLI read.
 * A wiki has either one `secret` (tokens carry no `kid`) or `keys`, the current signing key first
 * and previous keys after it, still accepted while a rotation is under way (docs/operations.md,
 * "Rotating a wiki's key"). Both optional in the schema; `parseWikis` requires exactly one.
 */
export const WikiSchema = Type.Object(
  {
    id: WikiIdSchema,
    secret: Type.Optional(SecretSchema),
    keys: Type.Optional(Type.Array(WikiKeySchema, { minItems: 1, description: 'current key first, then previous keys' })),
    public: Type.Optional(Type.Boolean({ description: 'anonymous read-only connections allowed' })),
  },
  { additionalProperties: false },
);
export type Wiki = Static<typeof WikiSchema>;

/** A key a wiki's tokens may be signed with; `kid` is `null` for the single-`secret` form. */
export interface WikiKey {
  kid: string | null;
  secret: string;
}

/** A parsed wiki's keys, the signing key first: `[{kid: null, secret}]` for the `secret` form. */
export function wikiKeys(wiki: Wiki): WikiKey[] {
  return wiki.keys ?? [{ kid: null, secret: wiki.secret! }];
}

const wikisValidator = compileValidator(Type.Array(WikiSchema));

export type WikisParse = { ok: true; wikis: Wiki[] } | { ok: false; message: string };

/**
 * The wikis file's parsed JSON checked as every reader checks it: the schema, then exactly one of
 * `secret` and `keys` per wiki, no key id twice within a wiki, no wiki id twice.
 */
export function parseWikis(value: unknown): WikisParse {
  const result = wikisValidator.validate(value);
  if (!result.ok) return { ok: false, message: `${summarize(result.issues)} (secrets need ${MIN_SECRET_LENGTH}+ characters)` };
  const seen = new Set<string>();
  for (const wiki of result.value) {
    if ((wiki.secret === undefined) === (wiki.keys === undefined)) {
      return { ok: false, message: `wiki "${wiki.id}" needs exactly one of "secret" and "keys"` };
    }
    const kids = new Set(wiki.keys?.map((key) => key.kid));
    if (wiki.keys !== undefined && kids.size !== wiki.keys.length) return { ok: false, message: `wiki "${wiki.id}" lists a key id twice` };
    if (seen.has(wiki.id)) return { ok: false, message: `wiki "${wiki.id}" is listed twice` };
    seen.add(wiki.id);
  }
  return { ok: true, wikis: result.value };
}
