import type { Logger } from 'pino';
import { ConfigError } from './config-error.js';
import { WikiRegistry } from './wikis.js';

/** Told after a reload took effect: the registry in force before it and the one now. */
export type WikisReloaded = (current: WikiRegistry, previous: WikiRegistry) => void;

/**
 * WIKICAST_WIKIS_FILE as a running service holds it: read at start (a bad file fails the start
 * with the ConfigError naming the key), re-read by `reload()` on SIGHUP. A bad file on reload is
 * logged at `error` and the wikis in force stay, because a typo in the file must not take every
 * wiki offline. Every service reloads the same way; what a reload means for work already
 * admitted (cached tokens, live connections) is each service's listener's business.
 */
export class WikisFile {
  readonly path: string;
  readonly #logger: Logger;
  readonly #listeners: WikisReloaded[] = [];
  #current: WikiRegistry;

  constructor(path: string, logger: Logger) {
    this.path = path;
    this.#logger = logger;
    this.#current = WikiRegistry.fromFile(path);
  }

  get current(): WikiRegistry {
    return this.#current;
  }

  onReload(listener: WikisReloaded): void {
    this.#listeners.push(listener);
  }

  /** Re-reads the file; true when the new wikis took effect, false when the old ones stay. */
  reload(): boolean {
    let next: WikiRegistry;
    try {
      next = WikiRegistry.fromFile(this.path);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      this.#logger.error({ err }, 'wikis file reload failed; keeping the wikis loaded before');
      return false;
    }
    const previous = this.#current;
    this.#current = next;
    this.#logger.info({ wikis: next.size }, 'wikis file reloaded');
    for (const listener of this.#listeners) listener(next, previous);
    return true;
  }
}
