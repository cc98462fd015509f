import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { reusablePort, startService, testWiki, waitFor, waitUntilReady, type ServiceProcess } from '@wikicast/test/support';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../browser/chromium.js';
import { ApiSession } from './api-session.js';
import { ADMIN_USER, type TestMediaWiki } from './mediawiki-harness.js';
import { startWikiWorld, type WikiWorld } from './wiki-world.js';

/** RCFilters' poll interval ($wgStructuredChangeFiltersLiveUpdatePollingRate, MediaWiki's default). */
const POLLING_RATE_S = 3;
/** Issue 17: an edit appears within a second of it while Wikicast is connected. */
const LIVE_BOUND_MS = 1000;
/** Time enough for polling to show: three poll intervals. */
const THREE_POLLS_MS = 3 * POLLING_RATE_S * 1000;
/** A retraction goes from the wiki through ingest's control route to the edge, then the list is fetched. */
const RETRACTED_TIMEOUT_MS = 3000;
/** The client reconnects with growing, jittered delays. */
const RECONNECT_TIMEOUT_MS = 45_000;
/** Quiet time before counting requests, so what events asked for is over (the edit missed while down comes again on resume). */
const SETTLE_MS = 2000;
const PASSWORD = 'Pw-rclive-0123456789';

/** A request RCFilters makes: a check for new changes (`peek=1`) or the list itself (`action=render`). */
interface ListRequest {
  at: number;
  peek: boolean;
}

/**
 * Special:RecentChanges and Special:Watchlist in Chromium, on Debian's MediaWiki 1.39: while
 * Wikicast is connected an edit by another user appears within a second and RCFilters makes no
 * polling request; with the edge stopped, polling resumes and edits still appear; with the edge
 * back, polling stops again; a suppressed summary leaves the list (the `retract` event); an event
 * the user's filters hide (an unwatched page on the Watchlist) offers no "View new changes"; a
 * user of the old interface gets no RCFilters. No page error anywhere.
 */
describe('Special:RecentChanges and Special:Watchlist go live through Wikicast', () => {
  const wiki = testWiki('mwrclive', { public: true });
  let world: WikiWorld;
  let edge: ServiceProcess;
  let mw: TestMediaWiki;
  let admin: ApiSession;
  let bob: ApiSession;
  let browser: Browser;
  let page: Page;
  let requests: ListRequest[];
  const pageErrors: string[] = [];

  before(async () => {
    world = await startWikiWorld('mwrclive', wiki, {
      browser: true,
      // The edge comes back on its port later (the page knows it by its address).
      edgePort: await reusablePort(),
      // Debian's 1.39 gives sysops neither revision deletion nor suppression by default.
      extraSettings: "$wgGroupPermissions['sysop']['deleterevision'] = true; $wgGroupPermissions['sysop']['suppressrevision'] = true;",
    });
    ({ edge, mw } = world);
    admin = new ApiSession(mw.apiUrl);
    await admin.login(ADMIN_USER, mw.adminPassword);
    await admin.edit('Live changes start', 'a first change for the list', 'start');
    await admin.edit('Watched page', 'a page Alice watches', 'start');
    for (const name of ['Alice', 'Bob']) await mw.maintenance('createAndPromote.php', [name, PASSWORD]);
    bob = new ApiSession(mw.apiUrl);
    await bob.login('Bob', PASSWORD);
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await edge?.stop();
    await world?.cleanup();
  });

  /** Alice's session, with `setup` done through the API first; her page records RCFilters' requests. */
  async function openAsAlice(special: string, setup: (alice: ApiSession) => Promise<unknown> = async () => undefined): Promise<{ page: Page; requests: ListRequest[] }> {
    const alice = new ApiSession(mw.apiUrl);
    await alice.login('Alice', PASSWORD);
    await setup(alice);
    const context = await browser.newContext();
    const { hostname } = new URL(mw.url);
    await context.addCookies([...alice.cookies].map(([name, value]) => ({ name, value, domain: hostname, path: '/' })));
    const opened = await context.newPage();
    opened.on('pageerror', (err) => pageErrors.push(`${special}: ${err.message}`));
    const seen: ListRequest[] = [];
    opened.on('request', (request) => {
      const url = new URL(request.url());
      if (url.searchParams.get('action') === 'render' && decodeURIComponent(url.pathname + url.search).includes(`Special:${special}`)) {
        seen.push({ at: Date.now(), peek: url.searchParams.get('peek') === '1' });
      }
    });
    await opened.goto(`${mw.url}/index.php?title=Special:${special}&days=30&limit=50`);
    return { page: opened, requests: seen };
  }

  const connected = (on: Page): Promise<boolean> => on.evaluate<boolean>('!!window.webSocket && window.webSocket.connected()');

  /** Waits for the page's connection, then presses Live; returns when it was connected. */
  async function turnLiveOn(on: Page): Promise<number> {
    await on.waitForFunction('window.webSocket && window.webSocket.connected()');
    const connectedAt = Date.now();
    await on.locator('.mw-rcfilters-ui-liveUpdateButtonWidget').click();
    await on.locator('.mw-rcfilters-ui-liveUpdateButtonWidget.oo-ui-toggleWidget-on').waitFor();
    return connectedAt;
  }

  /** Bob edits a page; returns how long after the edit's answer its row was in the list. */
  async function editAppearsAfterMs(on: Page, title: string, timeoutMs: number, summary = 'a live change'): Promise<number> {
    await bob.edit(title, `text ${Date.now()}`, summary);
    const answered = Date.now();
    await on.locator('.mw-changeslist a.mw-changeslist-title', { hasText: title }).first().waitFor({ timeout: timeoutMs });
    return Date.now() - answered;
  }

  /**
   * Once the page made no request for a while (what events asked for is done), the requests of
   * the next three poll intervals (counting what does not happen takes the whole time).
   */
  async function requestsOverThreePolls(seen: ListRequest[]): Promise<ListRequest[]> {
    await waitFor('the list to settle', () => Date.now() - (seen.at(-1)?.at ?? 0) >= SETTLE_MS, { timeoutMs: 30_000, intervalMs: 100 });
    const since = Date.now();
    await new Promise((resolve) => setTimeout(resolve, THREE_POLLS_MS));
    return seen.filter((r) => r.at >= since);
  }

  it('Special:RecentChanges shows an edit within a second, with no polling request while connected', async () => {
    ({ page, requests } = await openAsAlice('RecentChanges'));
    const connectedAt = await turnLiveOn(page);
    const took = await editAppearsAfterMs(page, 'Live change one', 5000);
    assert.ok(took <= LIVE_BOUND_MS, `the edit appeared ${took} ms after it was saved`);
    // The event's own fetch of the list is done once the row shows; after it, nothing.
    assert.deepEqual(await requestsOverThreePolls(requests), [], 'no request for the list while connected and nothing changes');
    assert.ok(!requests.some((r) => r.peek && r.at >= connectedAt), 'no polling request at all while connected');
    assert.deepEqual(pageErrors, []);
  });

  it('polls again while the edge is down, and the edit still appears', async () => {
    await edge.stop();
    await waitFor('the page to notice', async () => !(await connected(page)));
    const stoppedAt = Date.now();
    await waitFor('a polling request', () => requests.some((r) => r.peek && r.at > stoppedAt), { timeoutMs: THREE_POLLS_MS, intervalMs: 100 });
    await editAppearsAfterMs(page, 'Change while the edge is down', THREE_POLLS_MS);
    assert.deepEqual(pageErrors, []);
  });

  it('stops polling once the edge is back; a suppressed summary leaves the list at once', async () => {
    const restartedAt = Date.now();
    // On its own port again: below the ephemeral range, so no connection has taken it meanwhile.
    edge = await startService('edge', { ...world.serviceEnv, EDGE_ID: 'mwrclive-edge', PORT: String(edge.port) });
    await waitUntilReady(edge);
    await waitFor('the page to reconnect', () => connected(page), { timeoutMs: RECONNECT_TIMEOUT_MS, intervalMs: 100 });
    // The client resumes from its cursor: the change made while the edge was down comes again and
    // refreshes the list once. Only after that does quiet mean anything.
    await waitFor('the replayed change to refresh the list', () => requests.some((r) => !r.peek && r.at >= restartedAt), { timeoutMs: THREE_POLLS_MS, intervalMs: 100 });
    assert.deepEqual(await requestsOverThreePolls(requests), [], 'no request for the list once connected again');
    const took = await editAppearsAfterMs(page, 'Live change three', 5000, 'a summary to hide');
    assert.ok(took <= LIVE_BOUND_MS, `the edit appeared ${took} ms after it was saved`);

    // Suppression adds no change (its log is restricted, so not in the list): no peek could find
    // it, only the retraction event can have the list fetched again.
    const summary = page.locator('.mw-changeslist', { hasText: 'a summary to hide' });
    await summary.waitFor();
    const revision = ((await admin.get({ action: 'query', prop: 'revisions', titles: 'Live change three', rvprop: 'ids' })) as {
      query: { pages: Array<{ revisions: Array<{ revid: number }> }> };
    }).query.pages[0]!.revisions[0]!.revid;
    const answer = (await admin.post({
      action: 'revisiondelete', type: 'revision', target: 'Live change three', ids: String(revision), hide: 'comment', suppress: 'yes', reason: 'test', token: await admin.csrfToken(),
    })) as { revisiondelete?: { status: string } };
    assert.equal(answer.revisiondelete?.status, 'Success', JSON.stringify(answer));
    await summary.waitFor({ state: 'detached', timeout: RETRACTED_TIMEOUT_MS });
    assert.deepEqual(pageErrors, []);
    await page.context().close();
  });

  it('Special:Watchlist: live, a watched page shows within a second; not live, an unwatched one offers nothing new', async () => {
    const watch = async (alice: ApiSession): Promise<void> => {
      const tokens = (await alice.get({ action: 'query', meta: 'tokens', type: 'watch' })) as { query: { tokens: { watchtoken: string } } };
      await alice.post({ action: 'watch', titles: 'Watched page', token: tokens.query.tokens.watchtoken });
    };
    const live = await openAsAlice('Watchlist', watch);
    const connectedAt = await turnLiveOn(live.page);
    const took = await editAppearsAfterMs(live.page, 'Watched page', 5000);
    assert.ok(took <= LIVE_BOUND_MS, `the watched edit appeared ${took} ms after it was saved`);
    assert.ok(!live.requests.some((r) => r.peek && r.at >= connectedAt), 'no polling request while connected');
    await live.page.context().close();

    // Live updates off: a change RCFilters would show offers "View new changes", one its filters hide does not.
    const offered = await openAsAlice('Watchlist');
    await offered.page.waitForFunction('window.webSocket && window.webSocket.connected()');
    const newChanges = offered.page.locator('.mw-rcfilters-ui-filterWrapperWidget-showNewChanges');
    await bob.edit('Not watched', `text ${Date.now()}`, 'nobody watches this');
    const afterUnwatched = Date.now();
    // Whatever the page does about the event (asks the wiki, or not), it is done within a poll interval or two.
    await new Promise((resolve) => setTimeout(resolve, 2 * POLLING_RATE_S * 1000));
    assert.equal(await newChanges.isVisible(), false, `an unwatched page's edit offers no new changes (requests since: ${JSON.stringify(offered.requests.filter((r) => r.at >= afterUnwatched))})`);
    await bob.edit('Watched page', `text ${Date.now()}`, 'a watched change');
    await newChanges.waitFor({ state: 'visible', timeout: THREE_POLLS_MS });
    assert.deepEqual(pageErrors, []);
    await offered.page.context().close();
  });

  it('a user of the old interface gets no RCFilters and no page error', async () => {
    const old = await openAsAlice('RecentChanges', (alice) => alice.csrfToken().then((token) => alice.post({ action: 'options', change: 'rcenhancedfilters-disable=1', token })));
    await old.page.waitForFunction('window.webSocket && window.webSocket.connected()');
    assert.equal(await old.page.evaluate<string | null>("mw.loader.getState('mediawiki.rcfilters.filters.ui')"), 'registered', 'RCFilters is not loaded');
    assert.equal(await old.page.evaluate<string | null>("mw.loader.getState('ext.wikicast.rcfilters')"), 'registered', 'nor is ext.wikicast.rcfilters');
    assert.deepEqual(pageErrors, []);
    await old.page.context().close();
  });
});
