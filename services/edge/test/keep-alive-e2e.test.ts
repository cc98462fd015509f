import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { signToken, testWiki, waitFor, type TestClient } from '@wikicast/test/support';
import { setupEdgeWorld, type EdgeWorld } from './harness.js';

/** uWS's shortest idle timeout (its timer resolution is 4 s): the edge pings every 4 s. */
const IDLE_TIMEOUT_S = 8;

/**
 * The edge's own keep-alive (KeepAlive) on a real edge: a silent client that answers pings stays
 * connected past the idle timeout, pinged about every half of it; one that never answers is
 * closed as silent, as uWS's automatic pings did before.
 */
describe('edge keep-alive pings', () => {
  const wiki = testWiki('keepalive');
  let world: EdgeWorld;

  before(async () => {
    world = await setupEdgeWorld('edge-keepalive', [wiki], 1, { WIKICAST_EDGE_IDLE_TIMEOUT_S: String(IDLE_TIMEOUT_S) });
  });
  after(async () => {
    await world?.cleanup();
  });

  async function reader(autoPong: boolean): Promise<{ client: TestClient; pings: number[] }> {
    const client = await world.connect({ token: await signToken(wiki, { sub: 'Reader' }) }, undefined, { autoPong });
    const pings: number[] = [];
    client.socket.on('ping', () => pings.push(Date.now()));
    await client.next((f) => f.op === 'welcome', 'welcome');
    return { client, pings };
  }

  it('keeps a silent client that answers pings, and closes one that does not', async () => {
    const started = Date.now();
    const [answering, mute] = await Promise.all([reader(true), reader(false)]);
    // Well past the idle timeout, with uWS's 4 s resolution on top.
    await waitFor('the mute client to be closed as silent', () => mute.client.closeCode !== null, { timeoutMs: (IDLE_TIMEOUT_S + 8) * 1000 });
    await waitFor('three idle timeouts to pass', () => Date.now() - started >= 3 * IDLE_TIMEOUT_S * 1000, { timeoutMs: 4 * IDLE_TIMEOUT_S * 1000 });
    assert.equal(answering.client.closeCode, null, 'the client that answered pings is still connected');
    assert.ok(mute.pings.length >= 1, 'the mute client was pinged before it was closed');
    const gaps = answering.pings.slice(1).map((at, i) => at - answering.pings[i]!);
    assert.ok(answering.pings.length >= 4, `pinged about every ${IDLE_TIMEOUT_S / 2} s (got ${answering.pings.length} pings in ${Date.now() - started} ms)`);
    for (const gap of gaps) assert.ok(gap < (IDLE_TIMEOUT_S / 2) * 1000 + 1_000, `pings ${gap} ms apart, at most half the idle timeout plus a tick`);
  });
});
