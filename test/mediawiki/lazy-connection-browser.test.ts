import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { testWiki } from '@wikicast/test/support';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../browser/chromium.js';
import { ApiSession } from './api-session.js';
import { ADMIN_USER } from './mediawiki-harness.js';
import { startWikiWorld, type WikiWorld } from './wiki-world.js';

/**
 * Every module the page asked for ran (ext.wikicast, and ext.wikicast.rcfilters, which subscribes
 * when it runs, on Special:RecentChanges): what will subscribe on load has by then.
 */
const ALL_MODULES_SETTLED = `mw.loader.getState('ext.wikicast') === 'ready' && mw.loader.getModuleNames().every(
  (name) => ['registered', 'ready', 'error', 'missing'].includes(mw.loader.getState(name)))`;
/** How long a page may take to open its socket once ext.wikicast ran. */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Issue 20 item 5 in Chromium with Debian's MediaWiki and an edge: ext.wikicast is on every page,
 * but a page opens a WebSocket only when something on it subscribes. An anonymous reader of a
 * content page connects (the page notice); of Special:UserLogin, a special page or a history, not;
 * with $wgWikicastAnonymousConnections = false, not even on a content page.
 */
describe('ext.wikicast connects only where something listens', () => {
  const wiki = testWiki('mwlazy', { public: true });
  let world: WikiWorld;
  let browser: Browser;
  const pageErrors: string[] = [];

  before(async () => {
    world = await startWikiWorld('mwlazy', wiki, { browser: true });
    const admin = new ApiSession(world.mw.apiUrl);
    await admin.login(ADMIN_USER, world.mw.adminPassword);
    await admin.edit('Lazy page', 'a page to read', 'create');
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await world?.cleanup();
  });

  /**
   * Opens `path` as an anonymous reader and waits until ext.wikicast ran; returns the WebSockets
   * the page opened and the client's state then (`connecting`/`connected` once something subscribed).
   */
  async function openAnonymous(path: string, connect: boolean): Promise<{ sockets: string[]; state: string }> {
    const context = await browser.newContext();
    const page = await context.newPage();
    const sockets: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(`${path}: ${err.message}`));
    page.on('websocket', (socket) => sockets.push(socket.url()));
    try {
      await page.goto(`${world.mw.url}/index.php?${path}`);
      await page.waitForFunction(ALL_MODULES_SETTLED);
      if (connect) {
        await page.waitForFunction('webSocket.connected()', undefined, { timeout: CONNECT_TIMEOUT_MS });
      }
      const state = String(await page.evaluate('webSocket.state'));
      return { sockets, state };
    } finally {
      await context.close();
    }
  }

  it('an anonymous reader of a content page connects once', async () => {
    const { sockets, state } = await openAnonymous('title=Lazy_page', true);
    assert.equal(state, 'connected');
    assert.equal(sockets.length, 1);
    assert.match(sockets[0]!, /\/v1\/ws\?/);
  });

  for (const path of ['title=Special:UserLogin', 'title=Special:Version', 'title=Lazy_page&action=history']) {
    it(`an anonymous reader of ${path} opens no WebSocket`, async () => {
      const { sockets, state } = await openAnonymous(path, false);
      assert.equal(state, 'disconnected', 'nothing subscribed, so the lazy client never started');
      assert.deepEqual(sockets, []);
    });
  }

  it('with $wgWikicastAnonymousConnections = false an anonymous reader of a content page opens none', async () => {
    world.mw.configure('$wgWikicastAnonymousConnections = false;');
    const { sockets, state } = await openAnonymous('title=Lazy_page', false);
    assert.equal(state, 'closed');
    assert.deepEqual(sockets, []);
    assert.deepEqual(pageErrors, []);
  });
});
