import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { signToken, SseReader, TestClient, testWiki, type Frame, type ServiceProcess, type TestTopology } from '@wikicast/test/support';
import { ApiSession } from './api-session.js';
import { ADMIN_USER, type TestMediaWiki } from './mediawiki-harness.js';
import { startWikiWorld, type WikiWorld } from './wiki-world.js';

/**
 * Issue 17 with the real things (Debian's MediaWiki, ingest, an edge, RabbitMQ): the watchers of
 * a page are told of its edits on their own topics, which nobody else may read; revision deletion
 * of an edit's summary after its events went out retracts it everywhere.
 */
describe('MediaWiki watchers and retraction', () => {
  const wiki = testWiki('mwwatch', { public: true });
  let world: WikiWorld;
  let topology: TestTopology;
  let edge: ServiceProcess;
  let mw: TestMediaWiki;
  let admin: ApiSession;
  const clients: TestClient[] = [];
  const readers: SseReader[] = [];

  before(async () => {
    // Debian's 1.39 gives sysops no revision deletion: as a wiki that uses it would.
    world = await startWikiWorld('mwwatch', wiki, { extraSettings: "$wgGroupPermissions['sysop']['deleterevision'] = true;" });
    ({ topology, edge, mw } = world);
    admin = new ApiSession(mw.apiUrl);
    await admin.login(ADMIN_USER, mw.adminPassword);
  });

  after(async () => {
    for (const client of clients) client.close();
    for (const reader of readers) reader.close();
    await world?.cleanup();
  });

  /** A wiki user, logged in through the API. */
  async function user(name: string): Promise<ApiSession> {
    const password = `Pw-${Date.now()}-${name}`;
    await mw.maintenance('createAndPromote.php', [name, password]);
    const session = new ApiSession(mw.apiUrl);
    await session.login(name, password);
    return session;
  }

  async function watchPage(session: ApiSession, title: string): Promise<void> {
    const tokens = (await session.get({ action: 'query', meta: 'tokens', type: 'watch' })) as { query: { tokens: { watchtoken: string } } };
    const answer = (await session.post({ action: 'watch', titles: title, token: tokens.query.tokens.watchtoken })) as { watch?: Array<{ watched?: boolean }> };
    assert.equal(answer.watch?.[0]?.watched, true, JSON.stringify(answer));
  }

  /** A browser's connection as the user's token allows, subscribed to `topics`. */
  async function connect(name: string | null, topics: string[], since?: string): Promise<TestClient> {
    const query = name === null ? `wiki=${wiki.id}` : `token=${encodeURIComponent(await signToken(wiki, { sub: name, groups: ['*', 'user'] }))}`;
    const client = new TestClient(`ws://127.0.0.1:${edge.port}/v1/ws?${query}`);
    clients.push(client);
    await client.next((f) => f.op === 'welcome', 'welcome');
    client.send({ op: 'subscribe', topics, ref: 'sub', ...(since !== undefined ? { since } : {}) });
    await client.next((f) => (f.op === 'subscribed' || f.op === 'error') && f.ref === 'sub', 'the answer to subscribe');
    return client;
  }

  it('tells exactly the watchers who want it, on their own topics, live and on replay; nobody else may subscribe there', async () => {
    const title = 'Wikicast watched page';
    await admin.edit(title, 'first', 'create');
    // The page's creation is told to whoever watches it when its job runs: before anyone does here.
    await mw.maintenance('runJobs.php', ['--type', 'wikicastWatchers']);
    const [wendy, walt, olive] = await Promise.all([user('Wendy'), user('Walt'), user('Olive'), user('Nora')]);
    for (const session of [wendy!, walt!, olive!]) await watchPage(session, title);
    // Olive watches the page but turned the notices off.
    const optionsToken = await olive!.csrfToken();
    await olive!.post({ action: 'options', change: 'wikicast-watch-notify=0', token: optionsToken });

    const live = new Map<string, TestClient>();
    for (const name of ['Wendy', 'Walt', 'Olive', 'Nora']) live.set(name, await connect(name, [`user:${name}`]));
    const marker = await connect('Wendy', ['recentchange']);
    const markerEdit = await admin.edit('Wikicast watch marker', 'x', 'a position before the edit');
    const before = String((await marker.next((f) => (f.msg as { revision?: { new?: number } } | undefined)?.revision?.new === markerEdit.newrevid, 'the marker edit')).cursor);

    // Nobody else may subscribe to a user's topic: not another user, not an anonymous reader.
    for (const intruder of [await connect('Nora', ['user:Wendy']), await connect(null, ['user:Walt'])]) {
      const answer = intruder.frames.find((f) => f.ref === 'sub')!;
      assert.equal(answer.op, 'error');
      assert.equal(answer.code, 'forbidden');
    }

    const edit = await admin.edit(title, 'second', 'a change the watchers hear of');
    await mw.maintenance('runJobs.php', ['--type', 'wikicastWatchers']);
    const notices: Frame[] = [];
    for (const name of ['Wendy', 'Walt']) {
      const notice = await live.get(name)!.next((f) => f.type === 'watch', `the watch notice at ${name}`);
      assert.equal(notice.topic, `${wiki.id}:user:${name}`);
      assert.deepEqual(notice.audience, { users: [name] }, 'for that user alone');
      const msg = notice.msg as { title: string; user: string; comment: string; revision: { new: number } };
      assert.equal(msg.title, title);
      assert.equal(msg.user, ADMIN_USER);
      assert.equal(msg.revision.new, edit.newrevid);
      assert.ok(!JSON.stringify(notice).includes('Walt') || name === 'Walt', "Wendy's notice does not name the other watcher");
      notices.push(notice);
    }
    // Every watch event of this revision is in the stream: exactly the two.
    const stored = (await topology.readLog()).filter((e) => e.event.type === 'watch' && (e.event.msg as { revision: { new: number } }).revision.new === edit.newrevid);
    assert.deepEqual(stored.map((e) => e.event.topic).sort(), [`${wiki.id}:user:Walt`, `${wiki.id}:user:Wendy`]);
    // A later event on every user's own topic proves Olive's and Nora's sockets were caught up.
    await admin.edit('Wikicast other page', 'unrelated', 'unrelated');
    await marker.next((f) => (f.msg as { title?: string } | undefined)?.title === 'Wikicast other page', 'a later change');
    for (const name of ['Olive', 'Nora']) assert.deepEqual(live.get(name)!.events(), [], `${name} was not told`);

    // On replay: Wendy's next page resumes from before the edit and gets the notice again.
    const resumed = await connect('Wendy', ['user:Wendy'], before);
    const replayed = await resumed.next((f) => f.type === 'watch', 'the notice, replayed');
    assert.equal(replayed.id, notices[0]!.id);
  });

  it("revision deletion of an edit's summary after delivery retracts it: live, resumed and SSE readers never see it again", async () => {
    const title = 'Wikicast retracted page';
    const secret = 'a summary to hide 9d2e';
    const first = await admin.edit(title, 'first', 'create');
    const watcher = await connect('Reader', ['recentchange', `page:${first.pageid}`]);
    const markerEdit = await admin.edit('Wikicast retraction marker', 'x', 'a position before the edit');
    const since = String((await watcher.next((f) => (f.msg as { revision?: { new?: number } } | undefined)?.revision?.new === markerEdit.newrevid, 'the marker edit')).cursor);
    const sse = new SseReader(`${edge.url}/v1/sse?topics=page:${first.pageid}&wiki=${wiki.id}`);
    readers.push(sse);
    await sse.next((m) => m.event === 'wikicast.welcome', 'the SSE welcome');

    const edit = await admin.edit(title, 'second', secret);
    const delivered = await watcher.next((f) => f.topic === `${wiki.id}:recentchange` && (f.msg as { revision?: { new?: number } } | undefined)?.revision?.new === edit.newrevid, 'the edit, live');
    assert.equal((delivered.msg as { comment: string }).comment, secret, 'delivered before the deletion');
    await sse.next((m) => m.data.includes(secret), 'the edit over SSE');

    const token = await admin.csrfToken();
    const answer = (await admin.post({ action: 'revisiondelete', type: 'revision', target: title, ids: String(edit.newrevid), hide: 'comment', reason: 'test', token })) as {
      revisiondelete?: { status: string };
    };
    assert.equal(answer.revisiondelete?.status, 'Success', JSON.stringify(answer));

    for (const topic of [`${wiki.id}:recentchange`, `${wiki.id}:page:${first.pageid}`]) {
      const retract = await watcher.next((f) => f.type === 'retract' && f.topic === topic, `the retraction on ${topic}`);
      assert.deepEqual((retract.msg as { revisions: unknown }).revisions, [{ id: edit.newrevid, hidden: 2 }]);
    }
    await sse.next((m) => m.event === 'retract', 'the retraction over SSE');

    // From now on nobody gets the summary: a client resuming from before the edit, and an SSE reader resuming likewise.
    const resumed = await connect('Reader', ['recentchange', `page:${first.pageid}`], since);
    await resumed.next((f) => f.type === 'retract' && f.topic === `${wiki.id}:page:${first.pageid}`, 'the replay up to the retraction');
    const redacted = resumed.events().filter((f) => (f.msg as { revision?: { new?: number } } | undefined)?.revision?.new === edit.newrevid);
    assert.equal(redacted.length, 2, 'the edit on both topics');
    for (const event of redacted) {
      assert.equal((event.msg as { comment: string; commenthidden?: boolean }).comment, '');
      assert.equal((event.msg as { commenthidden?: boolean }).commenthidden, true);
    }
    const sseResumed = new SseReader(`${edge.url}/v1/sse?topics=page:${first.pageid}&wiki=${wiki.id}`, { 'last-event-id': since });
    readers.push(sseResumed);
    await sseResumed.next((m) => m.event === 'retract', 'the resumed SSE stream up to the retraction');
    assert.ok(!sseResumed.messages.some((m) => m.data.includes(secret)), 'the resumed SSE reader never sees the summary');
  });
});
