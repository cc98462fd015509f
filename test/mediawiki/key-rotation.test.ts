import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { decodeProtectedHeader } from 'jose';
import {
  metricValue,
  setupTopology,
  startService,
  TestClient,
  testKey,
  testWiki,
  waitFor,
  waitUntilReady,
  withKeys,
  writeWikisFile,
  type ServiceProcess,
  type TestKey,
  type TestTopology,
  type WikisFileEntry,
} from '@wikicast/test/support';
import { ApiSession } from './api-session.js';
import { ADMIN_USER, startMediaWiki, type TestMediaWiki } from './mediawiki-harness.js';

/**
 * The wiki's side of docs/operations.md "Rotating a wiki's key" with the real extension: Debian's
 * MediaWiki, ingest and an edge. Edits keep reaching the stream and a reader at every step, ingest
 * never answers 401 and nothing waits in the job queue; once configured with the new secret and
 * `$wgWikicastSecretKeyId`, the extension's tokens (to ingest and to browsers) name the new kid.
 */
describe("rotating a wiki's key with the MediaWiki extension", () => {
  const wiki = testWiki('mwrotate');
  const oldKey: TestKey = { kid: 'old', secret: wiki.secret };
  const newKey = testKey('new');
  const topic = `${wiki.id}:recentchange`;
  let topology: TestTopology;
  let wikisFile: { path: string; remove: () => void };
  let ingest: ServiceProcess;
  let edge: ServiceProcess;
  let mw: TestMediaWiki;
  let admin: ApiSession;
  const readers: TestClient[] = [];

  before(async () => {
    topology = await setupTopology('mwrotate');
    wikisFile = writeWikisFile([wiki]);
    const env = { WIKICAST_AMQP_PREFIX: topology.prefix, WIKICAST_WIKIS_FILE: wikisFile.path };
    [ingest, edge] = await Promise.all([startService('ingest', env), startService('edge', { ...env, EDGE_ID: 'mwrotate-edge' })]);
    await Promise.all([waitUntilReady(ingest), waitUntilReady(edge)]);
    mw = await startMediaWiki({ wikiId: wiki.id, secret: wiki.secret, ingestUrl: ingest.url });
    admin = new ApiSession(mw.apiUrl);
    await admin.login(ADMIN_USER, mw.adminPassword);
  });

  after(async () => {
    for (const reader of readers) reader.close();
    await mw?.stop();
    await Promise.all([ingest, edge].filter(Boolean).map((s) => s.stop()));
    await topology?.cleanup();
    wikisFile?.remove();
  });

  async function rewriteAndReload(wikis: readonly WikisFileEntry[]): Promise<void> {
    const reloads = (s: ServiceProcess): number => s.logs.filter((l) => l.msg === 'wikis file reloaded').length;
    const before = [ingest, edge].map(reloads);
    writeFileSync(wikisFile.path, JSON.stringify(wikis));
    for (const service of [ingest, edge]) service.child.kill('SIGHUP');
    await waitFor('ingest and the edge to reload the wikis file', () => [ingest, edge].every((s, i) => reloads(s) === before[i]! + 1));
  }

  /** A reader with a connection token from the wiki's API, as a browser gets one; returns the token's kid. */
  async function reader(): Promise<{ client: TestClient; kid: unknown }> {
    const { wikicasttoken } = (await admin.get({ action: 'wikicasttoken' })) as { wikicasttoken: { token: string } };
    const client = new TestClient(`ws://127.0.0.1:${edge.port}/v1/ws?token=${encodeURIComponent(wikicasttoken.token)}`);
    readers.push(client);
    await client.opened;
    await client.next((f) => f.op === 'welcome', 'welcome');
    client.send({ op: 'subscribe', topics: [topic], ref: 'sub' });
    await client.next((f) => f.op === 'subscribed', 'subscribed');
    return { client, kid: decodeProtectedHeader(wikicasttoken.token).kid };
  }

  /** Edits a page and waits until every reader given received its recentchange event. */
  async function editReaches(step: string, clients: TestClient[]): Promise<void> {
    const edit = await admin.edit('Wikicast key rotation', `text ${step}`, step);
    for (const client of clients) {
      await client.next(
        (f) => f.op === 'event' && f.topic === topic && (f.msg as { revision?: { new?: number } }).revision?.new === edit.newrevid,
        `the event of the edit ${step}`,
        15_000,
      );
    }
  }

  it('keeps every edit flowing with no 401 through all three steps, and signs with the new kid once configured', { timeout: 180_000 }, async () => {
    const before = await reader();
    assert.equal(before.kid, undefined, 'a wiki with a single secret names no kid');
    await editReaches('before the rotation', [before.client]);

    await rewriteAndReload([withKeys(wiki, [newKey, oldKey])]);
    await editReaches('after step 1 (the wiki still signs with the old secret, no kid)', [before.client]);

    mw.configure(`$wgWikicastSecret = ${JSON.stringify(newKey.secret)};\n$wgWikicastSecretKeyId = ${JSON.stringify(newKey.kid)};`);
    const after2 = await reader();
    assert.equal(after2.kid, 'new', "the extension's browser tokens name the new key");
    await editReaches('after step 2 (the wiki signs with the new key)', [before.client, after2.client]);

    await rewriteAndReload([withKeys(wiki, [newKey])]);
    assert.equal(await before.client.closed(), 1008, 'the reader whose token the removed key signed is closed');
    await editReaches('after step 3 (the old key removed)', [after2.client]);

    assert.equal(await metricValue(ingest, 'wikicast_ingest_requests_total', { status: '401' }), 0, 'ingest never answered 401');
    assert.equal(await mw.queuedJobs('wikicastDeliver'), 0, 'nothing waits in the job queue');
    assert.doesNotMatch(mw.wikicastLog(), /refuses this wiki's secret/);
  });
});
