import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { testWiki, waitFor, type ServiceProcess } from '@wikicast/test/support';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../browser/chromium.js';
import { ApiSession } from './api-session.js';
import { ADMIN_USER, type TestMediaWiki } from './mediawiki-harness.js';
import { startWikiWorld, type WikiWorld } from './wiki-world.js';

/** RCFilters' poll interval ($wgStructuredChangeFiltersLiveUpdatePollingRate, MediaWiki's default). */
const POLLING_RATE_S = 3;
/** Issue 17: an edit appears within a second of it while Wikicast is connected. */
const LIVE_BOUND_MS = 1000;

/**
 * Special:RecentChanges in Chromium with live updates on, on Debian's MediaWiki 1.39: while
 * Wikicast is connected an edit by another user appears within a second and RCFilters makes no
 * polling (`peek`) request; with the edge stopped, polling resumes and edits still appear.
 */
describe('Special:RecentChanges goes live through Wikicast', () => {
  const wiki = testWiki('mwrclive', { public: true });
  let world: WikiWorld;
  let edge: ServiceProcess;
  let mw: TestMediaWiki;
  let admin: ApiSession;
  let browser: Browser;
  let page: Page;
  const peeks: number[] = [];
  const pageErrors: string[] = [];

  before(async () => {
    world = await startWikiWorld('mwrclive', wiki, { browser: true });
    ({ edge, mw } = world);
    admin = new ApiSession(mw.apiUrl);
    await admin.login(ADMIN_USER, mw.adminPassword);
    await admin.edit('Live changes start', 'a first change for the list', 'start');
    browser = await launchChromium();
    page = await (await browser.newContext()).newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('request', (request) => {
      if (request.url().includes('peek=1')) peeks.push(Date.now());
    });
  });

  after(async () => {
    await browser?.close();
    await world?.cleanup();
  });

  /** Edits a page and returns how long after the edit's answer its row was in the list. */
  async function editAppearsAfterMs(title: string, timeoutMs: number): Promise<number> {
    await admin.edit(title, `text ${Date.now()}`, 'a live change');
    const answered = Date.now();
    await page.locator('.mw-changeslist', { hasText: title }).waitFor({ timeout: timeoutMs });
    return Date.now() - answered;
  }

  it('shows an edit within a second, with no polling request while connected', async () => {
    await page.goto(`${mw.url}/index.php?title=Special:RecentChanges&days=30&limit=50`);
    await page.waitForFunction('window.webSocket && window.webSocket.connected()');
    await page.locator('.mw-rcfilters-ui-liveUpdateButtonWidget').click();
    await page.locator('.mw-rcfilters-ui-liveUpdateButtonWidget.oo-ui-toggleWidget-on').waitFor();

    const took = await editAppearsAfterMs('Live change one', 5000);
    assert.ok(took <= LIVE_BOUND_MS, `the edit appeared ${took} ms after it was saved`);
    // Three poll intervals without a single peek: RCFilters' timer ticks, Wikicast answers it.
    const quietSince = Date.now();
    await waitFor('three poll intervals', () => Date.now() - quietSince >= 3 * POLLING_RATE_S * 1000, { timeoutMs: 4 * POLLING_RATE_S * 1000, intervalMs: 250 });
    assert.equal(await editAppearsAfterMs('Live change two', 5000) <= LIVE_BOUND_MS, true);
    assert.deepEqual(peeks, [], 'no polling request while connected');
    assert.deepEqual(pageErrors, []);
  });

  it('polls again while the edge is down, and the edit still appears', async () => {
    await edge.stop();
    await page.waitForFunction('!window.webSocket.connected()');
    await waitFor('a polling request', () => peeks.length > 0, { timeoutMs: 3 * POLLING_RATE_S * 1000, intervalMs: 100 });
    await editAppearsAfterMs('Change while the edge is down', 3 * POLLING_RATE_S * 1000);
    assert.deepEqual(pageErrors, []);
  });
});
