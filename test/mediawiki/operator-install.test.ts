import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { REPO_ROOT, startServiceWorld, TestClient, type ServiceWorld, type TestWiki } from '@wikicast/test/support';
import { ApiSession } from './api-session.js';
import { ADMIN_USER, startMediaWiki, type TestMediaWiki } from './mediawiki-harness.js';
import { codeBlocks, fillIn, operatorSection } from './operator-readme.js';

const run = promisify(execFile);

/** Where Debian's `mediawiki` package keeps extensions, as the README names it. */
const DEBIAN_EXTENSIONS = '/var/lib/mediawiki/extensions';
/** Installing the workspace and building the release in a fresh clone. */
const BUILD_TIMEOUT_MS = 300_000;

/**
 * A fresh clone of what this checkout would commit: `git clone` of its HEAD, then its working
 * files (tracked and new, not ignored) on top and in the index, so the release script, which
 * packs tracked files, sees them. No node_modules, no built bundle: as a new operator has it.
 */
async function freshClone(into: string): Promise<void> {
  await run('git', ['clone', '--quiet', REPO_ROOT, into]);
  const files = (await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 }))
    .stdout.split('\0').filter((file) => file !== '' && existsSync(join(REPO_ROOT, file)));
  for (const file of files) {
    mkdirSync(dirname(join(into, file)), { recursive: true });
    cpSync(join(REPO_ROOT, file), join(into, file));
  }
  await run('git', ['add', '-A'], { cwd: into });
}

/**
 * Issue 20, item 1: the README's steps for wiki operators, taken from the README's own text (its
 * shell blocks, the wikis file entry, the LocalSettings.php block), run on a fresh clone into a
 * fresh MediaWiki, deliver an edit to a subscriber on an edge. Only what the README leaves to the
 * operator is filled in (the secret, the two URLs) and Debian's extensions/ folder is a temporary
 * one; a step the README changes without it working breaks this test.
 */
describe("the README's install steps for wiki operators", { timeout: BUILD_TIMEOUT_MS + 120_000 }, () => {
  const section = operatorSection();
  const scratch = mkdtempSync(join(tmpdir(), 'wikicast-install-'));
  const clone = join(scratch, 'wikicast');
  const extensions = join(scratch, 'extensions');
  let world: ServiceWorld | undefined;
  let mw: TestMediaWiki | undefined;
  let client: TestClient | undefined;

  after(async () => {
    client?.close();
    await mw?.stop();
    await world?.cleanup();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('build the release on a fresh clone and unpack it into extensions/', { timeout: BUILD_TIMEOUT_MS }, async () => {
    await freshClone(clone);
    assert.equal(existsSync(join(clone, 'node_modules')), false, 'the clone starts without dependencies');
    mkdirSync(extensions);
    const blocks = codeBlocks(section, 'sh');
    assert.equal(blocks.length, 2, 'the README shows the build and the unpacking as shell blocks');
    const [build, unpack] = blocks as [string, string];
    for (const script of [build, fillIn(unpack, [[DEBIAN_EXTENSIONS, extensions]])]) {
      await run('bash', ['-euo', 'pipefail', '-c', script], { cwd: clone, env: { ...process.env, CI: 'true' }, maxBuffer: 64 * 1024 * 1024 });
    }
    assert.ok(existsSync(join(extensions, 'Wikicast', 'extension.json')), 'extensions/Wikicast is there');
    assert.ok(existsSync(join(extensions, 'Wikicast', 'resources', 'lib', 'wikicast.js')), 'with the client bundle');
  });

  it('with the wikis file entry and LocalSettings.php lines of the README, an edit reaches a subscriber on an edge', async () => {
    assert.ok(existsSync(join(extensions, 'Wikicast')), 'the previous step unpacked the release');
    const entryText = /`(\{"id"[^`]*\})`/.exec(section)?.[1];
    assert.ok(entryText, "the README shows the wiki's entry in the wikis file");
    const secret = randomBytes(32).toString('hex');
    const wiki = JSON.parse(fillIn(entryText.replace(/\s+/g, ' '), [['<32+ random characters>', secret]])) as TestWiki;
    assert.equal(wiki.public, true, 'the example lets anonymous readers connect');
    world = await startServiceWorld('mwinst', [wiki], [{}]);
    const edge = world.edges[0]!;
    const [settings] = codeBlocks(section, 'php');
    assert.ok(settings, 'the README shows the LocalSettings.php lines');
    const operatorSettings = fillIn(settings, [
      ['<the same secret as in the wikis file>', secret],
      ['http://wikicast-internal.example.org', world.ingest.url],
      ['https://live.example.org', edge.url],
    ]);
    // The wiki id of the entry is the database's name, so the README's default ($wgDBname) applies.
    mw = await startMediaWiki({ wikiId: wiki.id, secret, ingestUrl: world.ingest.url, extensionsDir: extensions, operatorSettings });

    const reader = new ApiSession(mw.apiUrl);
    const { wikicasttoken } = (await reader.get({ action: 'wikicasttoken' })) as { wikicasttoken: { token: string; url: string } };
    assert.equal(wikicasttoken.url, edge.url, 'browsers are sent to $wgWikicastEdgeUrl');
    client = new TestClient(`ws://127.0.0.1:${edge.port}/v1/ws?token=${encodeURIComponent(wikicasttoken.token)}`);
    await client.opened;
    client.send({ op: 'subscribe', topics: [`${wiki.id}:recentchange`], ref: 'sub' });
    await client.next((f) => f.op === 'subscribed' && f.ref === 'sub', 'subscribed');
    const admin = new ApiSession(mw.apiUrl);
    await admin.login(ADMIN_USER, mw.adminPassword);
    const edit = await admin.edit('Installed as the README says', 'it works', 'first edit');
    const event = await client.next(
      (f) => f.op === 'event' && (f.msg as { revision?: { new?: number } } | undefined)?.revision?.new === edit.newrevid,
      'the edit at the subscriber',
    );
    assert.equal(event.topic, `${wiki.id}:recentchange`);
  });
});
