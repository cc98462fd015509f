import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { CleanupStack, setupHaproxyCluster, testWiki, type HaproxyCluster } from '@wikicast/test/support';
import { launchChromium } from './chromium.js';
import { startPageServer, type PageServer } from './page-server.js';

/**
 * Chromium's own EventSource, on a page from another origin, reads the farm stream through
 * HAProxy: CORS lets it, the framing is what its `onmessage` and `lastEventId` expect.
 */
describe('a browser EventSource on another origin reads /v2/stream/recentchange', () => {
  const cleanups = new CleanupStack();
  let cluster: HaproxyCluster;
  let pages: PageServer;
  let browser: Browser;

  before(async () => {
    cluster = await setupHaproxyCluster('browser-es', { edges: 2, edgePorts: 'ephemeral', wiki: testWiki('esbrowser', { public: true }) });
    cleanups.push(() => cluster.cleanup());
    pages = await startPageServer();
    cleanups.push(() => pages.close());
    browser = await launchChromium();
    cleanups.push(() => browser.close());
  });
  after(() => cleanups.run());

  it('receives changes with their ids, with no page error', async () => {
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(`${pages.url}/pages/eventstreams-reader.html?${new URLSearchParams({ url: cluster.haproxy.url })}`);
    assert.notEqual(new URL(pages.url).origin, new URL(cluster.haproxy.url).origin, 'the page and the stream are different origins');
    await page.waitForFunction('window.opened === true', undefined, { timeout: 10_000 });
    const topic = `${cluster.wiki.id}:recentchange`;
    const ids: string[] = [];
    for (const title of ['One', 'Two', 'Three']) ids.push(await cluster.publish(topic, 'edit', { type: 'edit', title, wiki: cluster.wiki.id, namespace: 0, bot: false }));
    await page.waitForFunction(`window.received.length >= ${ids.length}`, undefined, { timeout: 10_000 });
    const received = await page.evaluate<Array<{ id: string; title: string; lastEventId: string }>>('window.received');
    assert.deepEqual(received.map((r) => r.id), ids);
    assert.deepEqual(received.map((r) => r.title), ['One', 'Two', 'Three']);
    for (const r of received) assert.equal((JSON.parse(r.lastEventId) as Array<{ partition: number }>)[0]!.partition, 0, 'lastEventId is the JSON array of positions');
    assert.equal(await page.evaluate<number>('window.errors'), 0, 'no EventSource error');
    assert.deepEqual(pageErrors, []);
    await page.close();
  });
});
