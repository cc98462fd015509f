import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  REPO_ROOT,
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

/** Edits made at most while waiting for `wikicast tail` to be subscribed. */
const TAIL_EDITS = 15;
const TOKEN_TTL_S = 12;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const BOB_PASSWORD = 'Pw-bob-0123456789';

/**
 * Issue 6 from the reader's side: the whole path MediaWiki → ingest → RabbitMQ → edge → browser.
 * A WebSocket subscriber holding a token from action=wikicasttoken gets an edit made through the
 * MediaWiki API, and a wiki page in headless Chromium (anonymous reader, with ext.wikicast and
 * the global webSocket) shows the "edited by someone else" notice.
 */
// Until the edge service is committed, a clean checkout has nothing to connect readers to.
const EDGE_MISSING = existsSync(join(REPO_ROOT, 'services/edge/src/main.ts')) ? false : 'services/edge has not landed yet';

describe('MediaWiki → ingest → edge → readers', { skip: EDGE_MISSING }, () => {
  const wiki = testWiki('mwlive', { public: true });
  let topology: TestTopology;
  let wikisFile: { path: string; remove: () => void };
  let ingest: ServiceProcess;
  let edge: ServiceProcess;
  let mw: TestMediaWiki;
  let admin: ApiSession;
  let browser: Browser | undefined;
  let context: BrowserContext;
  let page: Page | undefined;
  const clients: TestClient[] = [];

  before(async () => {
    topology = await setupTopology('mwlive');
    wikisFile = writeWikisFile([wiki]);
    const env = {
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

  it('edits reach a `wikicast tail` subscriber', async () => {
    const tail = spawn(
      process.execPath,
      [join(REPO_ROOT, 'packages/client/bin/wikicast.js'), 'tail', '--wiki', wiki.id, '--topics', `${wiki.id}:recentchange`, '--count', '1'],
      { env: { ...process.env, WIKICAST_URL: edge.url, WIKICAST_WIKIS_FILE: wikisFile.path }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    tail.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    tail.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => tail.once('exit', (code) => resolve(code)));
    try {
      // tail says nothing once it is subscribed, so edit until one edit arrives (the first may precede it).
      const revisions = new Set<number>();
      for (let i = 0; i < TAIL_EDITS && !stdout.includes('\n'); i++) {
        revisions.add((await admin.edit('Tail page', `version ${i}`, `tail edit ${i}`)).newrevid);
        await waitFor('a line from wikicast tail', () => stdout.includes('\n'), { timeoutMs: 1_000 }).catch(() => undefined);
      }
      assert.ok(stdout.includes('\n'), `wikicast tail printed nothing: ${stderr}`);
      const event = JSON.parse(stdout.split('\n')[0]!) as { topic: string; msg: { title: string; revision: { new: number } } };
      assert.equal(event.topic, `${wiki.id}:recentchange`);
      assert.equal(event.msg.title, 'Tail page');
      assert.ok(revisions.has(event.msg.revision.new));
      assert.equal(await exited, 0, stderr);
    } finally {
      tail.kill('SIGTERM');
    }
  });

  it('a reader of the page in Chromium gets the global webSocket and a notice when someone else edits it', async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    context = await browser.newContext();
    page = await context.newPage();
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
    const loadedAt = Date.now() - Number(await page.evaluate('performance.now()'));
    await page.waitForFunction(
      "performance.getEntriesByType('resource').filter((e) => e.name.includes('action=wikicasttoken')).length >= 2",
      undefined,
      { timeout: TOKEN_TTL_S * 1000 + 5_000 },
    );
    const firstExpiry = loadedAt + TOKEN_TTL_S * 1000;
    await page.waitForTimeout(Math.max(0, firstExpiry + 1_000 - Date.now()));
    assert.equal(await page.evaluate('webSocket.connected()'), true, 'still connected after the first token expired');

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
});
