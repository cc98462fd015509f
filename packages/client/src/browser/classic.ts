/**
 * Entry of the classic script `dist/wikicast.js` (no modules, ResourceLoader-friendly). It sets
 * two globals explicitly, so they exist even when a loader wraps the script in a function:
 * - `Wikicast`: the library, whose `connect(options)` also sets `window.webSocket`;
 * - `webSocket`: the seed API, created at load from `window.wikicastConfig` when the page set it
 *   before the script, or later by `Wikicast.connect(…)`.
 */
import type { WikicastClient } from '../client.js';
import { connect as connectClient, type ConnectOptions } from '../connect.js';
import * as library from '../exports.js';
import { WS_PATH } from '../ws-url.js';

/** `window.wikicastConfig`: the connect options; `url` defaults to this origin's `/v1/ws`. */
export type WikicastConfig = Omit<ConnectOptions, 'url'> & { url?: string };

interface PageGlobals {
  wikicastConfig?: WikicastConfig;
  webSocket?: WikicastClient;
  Wikicast?: unknown;
}

const page = globalThis as PageGlobals;

function connect(config: WikicastConfig = {}): WikicastClient {
  page.webSocket?.close();
  const client = connectClient({ ...config, url: config.url ?? WS_PATH });
  page.webSocket = client;
  return client;
}

page.Wikicast = { ...library, connect };
if (page.wikicastConfig !== undefined) connect(page.wikicastConfig);
