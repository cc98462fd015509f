import { readFileSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import { compileValidator, summarize, WikiIdSchema } from '@wikicast/protocol/schemas';
import { ConfigError } from './config-error.js';

const MIN_SECRET_LENGTH = 32;

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

/** The wikis a service serves, from WIKICAST_WIKIS_FILE. */
export class WikiRegistry {
  #byId: Map<string, Wiki & { key: Uint8Array }>;

  constructor(wikis: readonly Wiki[]) {
    this.#byId = new Map();
    const encoder = new TextEncoder();
    for (const wiki of wikis) {
      if (this.#byId.has(wiki.id)) throw new Error(`wiki "${wiki.id}" is listed twice`);
      this.#byId.set(wiki.id, { ...wiki, key: encoder.encode(wiki.secret) });
    }
  }

  static fromFile(path: string, key = 'WIKICAST_WIKIS_FILE'): WikiRegistry {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new ConfigError(key, `cannot read ${path}: ${(err as Error).message}`, { cause: err });
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new ConfigError(key, `${path} is not JSON: ${(err as Error).message}`, { cause: err });
    }
    const result = wikisValidator.validate(value);
    if (!result.ok) throw new ConfigError(key, `${path}: ${summarize(result.issues)} (secrets need ${MIN_SECRET_LENGTH}+ characters)`);
    try {
      return new WikiRegistry(result.value);
    } catch (err) {
      throw new ConfigError(key, `${path}: ${(err as Error).message}`, { cause: err });
    }
  }

  has(id: string): boolean {
    return this.#byId.has(id);
  }

  get(id: string): (Wiki & { key: Uint8Array }) | undefined {
    return this.#byId.get(id);
  }

  get size(): number {
    return this.#byId.size;
  }
}
