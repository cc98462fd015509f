import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { waitFor, waitForHealthy } from '@wikicast/test/support';
import { setupBrowserCluster, type BrowserCluster } from './browser-cluster.js';

/** The page's poll interval (the seed used seconds; short here so the test is quick). */
const POLL_MS = 100;
/** A stopped loop must stay quiet for this many poll intervals, measured by the page's clock. */
const QUIET_INTERVALS = 5;

/** What pages/seed-polling.html keeps, with the seed API's connected() and the page's clock. */
interface PollingState {
  connected: boolean;
  polls: number[];
  stoppedAt: number[];
  pollScheduled: boolean;
  now: number;
}

/**
 * Issue 5, "It must show": a page that follows the seed's example (poll with setTimeout only
 * while `!webSocket.connected()`, start again from `disconnected`) stops polling once
 * connected, polls while no edge is reachable, and stops again once one is back.
 */
describe('seed polling page in Chromium', () => {
  let cluster: BrowserCluster;
  let page: Page;

  before(async () => {
    cluster = await setupBrowserCluster('browser-polling');
  });

  after(async () => {
    await cluster?.cleanup();
    // After cleanup, so that a page error never leaves the cluster running.
    cluster?.assertNoPageErrors();
  });

  const state = (): Promise<PollingState> =>
    page.evaluate<PollingState>('({ connected: webSocket.connected(), polls: window.polls, stoppedAt: window.stoppedAt, pollScheduled: window.pollScheduled, now: performance.now() })');

  /** Waits for the loop to see the connection and stop, then for a quiet stretch with no poll. */
  async function assertPollingStopped(when: string): Promise<void> {
    await waitFor(`the poll loop to stop ${when}`, async () => {
      const s = await state();
      return s.connected && !s.pollScheduled;
    }, { timeoutMs: 20_000 });
    const stoppedAt = (await state()).stoppedAt.at(-1)!;
    await waitFor(`${QUIET_INTERVALS} poll intervals to pass on the page's clock`, async () => (await state()).now >= stoppedAt + QUIET_INTERVALS * POLL_MS);
    const s = await state();
    assert.equal(s.connected, true, `still connected ${when}`);
    assert.equal(s.pollScheduled, false, `no poll scheduled ${when}`);
    assert.deepEqual(s.polls.filter((t) => t > stoppedAt), [], `no poll after the loop stopped ${when}`);
  }

  it('stops polling once connected, polls again while disconnected, and stops when an edge is back', async () => {
    page = await cluster.openPage('seed-polling', { pollMs: String(POLL_MS) });
    await assertPollingStopped('after connecting');
    assert.ok((await state()).polls.length >= 1, 'it polled while the first connection was being made');

    // No edge left behind HAProxy: both stop (closing their WebSockets with 1012).
    await Promise.all(cluster.edges.map((edge) => edge.stop()));
    const pollsBefore = (await state()).polls.length;
    await waitFor('three polls while disconnected', async () => {
      const s = await state();
      return !s.connected && s.polls.length >= pollsBefore + 3;
    });
    assert.equal((await state()).connected, false);

    // An edge comes back (a new process; HAProxy restarted on the same ports with its address).
    await cluster.restartEdge(0);
    await waitForHealthy(cluster.haproxy, 'edges', 1);
    await assertPollingStopped('after reconnecting');
    assert.ok((await state()).polls.length >= pollsBefore + 3);
  });
});
