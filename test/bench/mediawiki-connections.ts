/**
 * Connections per 1,000 page views of a wiki (issue 20 item 5): Chromium opens a mix of pages
 * (content, history, special pages, the edit form; anonymous and logged in) of Debian's MediaWiki
 * with the extension, and counts the WebSockets each page opened. Three configurations: the
 * extension as it was before the client became lazy (its browser modules from commit
 * BEFORE_COMMIT, which connected on every page), as it is now, and now with
 * $wgWikicastAnonymousConnections = false. Writes docs/benchmarks/mediawiki-connections.md.
 *
 *   node --conditions=wikicast-source --import tsx test/bench/mediawiki-connections.ts [--rounds 2] [--out FILE]
 *
 * Needs RabbitMQ on 127.0.0.1:5672 (as the tests); installs MediaWiki and Chromium when missing.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT, testWiki } from '@wikicast/test/support';
import type { Browser, BrowserContext } from 'playwright-core';
import { launchChromium } from '../browser/chromium.js';
import { ApiSession } from '../mediawiki/api-session.js';
import { ADMIN_USER, EXTENSION_DIR } from '../mediawiki/mediawiki-harness.js';
import { startWikiWorld, type WikiWorld } from '../mediawiki/wiki-world.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '2' },
    out: { type: 'string', default: join(REPO_ROOT, 'docs', 'benchmarks', 'mediawiki-connections.md') },
  },
});

/** The last commit whose ext.wikicast connected on every page it was loaded on. */
const BEFORE_COMMIT = '137f7e3';
const PASSWORD = 'Pw-bench-0123456789';
/**
 * Every module the page asked for ran (ext.wikicast, and ext.wikicast.rcfilters, which subscribes
 * when it runs, on Special:RecentChanges): what will subscribe on load has by then.
 */
const ALL_MODULES_SETTLED = `mw.loader.getState('ext.wikicast') === 'ready' && mw.loader.getModuleNames().every(
  (name) => ['registered', 'ready', 'error', 'missing'].includes(mw.loader.getState(name)))`;
/** How long a page that started connecting may take to open its socket. */
const CONNECT_TIMEOUT_MS = 15_000;

interface PageKind {
  name: string;
  path: string;
  loggedIn: boolean;
  /** Views of this kind in one round of the mix (a round is 20 views). */
  views: number;
}

/**
 * One round of 20 page views: mostly anonymous readers of articles, as on a public wiki; the rest
 * spread over what else people open. Shares are a choice, stated in the document.
 */
const MIX: readonly PageKind[] = [
  { name: 'article, anonymous', path: 'title=Bench_page', loggedIn: false, views: 10 },
  { name: 'history, anonymous', path: 'title=Bench_page&action=history', loggedIn: false, views: 1 },
  { name: 'Special:Search, anonymous', path: 'title=Special:Search&search=bench&fulltext=1', loggedIn: false, views: 1 },
  { name: 'Special:UserLogin, anonymous', path: 'title=Special:UserLogin', loggedIn: false, views: 1 },
  { name: 'Special:RecentChanges, anonymous', path: 'title=Special:RecentChanges', loggedIn: false, views: 1 },
  { name: 'article, logged in', path: 'title=Bench_page', loggedIn: true, views: 3 },
  { name: 'history, logged in', path: 'title=Bench_page&action=history', loggedIn: true, views: 1 },
  { name: 'Special:Version, logged in', path: 'title=Special:Version', loggedIn: true, views: 1 },
  { name: 'edit form, logged in', path: 'title=Bench_page&action=edit', loggedIn: true, views: 1 },
];
const VIEWS_PER_ROUND = MIX.reduce((sum, kind) => sum + kind.views, 0);

interface Configuration {
  name: string;
  /** An extensions/ folder holding Wikicast; unset: this checkout. */
  extensionsDir?: string;
  extraSettings?: string;
}

/** This checkout's extension with the browser modules of BEFORE_COMMIT, as an extensions/ folder. */
function extensionBefore(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wikicast-bench-ext-'));
  const target = join(dir, 'Wikicast');
  cpSync(EXTENSION_DIR, target, { recursive: true });
  const modules = 'packages/mediawiki/modules/ext.wikicast';
  const files = execFileSync('git', ['-C', REPO_ROOT, 'ls-tree', '--name-only', `${BEFORE_COMMIT}:${modules}`], { encoding: 'utf8' }).trim().split('\n');
  for (const file of files) {
    writeFileSync(join(target, 'modules', 'ext.wikicast', file), execFileSync('git', ['-C', REPO_ROOT, 'show', `${BEFORE_COMMIT}:${modules}/${file}`]));
  }
  // Where a release carries the client bundle (ClientModule::BUNDLE_CANDIDATES).
  mkdirSync(join(target, 'resources', 'lib'), { recursive: true });
  cpSync(join(REPO_ROOT, 'packages', 'client', 'dist', 'wikicast.js'), join(target, 'resources', 'lib', 'wikicast.js'));
  return dir;
}

/** Opens `path` in a fresh context and returns the WebSockets it opened once ext.wikicast ran (and connected, if it started to). */
async function socketsOfView(browser: Browser, url: string, kind: PageKind, cookies: Map<string, string>): Promise<number> {
  const context: BrowserContext = await browser.newContext();
  try {
    if (kind.loggedIn) {
      const { hostname } = new URL(url);
      await context.addCookies([...cookies].map(([name, value]) => ({ name, value, domain: hostname, path: '/' })));
    }
    const page = await context.newPage();
    let sockets = 0;
    const errors: string[] = [];
    page.on('websocket', () => sockets++);
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`${url}/index.php?${kind.path}`);
    await page.waitForFunction(ALL_MODULES_SETTLED);
    const state = String(await page.evaluate('webSocket.state'));
    if (state === 'connecting' || state === 'connected') {
      await page.waitForFunction('webSocket.connected()', undefined, { timeout: CONNECT_TIMEOUT_MS });
    }
    if (errors.length > 0) throw new Error(`${kind.name}: page errors ${errors.join('; ')}`);
    return sockets;
  } finally {
    await context.close();
  }
}

/** Sockets opened per kind of page over `rounds` rounds of the mix. */
async function measure(configuration: Configuration, rounds: number): Promise<Map<string, number>> {
  const wiki = testWiki('mwconnbench', { public: true });
  const world: WikiWorld = await startWikiWorld('mwconnbench', wiki, { browser: true, ...configuration });
  let browser: Browser | undefined;
  try {
    const admin = new ApiSession(world.mw.apiUrl);
    await admin.login(ADMIN_USER, world.mw.adminPassword);
    await admin.edit('Bench page', 'a page to read', 'create');
    await world.mw.maintenance('createAndPromote.php', ['Reader', PASSWORD]);
    const reader = new ApiSession(world.mw.apiUrl);
    await reader.login('Reader', PASSWORD);
    browser = await launchChromium();
    const sockets = new Map<string, number>();
    for (let round = 0; round < rounds; round++) {
      for (const kind of MIX) {
        for (let view = 0; view < kind.views; view++) {
          const opened = await socketsOfView(browser, world.mw.url, kind, reader.cookies);
          sockets.set(kind.name, (sockets.get(kind.name) ?? 0) + opened);
        }
      }
    }
    return sockets;
  } finally {
    await browser?.close();
    await world.cleanup();
  }
}

const perThousand = (count: number, views: number): string => String(Math.round((count / views) * 1000));

async function main(): Promise<void> {
  const rounds = Number(values.rounds);
  const before = extensionBefore();
  const configurations: Configuration[] = [
    { name: `before (ext.wikicast of ${BEFORE_COMMIT})`, extensionsDir: before },
    { name: 'now' },
    { name: 'now, $wgWikicastAnonymousConnections = false', extraSettings: '$wgWikicastAnonymousConnections = false;' },
  ];
  const results: Array<{ configuration: Configuration; sockets: Map<string, number> }> = [];
  try {
    for (const configuration of configurations) {
      console.log(`measuring: ${configuration.name}`);
      results.push({ configuration, sockets: await measure(configuration, rounds) });
    }
  } finally {
    rmSync(before, { recursive: true, force: true });
  }
  const views = rounds * VIEWS_PER_ROUND;
  const total = (sockets: Map<string, number>): number => [...sockets.values()].reduce((a, b) => a + b, 0);
  const commit = execFileSync('git', ['-C', REPO_ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  const lines = [
    '# MediaWiki: WebSocket connections per 1,000 page views',
    '',
    `Written by \`test/bench/mediawiki-connections.ts\` (${new Date().toISOString()}, commit ${commit}; Debian's MediaWiki 1.39, Chromium, one edge). ` +
      `Chromium opened ${views} page views (${rounds} rounds of the mix below), each in a fresh browser context, and counted the WebSockets each page opened ` +
      '(after ext.wikicast ran, and after it connected where it started to). The figures do not depend on the machine: each kind of page opens 0 or 1 socket every time.',
    '',
    `"Before" is this checkout's extension with the browser modules of commit ${BEFORE_COMMIT}, whose \`ext.wikicast\` connected at load on every page it was on. ` +
      '"Now" connects only when something on the page subscribes: the page notice (reading an article), the watchlist notice (logged in), presence (edit form), ' +
      "RCFilters' live updates (Special:RecentChanges) or another extension's `webSocket.subscribe` (see [mediawiki.md](../mediawiki.md#browser)).",
    '',
    `| | ${results.map((r) => r.configuration.name).join(' | ')} |`,
    `|---|${results.map(() => '---:').join('|')}|`,
    `| **connections per 1,000 page views** | ${results.map((r) => `**${perThousand(total(r.sockets), views)}**`).join(' | ')} |`,
    `| *per 1,000 views of one kind of page:* | ${results.map(() => '').join(' | ')} |`,
    ...MIX.map((kind) => `| ${kind.name} (${kind.views} of every ${VIEWS_PER_ROUND} views) | ${results.map((r) => perThousand(r.sockets.get(kind.name) ?? 0, kind.views * rounds)).join(' | ')} |`),
    '',
    'The mix (one round): ' + MIX.map((kind) => `${kind.views} × ${kind.name}`).join('; ') + '. Its shares are a choice, not a measured wiki; the per-kind rows let you weigh your own. ' +
      'A logged-in user connects on every page while the watchlist notice (preference `wikicast-watch-notify`, on by default) is on.',
    '',
    `Command: \`node --conditions=wikicast-source --import tsx test/bench/mediawiki-connections.ts --rounds ${rounds}\``,
    '',
  ];
  writeFileSync(values.out!, lines.join('\n'));
  console.log(lines.join('\n'));
}

await main();
