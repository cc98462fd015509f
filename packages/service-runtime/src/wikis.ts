import { readFileSync } from 'node:fs';
import { parseWikis, wikiKeys, type Wiki } from '@wikicast/protocol/schemas';
import { ConfigError } from './config-error.js';
import { WikiKeyRing } from './wiki-keys.js';

/** A wiki as a service holds it: its keys ready to verify with, not the file's secrets. */
export interface ServedWiki {
  id: string;
  public: boolean;
  keys: WikiKeyRing;
}

/** The wikis a service serves, from WIKICAST_WIKIS_FILE. */
export class WikiRegistry {
  #byId: Map<string, ServedWiki>;

  constructor(wikis: readonly Wiki[]) {
    this.#byId = new Map();
    for (const wiki of wikis) {
      if (this.#byId.has(wiki.id)) throw new Error(`wiki "${wiki.id}" is listed twice`);
      this.#byId.set(wiki.id, { id: wiki.id, public: wiki.public === true, keys: new WikiKeyRing(wikiKeys(wiki)) });
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
    const parsed = parseWikis(value);
    if (!parsed.ok) throw new ConfigError(key, `${path}: ${parsed.message}`);
    return new WikiRegistry(parsed.wikis);
  }

  has(id: string): boolean {
    return this.#byId.has(id);
  }

  get(id: string): ServedWiki | undefined {
    return this.#byId.get(id);
  }

  /** Every served wiki, in the file's order. */
  all(): IterableIterator<ServedWiki> {
    return this.#byId.values();
  }

  get size(): number {
    return this.#byId.size;
  }
}
