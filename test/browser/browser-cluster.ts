import type { Browser, Page } from 'playwright-core';
import { CleanupStack, setupHaproxyCluster, signToken, type HaproxyCluster, type ServiceProcess } from '@wikicast/test/support';
import { launchChromium } from './chromium.js';
import { startPageServer, type PageServer } from './page-server.js';

/**
 * The real local cluster for one browser test file (test/support's HAProxy cluster: RabbitMQ
 * topology under a unique prefix, ingest and two edges, the shared haproxy.cfg in front), a page
 * server and headless Chromium. The shared haproxy.cfg routes everything but /v1/events to the
 * edges, so pages come from the page server and connect to HAProxy cross-origin.
 */
export interface BrowserCluster extends Omit<HaproxyCluster, 'replaceEdge'> {
  pages: PageServer;
  browser: Browser;
  /** Opens `/pages/<name>.html` with the cluster's HAProxy URL, a reader token and `params`. */
  openPage: (name: string, params?: Record<string, string>) => Promise<Page>;
  /**
   * Replaces edge `index` (stopped or killed) with a new edge process and restarts HAProxy on
   * the same ports with its address (the cluster's edges listen on port 0).
   */
  restartEdge: (index: number) => Promise<ServiceProcess>;
  /** Page console lines and errors, for failure messages. */
  pageLog: string[];
  /** Uncaught errors of the pages: a test file fails on any (assertNoPageErrors). */
  pageErrors: string[];
  /** Fails when a page threw an uncaught error. */
  assertNoPageErrors: () => void;
  /** Every WebSocket the pages opened, in order, with the text frames they sent. */
  pageSockets: Array<{ url: string; sent: string[] }>;
}

export async function setupBrowserCluster(label: string): Promise<BrowserCluster> {
  const cluster = await setupHaproxyCluster(label, { edges: 2, edgePorts: 'ephemeral' });
  const cleanups = new CleanupStack();
  cleanups.push(() => cluster.cleanup());
  const cleanup = (): Promise<void> => cleanups.run();
  try {
    const pages = await startPageServer();
    cleanups.push(() => pages.close());
    const browser = await launchChromium();
    cleanups.push(() => browser.close());

    const pageLog: string[] = [];
    const pageErrors: string[] = [];
    const pageSockets: Array<{ url: string; sent: string[] }> = [];
    const openPage = async (name: string, params: Record<string, string> = {}): Promise<Page> => {
      const page = await browser.newPage();
      page.on('console', (message) => pageLog.push(`[${message.type()}] ${message.text()}`));
      page.on('pageerror', (err) => {
        pageLog.push(`[pageerror] ${err.message}`);
        pageErrors.push(`${name}: ${err.message}`);
      });
      page.on('websocket', (socket) => {
        const record = { url: socket.url(), sent: [] as string[] };
        pageSockets.push(record);
        socket.on('framesent', ({ payload }) => record.sent.push(typeof payload === 'string' ? payload : payload.toString('utf8')));
      });
      const query = new URLSearchParams({ url: cluster.haproxy.url, token: await signToken(cluster.wiki, { sub: 'Reader', ttlS: 600 }), ...params });
      const response = await page.goto(`${pages.url}/pages/${name}.html?${query}`);
      if (response?.ok() !== true) throw new Error(`page ${name} answered ${response?.status()}`);
      return page;
    };

    // Getters, not copies: restartEdge replaces HAProxy and the edge in its slot.
    return {
      get haproxy() {
        return cluster.haproxy;
      },
      wiki: cluster.wiki,
      topology: cluster.topology,
      ingest: cluster.ingest,
      edges: cluster.edges,
      edgeId: cluster.edgeId,
      publish: cluster.publish,
      wsConnections: cluster.wsConnections,
      restartEdge: (index) => cluster.replaceEdge(index),
      pages,
      browser,
      openPage,
      pageLog,
      pageErrors,
      assertNoPageErrors: () => {
        if (pageErrors.length > 0) throw new Error(`uncaught page errors:\n${pageErrors.join('\n')}`);
      },
      pageSockets,
      cleanup,
    };
  } catch (err) {
    await cleanup().catch(() => undefined);
    throw err;
  }
}
