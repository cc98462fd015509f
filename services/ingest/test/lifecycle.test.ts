import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { signToken, testWiki, waitFor } from '@wikicast/test/support';
import { idCounts, startHarness, type IngestHarness } from './harness.js';

describe('SIGHUP reloads the wikis file', () => {
  let h: IngestHarness;
  before(async () => {
    h = await startHarness('hup');
  });
  after(async () => {
    await h?.cleanup();
  });

  const reloads = (msg: string): number => h.ingest.logs.filter((l) => l.msg === msg).length;

  it('takes added wikis and changed secrets without a restart, and keeps the old ones on a bad file', async () => {
    const added = testWiki('hupadded');
    const rotated = { ...h.otherWiki, secret: 'r'.repeat(40) };
    const oldOtherToken = await h.token(h.otherWiki);
    assert.equal((await h.post({ topic: 'x', type: 'before' }, { token: oldOtherToken })).status, 202, 'verified (and remembered) before the reload');
    assert.equal((await h.post({ topic: 'x', type: 't' }, { token: await signToken(added, { aud: 'ingest' }) })).status, 401);

    writeFileSync(h.wikisFile.path, JSON.stringify([h.wiki, rotated, added]));
    h.ingest.child.kill('SIGHUP');
    await waitFor('the reload', () => reloads('wikis file reloaded') === 1);
    assert.equal((await h.post({ topic: 'x', type: 'added' }, { token: await signToken(added, { aud: 'ingest' }) })).status, 202, 'an added wiki can publish');
    assert.equal((await h.post({ topic: 'x', type: 't' }, { token: oldOtherToken })).status, 401, 'the old secret no longer works');
    assert.equal((await h.post({ topic: 'x', type: 'rotated' }, { token: await signToken(rotated, { aud: 'ingest' }) })).status, 202);

    writeFileSync(h.wikisFile.path, '[{"id": "broken"');
    h.ingest.child.kill('SIGHUP');
    await waitFor('the failed reload to be logged', () => reloads('wikis file reload failed; keeping the wikis loaded before') === 1);
    assert.equal((await h.post({ topic: 'x', type: 'kept' }, { token: await signToken(added, { aud: 'ingest' }) })).status, 202, 'the wikis loaded before stay');
    assert.equal(h.ingest.child.exitCode, null, 'still running');
  });
});

describe('SIGTERM shuts down gracefully', () => {
  let h: IngestHarness;
  before(async () => {
    h = await startHarness('term');
  });
  after(async () => {
    await h?.cleanup();
  });

  it('finishes requests in flight with their confirms, refuses new work, and exits 0', async () => {
    const accepted: string[] = [];
    let signalledAt = Infinity;
    let acceptedAfterSignal = 0;
    const ended: string[] = [];
    let answered = 0;
    const client = async (n: number): Promise<void> => {
      for (let seq = 0; ; seq++) {
        let r;
        try {
          r = await h.post(Array.from({ length: 100 }, (_, i) => ({ topic: 'term', type: 'tick', msg: { n, seq, i } })));
        } catch (err) {
          // A request sent once the process is gone finds no listener (or a socket closing under it).
          ended.push(String((err as { cause?: { code?: string } }).cause?.code));
          return;
        }
        answered++;
        if (r.status !== 202) {
          assert.equal(r.status, 503);
          assert.equal(r.body.code, 'shutting_down');
          assert.equal(r.headers.get('connection'), 'close', 'draining answers close the connection');
          return;
        }
        if (performance.now() > signalledAt) acceptedAfterSignal++;
        accepted.push(...(r.body.accepted as string[]));
      }
    };
    const clients = Array.from({ length: 6 }, (_, n) => client(n));
    await waitFor('posting to be under way', () => answered >= 6);
    signalledAt = performance.now();
    const exitCode = h.ingest.stop(15_000);
    await Promise.all(clients);
    assert.equal(await exitCode, 0);
    const closing = h.ingest.logs.find((l) => l.msg === 'closing: finishing requests in flight');
    assert.ok(h.ingest.logs.some((l) => l.msg === 'closed'), 'logged its clean close');
    assert.ok(acceptedAfterSignal >= Number(closing?.inflight), `every request in flight at SIGTERM got its 202 (${acceptedAfterSignal} ≥ ${closing?.inflight})`);
    assert.ok(ended.every((code) => ['ECONNREFUSED', 'ECONNRESET', 'UND_ERR_SOCKET'].includes(code)), `errors: ${ended.join(', ')}`);
    const counts = idCounts(await h.topology.readLog({ timeoutMs: 20_000 }));
    assert.deepEqual(accepted.filter((id) => counts.get(id) !== 1), [], 'every 202 event is in the stream once');
  });
});
