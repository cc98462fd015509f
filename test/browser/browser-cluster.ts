import type { Browser, Page } from 'playwright-core';
import {
  setupTopology,
  signToken,
  startService,
  testWiki,
  waitUntilReady,
  writeWikisFile,
  type ServiceProcess,
  type TestTopology,
  type TestWiki,
} from '@wikicast/test/support';
import { launchChromium } from './chromium.js';
import { startHaproxy, waitForHealthy, type HaproxyAddresses, type HaproxyProcess } from './haproxy-process.js';
import { startPageServer, type PageServer } from './page-server.js';

/**
 * The real local cluster for one browser test file: RabbitMQ topology under a unique prefix,
 * ingest and two edges (processes, port 0), the shared haproxy.cfg in front of them, a page
 * server and headless Chromium. The shared haproxy.cfg routes everything but /v1/events to the
 * edges, so pages come from the page server and connect to HAProxy cross-origin.
 */
export interface BrowserCluster {
  wiki: TestWiki;
  topology: TestTopology;
  ingest: ServiceProcess;
  /** edge1 and edge2 as HAProxy knows them; `restartEdge` replaces an entry. */
  edges: ServiceProcess[];
  /** The HAProxy now running (restartEdge replaces it; the ports stay). */
  haproxy: HaproxyProcess;
  pages: PageServer;
  browser: Browser;
  /** Opens `/pages/<name>.html` with the cluster's HAProxy URL, a reader token and `params`. */
  openPage: (name: string, params?: Record<string, string>) => Promise<Page>;
  /** POSTs one event through HAProxy to ingest and returns its id (after RabbitMQ confirmed it). */
  publish: (topic: string, type: string, msg: unknown) => Promise<string>;
  /** `wikicast_edge_connections{transport="ws"}` of one edge (null once it does not answer). */
  wsConnections: (edge: ServiceProcess) => Promise<number | null>;
  /**
   * Replaces edge `index` (stopped or killed) with a new edge process and restarts HAProxy on
   * the same ports with its address. A new process, because uWS cannot listen again on the old
   * port while that port's closed connections are in TIME_WAIT (up to a minute).
   */
  restartEdge: (index: number) => Promise<ServiceProcess>;
  /** Page console lines and errors, for failure messages. */
  pageLog: string[];
  /** Every WebSocket the pages opened, in order, with the text frames they sent. */
  pageSockets: Array<{ url: string; sent: string[] }>;
  cleanup: () => Promise<void>;
}

export async function setupBrowserCluster(label: string): Promise<BrowserCluster> {
  const cleanups: Array<() => Promise<void> | void> = [];
  const cleanup = async (): Promise<void> => {
    const errors: unknown[] = [];
    for (const step of cleanups.reverse()) {
      try {
        await step();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, `${errors.length} cleanup step(s) failed`);
  };
  try {
    return await build(label, cleanups, cleanup);
  } catch (err) {
    await cleanup().catch(() => undefined);
    throw err;
  }
}

async function build(label: string, cleanups: Array<() => Promise<void> | void>, cleanup: () => Promise<void>): Promise<BrowserCluster> {
  const wiki = testWiki(`${label.replace(/[^a-z0-9]/g, '')}wiki`);
  const topology = await setupTopology(label);
  cleanups.push(() => topology.cleanup());
  const wikisFile = writeWikisFile([wiki]);
  cleanups.push(() => wikisFile.remove());
  const env = { WIKICAST_AMQP_PREFIX: topology.prefix, WIKICAST_WIKIS_FILE: wikisFile.path };
  const edgeEnv = (index: number): Record<string, string> => ({ ...env, EDGE_ID: `${label}-edge-${index + 1}` });

  const started = await Promise.allSettled([startService('ingest', env), startService('edge', edgeEnv(0)), startService('edge', edgeEnv(1))]);
  const services: ServiceProcess[] = [];
  for (const result of started) if (result.status === 'fulfilled') services.push(result.value);
  // Every service ever started, restarted edges included, is stopped at the end.
  const everyService = [...services];
  cleanups.push(() => Promise.all(everyService.map((s) => s.stop(5_000))).then(() => undefined));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  const [ingest, ...edges] = services as [ServiceProcess, ServiceProcess, ServiceProcess];
  await Promise.all(services.map((s) => waitUntilReady(s)));

  const address = (s: ServiceProcess): string => `127.0.0.1:${s.port}`;
  const backends = (): HaproxyAddresses => ({ ingest: address(ingest), edge1: address(edges[0]!), edge2: address(edges[1]!) });
  let haproxy = await startHaproxy(backends());
  cleanups.push(() => haproxy.stop());
  // Servers count as up before their first check: wait for checks that really passed.
  await waitForHealthy(haproxy, 'ingest', 1);
  await waitForHealthy(haproxy, 'edges', 2);

  const pages = await startPageServer();
  cleanups.push(() => pages.close());
  const browser = await launchChromium();
  cleanups.push(() => browser.close());

  const pageLog: string[] = [];
  const pageSockets: Array<{ url: string; sent: string[] }> = [];
  const openPage = async (name: string, params: Record<string, string> = {}): Promise<Page> => {
    const page = await browser.newPage();
    page.on('console', (message) => pageLog.push(`[${message.type()}] ${message.text()}`));
    page.on('pageerror', (err) => pageLog.push(`[pageerror] ${err.message}`));
    page.on('websocket', (socket) => {
      const record = { url: socket.url(), sent: [] as string[] };
      pageSockets.push(record);
      socket.on('framesent', ({ payload }) => record.sent.push(typeof payload === 'string' ? payload : payload.toString('utf8')));
    });
    const query = new URLSearchParams({ url: haproxy.url, token: await signToken(wiki, { sub: 'Reader', ttlS: 600 }), ...params });
    const response = await page.goto(`${pages.url}/pages/${name}.html?${query}`);
    if (response?.ok() !== true) throw new Error(`page ${name} answered ${response?.status()}`);
    return page;
  };

  const ingestToken = await signToken(wiki, { aud: 'ingest', ttlS: 600 });
  const publish = async (topic: string, type: string, msg: unknown): Promise<string> => {
    const response = await fetch(`${haproxy.url}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ingestToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ topic, type, msg }),
    });
    const text = await response.text();
    const accepted = response.status === 202 ? (JSON.parse(text) as { accepted?: string[] }).accepted : undefined;
    if (accepted?.length !== 1) throw new Error(`publishing answered ${response.status}: ${text}`);
    return accepted[0]!;
  };

  const wsConnections = async (edge: ServiceProcess): Promise<number | null> => {
    const response = await fetch(`${edge.url}/metrics`).catch(() => null);
    if (response === null || !response.ok) return null;
    const line = (await response.text()).split('\n').find((l) => l.startsWith('wikicast_edge_connections{') && l.includes('transport="ws"'));
    return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
  };

  const restartEdge = async (index: number): Promise<ServiceProcess> => {
    await edges[index]!.stop(5_000);
    const edge = await startService('edge', edgeEnv(index));
    everyService.push(edge);
    edges[index] = edge;
    await waitUntilReady(edge);
    haproxy = await haproxy.restart(backends());
    cluster.haproxy = haproxy;
    return edge;
  };

  const cluster: BrowserCluster = { wiki, topology, ingest, edges, haproxy, pages, browser, openPage, publish, wsConnections, restartEdge, pageLog, pageSockets, cleanup };
  return cluster;
}
