import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { REPO_ROOT, startServiceWorld, testWiki, waitFor, type ServiceWorld } from '@wikicast/test/support';
import { ApiSession } from './api-session.js';
import { ADMIN_USER, startMediaWiki, type TestMediaWiki } from './mediawiki-harness.js';

const run = promisify(execFile);
const READER = join(REPO_ROOT, 'test', 'mediawiki', 'python', 'eventstreams_reader.py');

interface Line {
  id: string;
  change: { meta: { id: string; dt: string; stream: string }; title: string; comment: string; type: string; wiki: string; revision?: { new: number } };
}

/**
 * A Python EventStreams loop (Debian's python3-requests, as Wikimedia's examples read the
 * stream) pointed at the farm reads edits made through the real MediaWiki, and resumes from a
 * time and from the Last-Event-ID it was handed, with no gap and no duplicate.
 */
describe('EventStreams from Python against a real MediaWiki', () => {
  const wiki = testWiki('mwpyes', { public: true });
  let world: ServiceWorld;
  let mw: TestMediaWiki;
  let admin: ApiSession;

  before(async () => {
    world = await startServiceWorld('mw-py-es', [wiki], [{}]);
    mw = await startMediaWiki({ wikiId: wiki.id, secret: wiki.secret, ingestUrl: world.ingest.url });
    admin = new ApiSession(mw.apiUrl);
    await admin.login(ADMIN_USER, mw.adminPassword);
  });
  after(async () => {
    await mw?.stop();
    await world?.cleanup();
  });

  /** Runs the reader until it printed `count` changes of this test's wiki. */
  async function read(count: number, options: { since?: string; lastEventId?: string } = {}): Promise<Line[]> {
    const url = `${world.edges[0]!.url}/v2/stream/recentchange?wiki=${wiki.id}`;
    const args = [READER, url, '--count', String(count), '--timeout', '20'];
    if (options.since !== undefined) args.push('--since', options.since);
    if (options.lastEventId !== undefined) args.push('--last-event-id', options.lastEventId);
    const { stdout } = await run('python3', args, { timeout: 60_000 });
    return stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Line);
  }

  const summaries = (lines: Line[]): string[] => lines.map((l) => l.change.comment);

  it('reads edits live, then resumes by time and by Last-Event-ID', async () => {
    // Live: the reader is connected before the edits are made.
    const live = read(3);
    // An edit made before the reader connected would be seen only by a resume.
    await waitFor('the Python reader connected', async () => {
      const metrics = await fetch(`${world.edges[0]!.url}/metrics`).then((r) => r.text());
      return /wikicast_edge_connections\{[^}]*transport="sse"[^}]*\} [1-9]/.test(metrics);
    }, { timeoutMs: 20_000 });
    for (const n of [1, 2, 3]) await admin.edit('Python stream', `text ${n}`, `edit ${n}`);
    const first = await live;
    assert.deepEqual(summaries(first), ['edit 1', 'edit 2', 'edit 3']);
    const last = first.at(-1)!;
    assert.equal(last.change.title, 'Python stream');
    assert.equal(last.change.type, 'edit');
    assert.equal(last.change.meta.stream, 'mediawiki.recentchange');

    // Meanwhile, with no reader connected, two more edits.
    for (const n of [4, 5]) await admin.edit('Python stream', `text ${n}`, `edit ${n}`);

    const byId = await read(2, { lastEventId: last.id });
    assert.deepEqual(summaries(byId), ['edit 4', 'edit 5'], 'Last-Event-ID: exactly what followed');
    const since = new Date(Date.parse(last.change.meta.dt) + 1).toISOString();
    const byTime = await read(2, { since });
    assert.deepEqual(summaries(byTime), ['edit 4', 'edit 5'], 'since: every change stamped after the last one seen');
    const byMs = await read(5, { since: String(Date.parse(first[0]!.change.meta.dt)) });
    assert.deepEqual(summaries(byMs), ['edit 1', 'edit 2', 'edit 3', 'edit 4', 'edit 5'], 'since in ms since the epoch');
  });
});
