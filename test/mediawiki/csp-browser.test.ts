import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { testWiki, waitFor } from '@wikicast/test/support';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../browser/chromium.js';
import { ApiSession } from './api-session.js';
import { ADMIN_USER } from './mediawiki-harness.js';
import { startWikiWorld, type WikiWorld } from './wiki-world.js';

/** How long an event may take from the edit to the reader's notice. */
const DELIVERY_TIMEOUT_MS = 15_000;

/**
 * Issue 20 item 6 in Chromium with Debian's MediaWiki: the edge is another origin than the wiki
 * (another port here, another host in production), so a wiki that sends a restrictive
 * Content-Security-Policy ($wgCSPHeader with `default-src`) must list the edge there, as
 * docs/mediawiki.md says: without it the browser refuses the WebSocket; with it the page
 * connects and shows the notice of an edit.
 */
describe('ext.wikicast under the wiki\'s Content-Security-Policy', () => {
  const wiki = testWiki('mwcsp', { public: true });
  let world: WikiWorld;
  let admin: ApiSession;
  let browser: Browser;
  const pageErrors: string[] = [];

  before(async () => {
    world = await startWikiWorld('mwcsp', wiki, { browser: true });
    admin = new ApiSession(world.mw.apiUrl);
    await admin.login(ADMIN_USER, world.mw.adminPassword);
    await admin.edit('CSP page', 'a page to read', 'create');
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await world?.cleanup();
  });

  /** Opens the page as an anonymous reader; returns it, its CSP header and the console's CSP refusals. */
  async function openPage(): Promise<{ page: Page; csp: string; refusals: string[] }> {
    const page = await (await browser.newContext()).newPage();
    const refusals: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (message) => {
      if (message.text().includes('Content Security Policy')) refusals.push(message.text());
    });
    const response = await page.goto(`${world.mw.url}/index.php?title=CSP_page`);
    return { page, csp: (await response?.headerValue('content-security-policy')) ?? '', refusals };
  }

  it('a restrictive default-src without the edge: the browser refuses the WebSocket', async () => {
    world.mw.configure(`$wgCSPHeader = [ 'default-src' => [] ];`);
    const { page, csp, refusals } = await openPage();
    assert.match(csp, /default-src 'self'/);
    await page.waitForFunction('mw.loader.getState("ext.wikicast") === "ready"');
    await waitFor('the browser to refuse the WebSocket to the edge', () => refusals.some((text) => text.includes(`Connecting to 'ws://127.0.0.1:${world.edge.port}/v1/ws`)), { timeoutMs: DELIVERY_TIMEOUT_MS });
    assert.equal(await page.evaluate('webSocket.connected()'), false);
    await page.context().close();
  });

  it('the http:// origin of the edge alone is not enough for its WebSocket', async () => {
    world.mw.configure(`$wgCSPHeader = [ 'default-src' => [ ${JSON.stringify(world.edge.url)} ] ];`);
    const { page, refusals } = await openPage();
    await waitFor('the browser to refuse the WebSocket to the edge', () => refusals.some((text) => text.includes(`Connecting to 'ws://127.0.0.1:${world.edge.port}/v1/ws`)), { timeoutMs: DELIVERY_TIMEOUT_MS });
    await page.context().close();
  });

  it("the edge's ws:// and http:// origins in default-src (which connect-src falls back to): the page connects and receives an edit", async () => {
    const origins = [world.edge.url, world.edge.url.replace(/^http:/, 'ws:')];
    world.mw.configure(`$wgCSPHeader = [ 'default-src' => ${JSON.stringify(origins)} ];`);
    const { page, csp, refusals } = await openPage();
    assert.ok(csp.includes(`default-src 'self'`) && origins.every((origin) => csp.includes(origin)), csp);
    await page.waitForFunction('webSocket.connected()', undefined, { timeout: DELIVERY_TIMEOUT_MS });
    await admin.edit('CSP page', 'changed while read', 'an edit under CSP');
    await page.locator('.mw-notification', { hasText: `${ADMIN_USER} just edited this page.` }).waitFor({ timeout: DELIVERY_TIMEOUT_MS });
    assert.deepEqual(refusals, []);
    assert.deepEqual(pageErrors, []);
    await page.context().close();
  });
});
