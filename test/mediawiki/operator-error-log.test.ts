import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { testWiki, waitFor } from '@wikicast/test/support';
import { ApiSession } from './api-session.js';
import { ADMIN_USER } from './mediawiki-harness.js';
import { startWikiWorld, type WikiWorld } from './wiki-world.js';

/**
 * Issue 20, item 2: what only an operator can fix is seen on a wiki whose LocalSettings.php names
 * no log group for the `Wikicast` channel (a default install, where MediaWiki writes the channel
 * nowhere): warnings and worse also go to PHP's error log, with their level. Checked for a
 * missing client bundle (warning), a wrong secret on an edit (critical) and ingest being down
 * (warning), and that an edit that goes through writes nothing there.
 */
describe("the extension's warnings in PHP's error log", () => {
  const wiki = testWiki('mwerrlog', { public: true });
  let world: WikiWorld;
  let errorLog: string;
  let admin: ApiSession;

  before(async () => {
    world = await startWikiWorld('mwerrlog', wiki);
    errorLog = join(world.mw.dir, 'php-errors.log');
    // A default install: no log group for the channel. PHP's error log to a file, as php.ini would.
    world.mw.configure(`unset( $wgDebugLogGroups['Wikicast'] );\nini_set( 'error_log', ${JSON.stringify(errorLog)} );`);
    admin = new ApiSession(world.mw.apiUrl);
    await admin.login(ADMIN_USER, world.mw.adminPassword);
  });

  after(async () => {
    await world?.cleanup();
  });

  function errorLogText(): string {
    return existsSync(errorLog) ? readFileSync(errorLog, 'utf8') : '';
  }

  it('an edit delivered as it should be writes nothing there', async () => {
    await admin.edit('Error log page', 'fine', 'delivered');
    // The next test's line proves the log is written at all; here nothing of Wikicast may be in it.
    assert.doesNotMatch(errorLogText(), /Wikicast/);
  });

  it('a missing client bundle is a warning there when ResourceLoader builds the module', async () => {
    world.mw.configure(`$wgWikicastClientScript = '/nonexistent/wikicast.js';`);
    try {
      const module = await fetch(`${world.mw.url}/load.php?modules=ext.wikicast&only=scripts&lang=en&skin=vector&debug=1`);
      assert.equal(module.status, 200);
      await waitFor('the warning in PHP\'s error log', () =>
        /\[warning\] Wikicast: the client bundle wikicast\.js was not found \(looked in \/nonexistent\/wikicast\.js\)/.test(errorLogText()));
    } finally {
      world.mw.configure('$wgWikicastClientScript = null;');
    }
  });

  it('an edit with a wrong secret is a critical line there, saying what to fix', async () => {
    world.mw.configure(`$wgWikicastSecret = '${'w'.repeat(64)}';`);
    try {
      await admin.edit('Error log page', 'with a wrong secret', 'refused');
      await waitFor('the refusal in PHP\'s error log', () =>
        /\[critical\] Wikicast ingest refuses this wiki's secret \(401: .*make \$wgWikicastSecret match/.test(errorLogText()));
    } finally {
      world.mw.configure(`$wgWikicastSecret = ${JSON.stringify(wiki.secret)};`);
    }
  });

  it('an edit while ingest is down is a warning there', async () => {
    world.mw.configure(`$wgWikicastIngestUrl = 'http://127.0.0.1:9';`);
    try {
      await admin.edit('Error log page', 'ingest is down', 'queued');
      await waitFor('the outage in PHP\'s error log', () =>
        /\[warning\] Wikicast ingest unavailable \(0 .*\); \d+ events queued for retry/.test(errorLogText()));
    } finally {
      world.mw.configure(`$wgWikicastIngestUrl = ${JSON.stringify(world.ingest.url)};`);
    }
  });
});
