import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import {
  setupTopology,
  startService,
  TestClient,
  testWiki,
  waitFor,
  waitUntilReady,
  writeWikisFile,
  type ServiceProcess,
  type TestTopology,
} from '@wikicast/test/support';
import { ApiSession } from './api-session.js';
import { BROWSER_PACKAGES, ensureDebianPackages } from './debian-packages.js';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ADMIN_USER, startMediaWiki, type TestMediaWiki } from './mediawiki-harness.js';
import { startTail, type TailProcess } from './wikicast-tail.js';

/** How long edits are made until one reaches `wikicast tail` (the first may precede its subscription). */
const TAIL_SUBSCRIBE_TIMEOUT_MS = 30_000;
/** How long an event may take from the wiki (or its job queue) to a reader. */
const DELIVERY_TIMEOUT_MS = 15_000;
const TOKEN_TTL_S = 12;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const BOB_PASSWORD = 'Pw-bob-0123456789';
const MALLORY_PASSWORD = 'Pw-mallory-0123456789';

/**
 * Issue 6 from the reader's side: the whole path MediaWiki → ingest → RabbitMQ → edge → readers.
 * A WebSocket subscriber holding a token from action=wikicasttoken and a `wikicast tail` process
 * get edits made through the MediaWiki API, and a wiki page in headless Chromium (with
 * ext.wikicast and the global webSocket) shows the "edited by someone else" notice. With ingest
 * stopped, an edit still saves, and it reaches both once ingest is back and the job queue runs.
 */
describe('MediaWiki → ingest → edge → readers', () => {
  const wiki = testWiki('mwlive', { public: true });
  let topology: TestTopology;
  let wikisFile: { path: string; remove: () => void };
  let env: Record<string, string>;
  let ingest: ServiceProcess;
  let edge: ServiceProcess;
  let mw: TestMediaWiki;
  let admin: ApiSession;
  let browser: Browser | undefined;
  let context: BrowserContext;
  let page: Page | undefined;
  let tail: TailProcess | undefined;
  /** The WebSockets the page opened: a token that lapsed would show as a second one (4001, reconnect). */
  const pageSockets: string[] = [];
  const clients: TestClient[] = [];
  /** Uncaught errors of every page this file opens: none is allowed. */
  const pageErrors: string[] = [];

  before(async () => {
    topology = await setupTopology('mwlive');
    wikisFile = writeWikisFile([wiki]);
    env = {
      WIKICAST_AMQP_PREFIX: topology.prefix,
      WIKICAST_WIKIS_FILE: wikisFile.path,
    };
    [ingest, edge] = await Promise.all([startService('ingest', env), startService('edge', { ...env, EDGE_ID: 'mw-edge' }), ensureDebianPackages(BROWSER_PACKAGES)]);
    await Promise.all([waitUntilReady(ingest), waitUntilReady(edge)]);
    mw = await startMediaWiki({
      wikiId: wiki.id,
      secret: wiki.secret,
      ingestUrl: ingest.url,
      edgeUrl: edge.url,
      // Short-lived connection tokens, so the page has to refresh its token during the test.
      extraSettings: `$wgWikicastTokenTTL = ${TOKEN_TTL_S};`,
    });
    admin = new ApiSession(mw.apiUrl);
    await admin.login(ADMIN_USER, mw.adminPassword);
  });

  after(async () => {
    for (const client of clients) client.close();
    await tail?.stop();
    await browser?.close();
    await mw?.stop();
    await Promise.all([ingest, edge].filter(Boolean).map((s) => s.stop()));
    await topology?.cleanup();
    wikisFile?.remove();
  });

  it('an edit through the MediaWiki API reaches a WebSocket subscriber with a token from action=wikicasttoken', async () => {
    const reader = new ApiSession(mw.apiUrl);
    const { wikicasttoken } = (await reader.get({ action: 'wikicasttoken' })) as { wikicasttoken: { token: string; cid: string } };
    const client = new TestClient(`ws://127.0.0.1:${edge.port}/v1/ws?token=${encodeURIComponent(wikicasttoken.token)}`);
    clients.push(client);
    await client.opened;
    const welcome = await client.next((f) => f.op === 'welcome', 'welcome');
    assert.equal(welcome.cid, wikicasttoken.cid, 'the edge uses the wiki session\'s client id');
    client.send({ op: 'subscribe', topics: [`${wiki.id}:recentchange`], ref: 'sub' });
    await client.next((f) => f.op === 'subscribed' && f.ref === 'sub', 'subscribed');

    const edit = await admin.edit('Live page', 'hello readers', 'live edit');
    const event = await client.next(
      (f) => f.op === 'event' && (f.msg as { revision?: { new?: number } } | undefined)?.revision?.new === edit.newrevid,
      'the edit event',
    );
    assert.equal(event.topic, `${wiki.id}:recentchange`);
    assert.equal((event.msg as Record<string, unknown>).title, 'Live page');
    assert.equal((event.msg as Record<string, unknown>).user, ADMIN_USER);
  });

  /** Open WebSocket connections on the edge, by its own gauge. */
  async function edgeConnections(): Promise<number> {
    const metrics = await (await fetch(`${edge.url}/metrics`)).text();
    return Number(/^wikicast_edge_connections\{[^}]*transport="ws"[^}]*\} (\d+)$/m.exec(metrics)?.[1] ?? 0);
  }

  it('edits reach a `wikicast tail` subscriber', async () => {
    const connectionsBefore = await edgeConnections();
    tail = startTail({ url: edge.url, wikisFile: wikisFile.path, wiki: wiki.id, topics: [`${wiki.id}:recentchange`] });
    await waitFor('wikicast tail to connect to the edge', async () => (await edgeConnections()) > connectionsBefore, { timeoutMs: 30_000, intervalMs: 100 });
    // tail says nothing once it is subscribed: edit until an edit arrives (the first may precede the subscription).
    const revisions: number[] = [];
    const deadline = Date.now() + TAIL_SUBSCRIBE_TIMEOUT_MS;
    const isTailEdit = (e: { msg: { title?: string } }): boolean => e.msg.title === 'Tail page';
    let event = tail.events.find(isTailEdit);
    while (!event && Date.now() < deadline) {
      revisions.push((await admin.edit('Tail page', `version ${revisions.length}`, `tail edit ${revisions.length}`)).newrevid);
      event = await tail.find(isTailEdit, 1_000);
    }
    assert.ok(event, `wikicast tail printed no edit of Tail page: ${tail.stderr()}`);
    assert.equal(event.topic, `${wiki.id}:recentchange`);
    const revision = event.msg.revision?.new ?? 0;
    assert.ok(revisions.includes(revision), `revision ${revision} is one of ${revisions.join(', ')}`);
    assert.equal(event.type, revision === revisions[0] ? 'new' : 'edit', 'the first edit creates the page');
    assert.equal(typeof event.cursor, 'string');
  });

  it('a reader of the page in Chromium gets the global webSocket and a notice when someone else edits it', async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    context = await browser.newContext();
    page = await context.newPage();
    page.on('websocket', (socket) => pageSockets.push(socket.url()));
    page.on('pageerror', (err) => pageErrors.push(`reader page: ${err.message}`));
    await page.goto(`${mw.url}/index.php?title=Live_page`);
    assert.equal(await page.evaluate('mw.config.get("wsWikiID")'), `${wiki.id}:`);
    await page.waitForFunction('window.webSocket && window.webSocket.connected()');
    assert.equal(await page.evaluate('typeof webSocket.subscribe + typeof webSocket.send + typeof webSocket.disconnected'), 'functionfunctionfunction');
    assert.match(String(await page.evaluate('window.wsClientID')), /^WS[0-9a-f]{16}$/);

    await admin.edit('Live page', 'hello again', 'second live edit');
    const notice = page.locator('.mw-notification', { hasText: `${ADMIN_USER} just edited this page.` });
    await notice.waitFor();
    if (process.env.WIKICAST_SCREENSHOT) await page.screenshot({ path: process.env.WIKICAST_SCREENSHOT });
    assert.match(await notice.innerText(), /Show changes/);
  });

  it('the page fetches a new token from action=wikicasttoken before the first expires, and stays connected', async () => {
    assert.ok(page, 'the page of the previous test is open');
    const tokenFetches = "performance.getEntriesByType('resource').filter((e) => e.name.includes('action=wikicasttoken'))";
    await page.waitForFunction(`${tokenFetches}.length >= 2`, undefined, { timeout: TOKEN_TTL_S * 1000 + 5_000 });
    // The first token was minted before its answer arrived: it expires at the latest TTL after that.
    const firstAnswerAt = Number(await page.evaluate(`performance.timeOrigin + ${tokenFetches}[0].responseEnd`));
    const firstExpiry = firstAnswerAt + TOKEN_TTL_S * 1000;
    // What is tested is the time itself: the page must still be connected once that token is void.
    await page.waitForTimeout(Math.max(0, firstExpiry + 1_000 - Date.now()));
    assert.equal(await page.evaluate('webSocket.connected()'), true, 'still connected after the first token expired');
    assert.equal(pageSockets.length, 1, `the page kept its first connection: ${pageSockets.join(', ')}`);

    // Still authorised: another editor's change still reaches the page.
    await mw.maintenance('createAndPromote.php', ['Bob', BOB_PASSWORD]);
    const bob = new ApiSession(mw.apiUrl);
    await bob.login('Bob', BOB_PASSWORD);
    await bob.edit('Live page', 'Bob was here', 'by Bob');
    await page.locator('.mw-notification', { hasText: 'Bob just edited this page.' }).waitFor();
  });

  it("a logged-in reader is not told about their own edits, but about others'", async () => {
    assert.ok(page, 'the page of the previous tests is open');
    await context.addCookies([...admin.cookies].map(([name, value]) => ({ name, value, url: mw.url })));
    await page.goto(`${mw.url}/index.php?title=Live_page`);
    assert.equal(await page.evaluate('mw.config.get("wgUserName")'), ADMIN_USER);
    await page.waitForFunction('window.webSocket && window.webSocket.connected()');
    // Records every notice the page shows (notices with one tag replace each other on screen).
    await page.evaluate(`(() => {
      const notify = mw.notify;
      window.seenNotices = [];
      mw.notify = function (message, ...rest) {
        window.seenNotices.push($(message).text());
        return notify.call(this, message, ...rest);
      };
    })()`);
    await admin.edit('Live page', 'Admin again', 'own edit');
    const bob = new ApiSession(mw.apiUrl);
    await bob.login('Bob', BOB_PASSWORD);
    await bob.edit('Live page', 'Bob again', 'Bob after Admin');
    // Events on one topic arrive in order: once Bob's notice is there, Admin's event was handled.
    await page.waitForFunction("window.seenNotices.some((text) => text.includes('Bob just edited'))");
    assert.deepEqual(await page.evaluate("window.seenNotices.filter((text) => text.includes('Admin'))"), []);
  });

  it("blocking a user closes their live connection (error revoked, close 1008)", async () => {
    await mw.maintenance('createAndPromote.php', ['Mallory', MALLORY_PASSWORD]);
    const mallory = new ApiSession(mw.apiUrl);
    await mallory.login('Mallory', MALLORY_PASSWORD);
    const { wikicasttoken } = (await mallory.get({ action: 'wikicasttoken' })) as { wikicasttoken: { token: string } };
    const client = new TestClient(`ws://127.0.0.1:${edge.port}/v1/ws?token=${encodeURIComponent(wikicasttoken.token)}`);
    clients.push(client);
    await client.opened;
    await client.next((f) => f.op === 'welcome', 'welcome');

    const answer = await admin.post({ action: 'block', user: 'Mallory', expiry: '1 day', reason: 'test', token: await admin.csrfToken() });
    assert.ok(answer.block, JSON.stringify(answer));
    const error = await client.next((f) => f.op === 'error', 'the revoked error frame', DELIVERY_TIMEOUT_MS);
    assert.equal(error.code, 'revoked');
    assert.equal(await client.closed(DELIVERY_TIMEOUT_MS), 1008);
  });

  it('a blocked user with a page open is reconnected read-only, with no uncaught page error', async () => {
    assert.ok(browser, 'the browser of the previous tests is open');
    await mw.maintenance('createAndPromote.php', ['Trudy', MALLORY_PASSWORD]);
    const trudy = new ApiSession(mw.apiUrl);
    await trudy.login('Trudy', MALLORY_PASSWORD);
    const trudyContext = await browser.newContext();
    const { hostname } = new URL(mw.url);
    await trudyContext.addCookies([...trudy.cookies].map(([name, value]) => ({ name, value, domain: hostname, path: '/' })));
    const trudyPage = await trudyContext.newPage();
    const sockets: string[] = [];
    trudyPage.on('websocket', (socket) => sockets.push(socket.url()));
    trudyPage.on('pageerror', (err) => pageErrors.push(`blocked user's page: ${err.message}`));
    await trudyPage.goto(`${mw.url}/index.php?title=Live_page`);
    assert.equal(await trudyPage.evaluate('mw.config.get("wgUserName")'), 'Trudy');
    await trudyPage.waitForFunction('window.webSocket && window.webSocket.connected()');

    // Closed (revoked), then back on a second socket with a new token.
    const reconnected = trudyPage.waitForEvent('websocket', { timeout: DELIVERY_TIMEOUT_MS });
    const answer = await admin.post({ action: 'block', user: 'Trudy', expiry: '1 day', reason: 'test', token: await admin.csrfToken() });
    assert.ok(answer.block, JSON.stringify(answer));
    await reconnected;
    assert.equal(sockets.length, 2, 'the page reconnected once after the revocation');
    await trudyPage.waitForFunction('window.webSocket.connected()', undefined, { timeout: DELIVERY_TIMEOUT_MS });
    assert.deepEqual(pageErrors, []);
    await trudyContext.close();
  });

  it('a user who watches a page is told on whatever page they have open, with links to the page and the diff', async () => {
    assert.ok(browser, 'the browser of the previous tests is open');
    // Earlier tests' edits queued watcher jobs (this wiki runs jobs only when told): run them
    // before Wanda watches, or she would be told of those edits too.
    await mw.maintenance('runJobs.php', ['--type', 'wikicastWatchers']);
    await mw.maintenance('createAndPromote.php', ['Wanda', MALLORY_PASSWORD]);
    const wanda = new ApiSession(mw.apiUrl);
    await wanda.login('Wanda', MALLORY_PASSWORD);
    const tokens = (await wanda.get({ action: 'query', meta: 'tokens', type: 'watch' })) as { query: { tokens: { watchtoken: string } } };
    await wanda.post({ action: 'watch', titles: 'Live page', token: tokens.query.tokens.watchtoken });
    const wandaContext = await browser.newContext();
    const { hostname } = new URL(mw.url);
    await wandaContext.addCookies([...wanda.cookies].map(([name, value]) => ({ name, value, domain: hostname, path: '/' })));
    const wandaPage = await wandaContext.newPage();
    wandaPage.on('pageerror', (err) => pageErrors.push(`watcher's page: ${err.message}`));
    // The edit must come after the page subscribed to Wanda's own topic: watch the socket for the answer.
    let subscribed = false;
    wandaPage.on('websocket', (socket) => socket.on('framereceived', ({ payload }) => {
      if (String(payload).includes('"subscribed"') && String(payload).includes(`${wiki.id}:user:Wanda`)) subscribed = true;
    }));
    await wandaPage.goto(`${mw.url}/index.php?title=Special:Version`);
    await waitFor("the page's subscription to Wanda's topic", () => subscribed, { timeoutMs: DELIVERY_TIMEOUT_MS });

    const bob = new ApiSession(mw.apiUrl);
    await bob.login('Bob', BOB_PASSWORD);
    const edit = await bob.edit('Live page', 'Bob for the watchers', 'watched edit');
    await mw.maintenance('runJobs.php', ['--type', 'wikicastWatchers']);
    const notice = wandaPage.locator('.mw-notification', { hasText: 'Bob edited Live page, which you watch.' });
    await notice.waitFor({ timeout: DELIVERY_TIMEOUT_MS });
    assert.equal(await notice.locator(`a[href*="diff=${edit.newrevid}"]`).count(), 1, 'a link to the diff');
    assert.equal(await notice.locator('a[href*="Live_page"]').count() >= 1, true, 'a link to the page');
    assert.deepEqual(pageErrors, []);
    await wandaContext.close();
  });

  it('with ingest stopped an edit still saves; once ingest is back the queued edit reaches `wikicast tail` and the page', async () => {
    assert.ok(page && tail, 'the page and the tail of the previous tests are open');
    await ingest.stop();
    const bob = new ApiSession(mw.apiUrl);
    await bob.login('Bob', BOB_PASSWORD);
    const started = Date.now();
    const edit = await bob.edit('Live page', 'Bob while ingest is down', 'during the outage');
    assert.ok(Date.now() - started < 5_000, 'the save was not held up by the outage');
    // The batch is sent after the response (POSTSEND): it reaches the job queue a moment later.
    await waitFor('the batch in the job queue', async () => (await mw.queuedJobs('wikicastDeliver')) === 1, { timeoutMs: DELIVERY_TIMEOUT_MS, intervalMs: 100 });
    const isQueuedEdit = (e: { msg: { revision?: { new?: number } } }): boolean => e.msg.revision?.new === edit.newrevid;
    assert.equal(tail.events.some(isQueuedEdit), false, 'nothing reached readers while ingest was down');

    // Back on another port (its old one may be taken by now): the wiki is told where it is.
    ingest = await startService('ingest', env);
    await waitUntilReady(ingest);
    mw.configure(`$wgWikicastIngestUrl = ${JSON.stringify(ingest.url)};`);
    await mw.maintenance('runJobs.php', ['--type', 'wikicastDeliver']);
    const event = await tail.find(isQueuedEdit, DELIVERY_TIMEOUT_MS);
    assert.ok(event, `wikicast tail did not print the queued edit: ${tail.stderr()}\n${mw.wikicastLog()}`);
    assert.equal(event.msg.comment, 'during the outage');
    await page.locator(`.mw-notification a[href*="diff=${edit.newrevid}"]`).waitFor({ timeout: DELIVERY_TIMEOUT_MS });
    assert.equal(await mw.queuedJobs('wikicastDeliver'), 0);
  });
});
