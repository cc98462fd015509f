import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { metricValue, startService, testWiki, waitFor, waitUntilReady } from '@wikicast/test/support';
import { ApiSession } from './api-session.js';
import { ADMIN_USER, type TestMediaWiki } from './mediawiki-harness.js';
import { startWikiWorld, type WikiWorld } from './wiki-world.js';

/**
 * Issue 20 item 4 with Debian's MediaWiki and the real ingest: one edit is one POST to ingest
 * carrying all its events (the recentchange and the page event), from a maintenance script
 * (edit.php, where MediaWiki runs deferred updates as soon as they are added) as from the API;
 * with ingest down, that one batch goes to the job queue.
 */
describe('one edit, one POST to ingest', () => {
  const wiki = testWiki('mwonepost');
  let world: WikiWorld;
  let mw: TestMediaWiki;
  let admin: ApiSession;

  before(async () => {
    world = await startWikiWorld('mwonepost', wiki);
    mw = world.mw;
    admin = new ApiSession(mw.apiUrl);
    await admin.login(ADMIN_USER, mw.adminPassword);
  });

  after(async () => {
    // The ingest started again by the outage test is not one the world started.
    await world?.ingest.stop();
    await world?.cleanup();
  });

  /** POSTs to /v1/events and the events they carried (accepted), as ingest counts them. */
  async function ingestCounts(): Promise<{ posts: number; events: number }> {
    return {
      posts: await metricValue(world.ingest, 'wikicast_ingest_requests_total', { route: '/v1/events' }),
      events: await metricValue(world.ingest, 'wikicast_ingest_events_total', { result: 'accepted' }),
    };
  }

  /** Waits until the two events of one edit (recentchange and page) were accepted, then reports the POSTs they took. */
  async function postsForOneEdit(edit: () => Promise<unknown>): Promise<number> {
    const before = await ingestCounts();
    await edit();
    await waitFor('the edit\'s two events accepted by ingest', async () => (await ingestCounts()).events >= before.events + 2, { intervalMs: 100 });
    const after = await ingestCounts();
    assert.equal(after.events - before.events, 2, 'a recentchange and a page event');
    return after.posts - before.posts;
  }

  it('an edit by maintenance/edit.php is one POST with both its events', async () => {
    await admin.edit('One post CLI', 'created through the API', 'create');
    const posts = await postsForOneEdit(() => mw.maintenance('edit.php', ['--user', ADMIN_USER, '--summary', 'from the command line', 'One post CLI'], 'edited by edit.php'));
    assert.equal(posts, 1, `one POST, not one per event\n${mw.wikicastLog()}`);
  });

  it('a new page by maintenance/edit.php is one POST too', async () => {
    const posts = await postsForOneEdit(() => mw.maintenance('edit.php', ['--user', ADMIN_USER, '--summary', 'new', 'One post CLI new'], 'created by edit.php'));
    assert.equal(posts, 1);
  });

  it('an edit through the API is one POST with both its events', async () => {
    await admin.edit('One post API', 'first', 'create');
    const posts = await postsForOneEdit(() => admin.edit('One post API', 'second', 'change'));
    assert.equal(posts, 1);
  });

  it('with ingest down, the edit.php edit\'s events are one job in the queue, delivered once ingest is back', async () => {
    await world.ingest.stop();
    await mw.maintenance('edit.php', ['--user', ADMIN_USER, '--summary', 'during the outage', 'One post CLI'], 'edited while ingest is down');
    assert.equal(await mw.queuedJobs('wikicastDeliver'), 1, `one batch queued\n${mw.wikicastLog()}`);

    world.ingest = await startService('ingest', world.serviceEnv);
    await waitUntilReady(world.ingest);
    mw.configure(`$wgWikicastIngestUrl = ${JSON.stringify(world.ingest.url)};`);
    await mw.maintenance('runJobs.php', ['--type', 'wikicastDeliver']);
    assert.deepEqual(await ingestCounts(), { posts: 1, events: 2 }, 'the queued batch arrived in one POST');
    assert.equal(await mw.queuedJobs('wikicastDeliver'), 0);
  });
});
