import { readFileSync } from 'node:fs';
import { parseWikis, type Wiki } from '@wikicast/protocol/schemas';
import { ConfigError } from './config-error.js';

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
    const parsed = parseWikis(value);
    if (!parsed.ok) throw new ConfigError(key, `${path}: ${parsed.message}`);
    return new WikiRegistry(parsed.wikis);
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
