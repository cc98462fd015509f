import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { testWiki } from '@wikicast/test/support';
import { EXTENSION_DIR, type TestMediaWiki } from './mediawiki-harness.js';
import { startWikiWorld, type WikiWorld } from './wiki-world.js';

const SCRIPT = join(EXTENSION_DIR, 'maintenance', 'checkWikicast.php');

/**
 * Issue 20 item 2 with Debian's MediaWiki, ingest and an edge: maintenance/checkWikicast.php
 * passes on a working setup and names each failure a browser alone would otherwise notice (no
 * client bundle, a wrong secret, edges that do not answer), with a non-zero exit; a missing
 * bundle is also a warning in the wiki's log when ResourceLoader builds the module.
 */
describe('maintenance/checkWikicast.php', () => {
  const wiki = testWiki('mwcheck', { public: true });
  let world: WikiWorld;
  let mw: TestMediaWiki;

  before(async () => {
    world = await startWikiWorld('mwcheck', wiki);
    mw = world.mw;
    // Only warnings and worse reach the extension's log, so a line there is at least a warning.
    mw.configure(`$wgDebugLogGroups['Wikicast'] = [ 'destination' => ${JSON.stringify(join(mw.dir, 'wikicast.log'))}, 'level' => 'warning' ];`);
  });

  after(async () => {
    await world?.cleanup();
  });

  /** Runs the script with `settings` appended for this run only (MediaWiki reads them on start). */
  async function check(settings = ''): Promise<{ status: number; stdout: string; stderr: string }> {
    if (settings !== '') mw.configure(settings);
    return mw.runScript(SCRIPT);
  }

  it('passes on a working setup: bundle found, secret accepted by ingest, edges ready', async () => {
    const { status, stdout, stderr } = await check();
    assert.equal(status, 0, stderr);
    assert.match(stdout, /ok {3}client bundle: .*wikicast\.js/);
    assert.match(stdout, /ok {3}secret: ingest .* accepted the wiki's token for "mwcheck"/);
    assert.match(stdout, /ok {3}edges: http:\/\/127\.0\.0\.1:\d+\/readyz answered 200/);
    assert.match(stdout, /All 3 checks passed/);
  });

  it('a wrong secret: ingest answers 401, and the script says what to fix', async () => {
    const { status, stderr } = await check(`$wgWikicastSecret = ${JSON.stringify('w'.repeat(48))};`);
    assert.notEqual(status, 0);
    assert.match(stderr, /FAIL secret: ingest .* refuses the wiki's secret \(401/);
    assert.match(stderr, /make \$wgWikicastSecret .* match the wiki's entry "mwcheck" in the wikis file/);
    assert.match(stderr, /1 of 3 checks failed/);
    mw.configure(`$wgWikicastSecret = ${JSON.stringify(wiki.secret)};`);
  });

  it('edges that do not answer: named with the URL it tried', async () => {
    const { status, stderr } = await check(`$wgWikicastEdgeUrl = 'ws://127.0.0.1:9/v1/ws';`);
    assert.notEqual(status, 0);
    assert.match(stderr, /FAIL edges: http:\/\/127\.0\.0\.1:9\/readyz could not be reached/);
    mw.configure(`$wgWikicastEdgeUrl = ${JSON.stringify(world.edge.url)};`);
  });

  it('no client bundle: the check fails, and the wiki logs a warning when ResourceLoader builds the module', async () => {
    const missing = join(mw.dir, 'no-such', 'wikicast.js');
    const { status, stderr } = await check(`$wgWikicastClientScript = ${JSON.stringify(missing)};`);
    assert.notEqual(status, 0);
    assert.match(stderr, new RegExp(`FAIL client bundle: wikicast\\.js is not in ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));

    const page = await fetch(`${mw.url}/load.php?modules=ext.wikicast&only=scripts&lang=en&skin=vector&debug=1`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /the client bundle wikicast\.js was not found/);
    // The log takes warnings and worse only (before()): the line is there, so it is one.
    assert.match(mw.wikicastLog(), /the client bundle wikicast\.js was not found \(looked in .*no-such\/wikicast\.js\)/);
    mw.configure(`$wgWikicastClientScript = null;`);
  });

  it('all three broken at once: three failures, one line each', async () => {
    const { status, stderr } = await check(
      `$wgWikicastSecret = ${JSON.stringify('w'.repeat(48))};\n$wgWikicastEdgeUrl = 'http://127.0.0.1:9';\n$wgWikicastClientScript = '/nonexistent/wikicast.js';`,
    );
    assert.notEqual(status, 0);
    assert.equal(stderr.split('\n').filter((line) => line.startsWith('FAIL ')).length, 3, stderr);
    assert.match(stderr, /3 of 3 checks failed/);
  });
});
