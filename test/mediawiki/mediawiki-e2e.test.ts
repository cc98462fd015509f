import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { validators } from '@wikicast/protocol/schemas';
import { verifyToken, WikiRegistry } from '@wikicast/service-runtime';
import {
  setupTopology,
  startService,
  testWiki,
  waitFor,
  waitUntilReady,
  writeWikisFile,
  type LogEntry,
  type ServiceProcess,
  type TestTopology,
} from '@wikicast/test/support';
import type { ConsumeMessage } from 'amqplib';
import { ApiSession } from './api-session.js';
import { ADMIN_USER, startMediaWiki, type TestMediaWiki } from './mediawiki-harness.js';

/**
 * Issue 6 end to end with the real things: Debian's MediaWiki with the extension (SQLite, PHP's
 * built-in server), the ingest service and RabbitMQ. Edits made through the MediaWiki API end up
 * in the event stream the edges deliver from; with ingest down, edits still save and the events
 * arrive from the job queue once ingest is back.
 */
describe('MediaWiki → Wikicast', () => {
  const wiki = testWiki('mwe2e');
  const registry = new WikiRegistry([wiki]);
  let topology: TestTopology;
  let wikisFile: { path: string; remove: () => void };
  let env: Record<string, string>;
  let ingest: ServiceProcess;
  let mw: TestMediaWiki;
  let admin: ApiSession;

  before(async () => {
    topology = await setupTopology('mw');
    wikisFile = writeWikisFile([wiki]);
    env = {
      WIKICAST_AMQP_PREFIX: topology.prefix,
      WIKICAST_WIKIS_FILE: wikisFile.path,
    };
    ingest = await startService('ingest', env);
    await waitUntilReady(ingest);
    mw = await startMediaWiki({
      wikiId: wiki.id,
      secret: wiki.secret,
      ingestUrl: ingest.url,
      // As Lockdown and similar extensions do: the Project namespace is for logged-in readers only.
      extraSettings: `$wgHooks['getUserPermissionsErrors'][] = static function ( $title, $user, $action, &$result ) {
        if ( $action === 'read' && $title->getNamespace() === NS_PROJECT && !$user->isRegistered() ) {
          $result = 'badaccess-group0';
          return false;
        }
        return true;
      };`,
    });
    admin = new ApiSession(mw.apiUrl);
    await admin.login(ADMIN_USER, mw.adminPassword);
  });

  after(async () => {
    await mw?.stop();
    await ingest?.stop();
    await topology?.cleanup();
    wikisFile?.remove();
  });

  /** Waits until the stream holds an event matching `predicate` and returns it. */
  async function eventInLog(predicate: (event: Record<string, unknown>) => boolean, what: string): Promise<Record<string, unknown>> {
    const deadline = Date.now() + 15_000;
    let entries: LogEntry[] = [];
    while (Date.now() < deadline) {
      entries = await topology.readLog();
      const found = entries.find((entry) => predicate(entry.event));
      if (found) return found.event;
    }
    throw new Error(`no ${what} in the stream; it holds ${JSON.stringify(entries.map((e) => e.event.topic))}\n${mw.wikicastLog()}`);
  }

  const queuedDeliveries = (): Promise<number> => mw.queuedJobs('wikicastDeliver');

  it('mints connection tokens the services accept: user, groups, a client id stable per session', async () => {
    const first = (await admin.get({ action: 'wikicasttoken' })) as { wikicasttoken: { token: string; cid: string; wiki: string } };
    const second = (await admin.get({ action: 'wikicasttoken' })) as { wikicasttoken: { token: string; cid: string } };
    assert.equal(first.wikicasttoken.wiki, wiki.id);
    assert.equal(first.wikicasttoken.cid, second.wikicasttoken.cid);
    const claims = await verifyToken(first.wikicasttoken.token, registry, { audience: 'edge', allowMissingAudience: true });
    assert.equal(claims.sub, ADMIN_USER);
    assert.equal(claims.cid, first.wikicasttoken.cid);
    assert.ok(claims.groups?.includes('sysop') && claims.groups.includes('user'), JSON.stringify(claims.groups));
    assert.deepEqual(claims.send, ['*']);
    assert.ok(claims.exp - Date.now() / 1000 <= 600);

    const anonymous = (await new ApiSession(mw.apiUrl).get({ action: 'wikicasttoken' })) as { wikicasttoken: { token: string } };
    const anonymousClaims = await verifyToken(anonymous.wikicasttoken.token, registry, { audience: 'edge', allowMissingAudience: true });
    assert.equal(anonymousClaims.sub, undefined);
    assert.deepEqual(anonymousClaims.send, []);
  });

  it("names in a token's presence claim only the pages its user may read", async () => {
    const open = await admin.edit('Presence open page', 'for everyone', 'create');
    const staff = await admin.edit('Project:Presence staff page', 'for logged-in readers', 'create');
    const ids = `${open.pageid}|${staff.pageid}|999999`;
    const presenceOf = async (session: ApiSession): Promise<string[] | undefined> => {
      const answer = (await session.get({ action: 'wikicasttoken', presence: ids })) as { wikicasttoken: { token: string } };
      return (await verifyToken(answer.wikicasttoken.token, registry, { audience: 'edge', allowMissingAudience: true })).presence;
    };
    assert.deepEqual(await presenceOf(admin), [`page:${open.pageid}`, `page:${open.pageid}:editing`, `page:${staff.pageid}`, `page:${staff.pageid}:editing`]);
    assert.deepEqual(await presenceOf(new ApiSession(mw.apiUrl)), [`page:${open.pageid}`, `page:${open.pageid}:editing`], 'not the page anonymous readers may not read');
  });

  it('pages carry wsWikiID and wsClientID and load ext.wikicast, which bundles the client library', async () => {
    const response = await fetch(`${mw.url}/index.php?title=Main_Page`);
    assert.deepEqual(response.headers.getSetCookie(), [], 'anonymous page views stay cookie-less (cacheable)');
    const html = await response.text();
    assert.match(html, new RegExp(`"wsWikiID":"${wiki.id}:"`));
    assert.match(html, /"wsClientID":"WS[0-9a-f]{16}"/);
    assert.match(html, /ext\.wikicast/);
    const module = await (await fetch(`${mw.url}/load.php?modules=ext.wikicast&lang=en&skin=vector`)).text();
    assert.match(module, /mw\.loader\.implement\("ext\.wikicast@/);
    assert.match(module, /"ext\.wikicast\/lib\/wikicast\.js"/);
    assert.match(module, /Wikicast/, 'the classic bundle is inside');
    assert.doesNotMatch(module, /client bundle wikicast\.js was not found|exception/i);
  });

  it('an edit through the MediaWiki API reaches the event stream on both topics', async () => {
    const edit = await admin.edit('Wikicast e2e', 'first version', 'create it');
    const changed = await admin.edit('Wikicast e2e', 'second version', 'change it');
    const recent = await eventInLog(
      (e) => e.topic === `${wiki.id}:recentchange` && (e.msg as { revision?: { new?: number } }).revision?.new === changed.newrevid,
      'recentchange event',
    );
    const page = await eventInLog(
      (e) => e.topic === `${wiki.id}:page:${edit.pageid}` && (e.msg as { revision?: { new?: number } }).revision?.new === changed.newrevid,
      'page event',
    );
    for (const event of [recent, page]) {
      assert.ok(validators.wikiEvent.validate(event).ok, JSON.stringify(event));
      assert.equal(event.type, 'edit');
      assert.equal(event.audience, undefined, 'a public page: no audience');
      const msg = event.msg as Record<string, unknown>;
      assert.equal(msg.title, 'Wikicast e2e');
      assert.equal(msg.user, ADMIN_USER);
      assert.equal(msg.comment, 'change it');
      assert.deepEqual(msg.revision, { old: edit.newrevid, new: changed.newrevid });
      assert.deepEqual(msg.length, { old: 'first version'.length, new: 'second version'.length });
      assert.equal(msg.wiki, wiki.id);
      assert.equal(msg.server_url, mw.url);
    }
    assert.match(String(page.from), /^WS[0-9a-f]{16}$/, 'page events name the editing session');
    assert.equal(await queuedDeliveries(), 0, 'nothing was left for the job queue');
  });

  it('events about pages anonymous readers may not read carry an audience', async () => {
    const edit = await admin.edit('Project:Staff notes', 'for logged-in readers', 'private note');
    const events = [
      await eventInLog((e) => e.topic === `${wiki.id}:recentchange` && (e.msg as Record<string, unknown>).page_id === edit.pageid, 'recentchange event'),
      await eventInLog((e) => e.topic === `${wiki.id}:page:${edit.pageid}`, 'page event'),
    ];
    for (const event of events) {
      const groups = (event.audience as { groups?: string[] } | undefined)?.groups;
      assert.ok(groups && groups.length > 0 && !groups.includes('*'), JSON.stringify(event.audience));
      assert.ok(groups.includes('user'), 'logged-in readers may read it');
    }
  });

  it("an edit of a user's talk page by someone else goes to that user's topic, for them alone", async () => {
    await mw.maintenance('createAndPromote.php', ['Carol', `Pw-${Date.now()}-carol`]);
    await admin.edit('User talk:Carol', 'Hello Carol', 'a message');
    const event = await eventInLog((e) => e.topic === `${wiki.id}:user:Carol`, 'user topic event');
    assert.equal(event.type, 'talk');
    assert.deepEqual(event.audience, { users: ['Carol'] });
    assert.equal((event.msg as Record<string, unknown>).user, ADMIN_USER);
    assert.equal((event.msg as Record<string, unknown>).type, 'new');
    assert.ok((event.msg as { revision: { new: number } }).revision.new > 0);
  });

  it('log actions (protect, move, delete) are recent changes too', async () => {
    await admin.edit('Wikicast log target', 'text', 'create');
    const token = await admin.csrfToken();
    await admin.post({ action: 'protect', title: 'Wikicast log target', protections: 'edit=sysop', token });
    await admin.post({ action: 'move', from: 'Wikicast log target', to: 'Wikicast moved target', reason: 'rename', token });
    await admin.post({ action: 'delete', title: 'Wikicast moved target', reason: 'cleanup', token });
    for (const [logType, action] of [['protect', 'protect'], ['move', 'move'], ['delete', 'delete']] as const) {
      const event = await eventInLog(
        (e) => e.topic === `${wiki.id}:recentchange` && (e.msg as Record<string, unknown>).log_type === logType,
        `${logType} log event`,
      );
      const msg = event.msg as Record<string, unknown>;
      assert.equal(event.type, 'log');
      assert.equal(msg.log_action, action);
      assert.equal(msg.user, ADMIN_USER);
    }
    const deleted = await eventInLog((e) => e.type === 'delete' && String(e.topic).startsWith(`${wiki.id}:page:`), 'page delete event');
    assert.equal((deleted.msg as Record<string, unknown>).title, 'Wikicast moved target');
    const moved = await eventInLog((e) => e.type === 'move' && String(e.topic).startsWith(`${wiki.id}:page:`), 'page move event');
    assert.equal((moved.msg as Record<string, unknown>).old_title, 'Wikicast log target');

    await admin.post({ action: 'undelete', title: 'Wikicast moved target', reason: 'restore', token });
    const undeleted = await eventInLog((e) => e.type === 'undelete' && String(e.topic).startsWith(`${wiki.id}:page:`), 'page undelete event');
    const restored = undeleted.msg as Record<string, unknown>;
    assert.equal(restored.title, 'Wikicast moved target');
    assert.ok(Number(restored.page_id) > 0);
    assert.equal(undeleted.topic, `${wiki.id}:page:${restored.page_id}`);
  });

  it("other extensions' code sends with the seed's PHP API, Wikicast::send( $type, $msg, $to )", async () => {
    await mw.maintenance('eval.php', [], [
      "MediaWiki\\Extension\\Wikicast\\Wikicast::send( 'FooDataChanged', [ 'id' => 42 ] );",
      `MediaWiki\\MediaWikiServices::getInstance()->getService( 'Wikicast.Sender' )->send( '${wiki.id}:42:UpdateComments', 'hi', 'WS0123' );`,
    ].join('\n'));
    const bare = await eventInLog((e) => e.topic === `${wiki.id}:FooDataChanged`, 'seed send with a bare name');
    assert.equal(bare.type, 'FooDataChanged');
    assert.deepEqual(bare.msg, { id: 42 });
    assert.equal(bare.to, undefined);
    const addressed = await eventInLog((e) => e.topic === `${wiki.id}:42:UpdateComments`, 'seed send with wsWikiID');
    assert.deepEqual(addressed.to, ['WS0123']);
    assert.equal(addressed.msg, 'hi');
  });

  it('with ingest stopped the edit still saves; once ingest is back the queued events arrive', async () => {
    await ingest.stop();
    const started = Date.now();
    const edit = await admin.edit('Wikicast outage', 'saved while ingest is down', 'during the outage');
    assert.ok(Date.now() - started < 5_000, 'the save was not held up by the outage');
    // The batch is sent after the response (POSTSEND): it reaches the job queue a moment later.
    await waitFor('the batch in the job queue', async () => (await queuedDeliveries()) === 1, { intervalMs: 100 });

    // Back on another port (its old one may be taken by now): the wiki is told where it is.
    ingest = await startService('ingest', env);
    await waitUntilReady(ingest);
    mw.configure(`$wgWikicastIngestUrl = ${JSON.stringify(ingest.url)};`);
    await mw.maintenance('runJobs.php', ['--type', 'wikicastDeliver']);
    const event = await eventInLog(
      (e) => e.topic === `${wiki.id}:recentchange` && (e.msg as { revision?: { new?: number } }).revision?.new === edit.newrevid,
      'the queued recentchange event',
    );
    assert.equal((event.msg as Record<string, unknown>).comment, 'during the outage');
    await eventInLog((e) => e.topic === `${wiki.id}:page:${edit.pageid}`, 'the queued page event');
    assert.equal(await queuedDeliveries(), 0);
  });

  it('with a wrong secret (ingest answers 401) events are held in the job queue, and arrive once the secret is fixed', async () => {
    mw.configure(`$wgWikicastSecret = ${JSON.stringify('w'.repeat(48))};`);
    const edit = await admin.edit('Wikicast wrong secret', 'saved with a wrong secret', 'while the secret is wrong');
    await waitFor('the refused batch in the job queue', async () => (await queuedDeliveries()) === 1, { intervalMs: 100 });
    assert.match(mw.wikicastLog(), /refuses this wiki's secret \(401/, 'a loud log line says what to fix');
    // A retry while the secret is still wrong: held again, not dropped (it used to be dropped here).
    await mw.maintenance('runJobs.php', ['--type', 'wikicastDeliver', '--maxjobs', '1']);
    assert.equal(await queuedDeliveries(), 1, 'still held after a refused retry');

    mw.configure(`$wgWikicastSecret = ${JSON.stringify(wiki.secret)};`);
    await mw.maintenance('runJobs.php', ['--type', 'wikicastDeliver']);
    const event = await eventInLog(
      (e) => e.topic === `${wiki.id}:recentchange` && (e.msg as { revision?: { new?: number } }).revision?.new === edit.newrevid,
      'the held recentchange event',
    );
    assert.equal((event.msg as Record<string, unknown>).comment, 'while the secret is wrong');
    assert.equal(await queuedDeliveries(), 0);
    assert.match(mw.wikicastLog(), /delivered \d+ events held since ingest refused the wiki's secret/);
  });

  it('blocking a user asks ingest to revoke their connections', async () => {
    await mw.maintenance('createAndPromote.php', ['Mallory', `Pw-${Date.now()}-mallory`]);
    const channel = await topology.connection.createChannel();
    const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
    await channel.bindQueue(queue, topology.names.control, '');
    const controls: Array<Record<string, unknown>> = [];
    await channel.consume(queue, (m: ConsumeMessage | null) => {
      if (m) controls.push(JSON.parse(m.content.toString('utf8')) as Record<string, unknown>);
    }, { noAck: true });
    try {
      const token = await admin.csrfToken();
      const answer = await admin.post({ action: 'block', user: 'Mallory', expiry: '1 day', reason: 'test', token });
      assert.ok(answer.block, JSON.stringify(answer));
      const deadline = Date.now() + 10_000;
      while (!controls.some((c) => c.op === 'revoke' && c.user === 'Mallory') && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const revoke = controls.find((c) => c.op === 'revoke' && c.user === 'Mallory');
      assert.ok(revoke, `no revoke message; got ${JSON.stringify(controls)}\n${mw.wikicastLog()}`);
      assert.equal(revoke.wiki, wiki.id);
      assert.equal(revoke.reason, 'blocked');
    } finally {
      await channel.close();
    }
  });
});
