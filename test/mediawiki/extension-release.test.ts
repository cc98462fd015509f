import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { REPO_ROOT, startServiceWorld, testWiki, type ServiceWorld } from '@wikicast/test/support';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../browser/chromium.js';
import { ApiSession } from './api-session.js';
import { ADMIN_USER, startMediaWiki, type TestMediaWiki } from './mediawiki-harness.js';

const run = promisify(execFile);

/**
 * Issue 19: the extension's release. `deploy/release/extension.sh` builds Wikicast-<version>.tar.gz;
 * unpacked into a fresh MediaWiki's extensions/ folder (outside this checkout, so the
 * monorepo's own bundle cannot be found) and loaded as the README says, it gives a reader's page
 * in Chromium the global webSocket and the notice of someone else's edit.
 */
describe('the extension release tarball', () => {
  const wiki = testWiki('mwrel', { public: true });
  const version = (JSON.parse(readFileSync(join(REPO_ROOT, 'packages/mediawiki/extension.json'), 'utf8')) as { version: string }).version;
  const scratch = mkdtempSync(join(tmpdir(), 'wikicast-release-'));
  const extensions = join(scratch, 'extensions');
  let archive: string;
  let world: ServiceWorld | undefined;
  let mw: TestMediaWiki | undefined;
  let browser: Browser | undefined;

  before(async () => {
    const { stdout } = await run('bash', [join(REPO_ROOT, 'deploy/release/extension.sh'), join(scratch, 'out')], { cwd: scratch });
    archive = stdout.trim();
  });

  after(async () => {
    await browser?.close();
    await mw?.stop();
    await world?.cleanup();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('is named for the extension\'s version and holds one Wikicast/ folder with the client bundle', async () => {
    assert.equal(archive, join(scratch, 'out', `Wikicast-${version}.tar.gz`));
    const entries = (await run('tar', ['-tzf', archive])).stdout.trim().split('\n');
    assert.deepEqual(entries.filter((e) => !e.startsWith('Wikicast/')), []);
    for (const file of ['extension.json', 'includes/ClientModule.php', 'modules/ext.wikicast/init.js', 'i18n/en.json', 'resources/lib/wikicast.js', 'LICENSE', 'CHANGELOG.md']) {
      assert.ok(entries.includes(`Wikicast/${file}`), `Wikicast/${file} is in the tarball`);
    }
    assert.deepEqual(entries.filter((e) => /node_modules|\.ts$/.test(e)), [], 'no Node code or dependencies');
    // Built afresh by the script: the bundle it carries is the one this checkout builds.
    const bundle = (await run('tar', ['-xzOf', archive, 'Wikicast/resources/lib/wikicast.js'], { maxBuffer: 16 * 1024 * 1024 })).stdout;
    assert.equal(bundle, readFileSync(join(REPO_ROOT, 'packages/client/dist/wikicast.js'), 'utf8'));
  });

  it('is the same archive, byte for byte, when built again', async () => {
    const again = (await run('bash', [join(REPO_ROOT, 'deploy/release/extension.sh'), join(scratch, 'again')])).stdout.trim();
    assert.ok(readFileSync(again).equals(readFileSync(archive)));
  });

  it('unpacked into extensions/ of a fresh MediaWiki, it delivers an edit to a reader\'s page in Chromium', async () => {
    mkdirSync(extensions);
    await run('tar', ['-xzf', archive, '-C', extensions]);
    // Where ClientModule would look in a monorepo checkout: not here, so the release's own copy is used.
    assert.equal(existsSync(join(scratch, 'client')), false);
    world = await startServiceWorld('mwrel', [wiki], [{}]);
    const edge = world.edges[0]!;
    mw = await startMediaWiki({ wikiId: wiki.id, secret: wiki.secret, ingestUrl: world.ingest.url, edgeUrl: edge.url, extensionsDir: extensions });
    const admin = new ApiSession(mw.apiUrl);
    await admin.login(ADMIN_USER, mw.adminPassword);

    // The notice is for readers of an existing page: create it before the reader opens it.
    await admin.edit('Release page', 'first version', 'create');
    browser = await launchChromium();
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    await page.goto(`${mw.url}/index.php?title=Release_page`);
    await page.waitForFunction('window.webSocket && window.webSocket.connected()');
    await admin.edit('Release page', 'from the release', 'release edit');
    await page.locator('.mw-notification', { hasText: `${ADMIN_USER} just edited this page.` }).waitFor();
    assert.deepEqual(pageErrors.filter((e) => e.includes('Wikicast')), [], 'ResourceLoader found the bundle');
  });
});
