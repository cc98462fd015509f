import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { publishContinuously, waitFor, type ServiceProcess } from '@wikicast/test/support';
import { setupBrowserCluster, type BrowserCluster } from './browser-cluster.js';

/** Pause between two events of the continuous publisher (about 40 events a second). */
const PUBLISH_PACE_MS = 20;

/**
 * Issue 5, "It must show": a page that uses only the seed API, behind HAProxy in front of two
 * edges, loses its edge (SIGKILL) while events keep being published, calls its `disconnected`
 * callbacks, reconnects to the other edge and ends with every event exactly once, in order.
 */
describe('seed API in Chromium: an edge is killed while events are published', () => {
  let cluster: BrowserCluster;
  let page: Page;

  before(async () => {
    cluster = await setupBrowserCluster('browser-resume');
  });

  after(async () => {
    await cluster?.cleanup();
    // After cleanup, so that a page error never leaves the cluster running.
    cluster?.assertNoPageErrors();
  });

  // What the page kept (see pages/seed-subscriber.html), and the seed API's own connected().
  const received = (): Promise<string[]> => page.evaluate<string[]>('window.received');
  const disconnectCalls = (): Promise<number[]> => page.evaluate<number[]>('window.disconnectCalls');
  const connected = (): Promise<boolean> => page.evaluate<boolean>('webSocket.connected()');

  /** The edge holding the page's one WebSocket, from the edges' own connection gauges. */
  async function edgeOfPage(): Promise<ServiceProcess> {
    let found: ServiceProcess | undefined;
    await waitFor('exactly one edge to hold the page’s connection', async () => {
      const counts = await Promise.all(cluster.edges.map((edge) => cluster.wsConnections(edge)));
      const holding = cluster.edges.filter((_, i) => counts[i] === 1);
      found = holding.length === 1 && counts.every((c) => c === 0 || c === 1) ? holding[0] : undefined;
      return found !== undefined;
    });
    return found!;
  }

  it('reconnects to the other edge and receives every event published meanwhile exactly once, in order', async () => {
    const topic = `${cluster.wiki.id}:resume`;
    page = await cluster.openPage('seed-subscriber', { topic });
    await waitFor('the page to connect', connected, { timeoutMs: 15_000 });

    // The subscription goes live a moment after `connected()`: publish until the page has one event.
    const published: string[] = [];
    await waitFor(
      'the page to receive a first event',
      async () => {
        published.push(await cluster.publish(topic, 'probe', { n: published.length }));
        return (await received()).length > 0;
      },
      { timeoutMs: 15_000, intervalMs: 200 },
    );
    await waitFor('the page to receive every probe after its first', async () => (await received()).at(-1) === published.at(-1));
    const first = published.indexOf((await received())[0]!);
    assert.ok(first >= 0, 'the first event the page received is one the test published');

    const victim = await edgeOfPage();
    const survivor = cluster.edges.find((edge) => edge !== victim)!;

    // Publish one event after another (each POST waits for RabbitMQ's confirm), paced so the
    // shared machine is not flooded, until told to stop.
    let atKill = 0;
    let socketsAtKill = 0;
    let atReconnect = 0;
    const publisher = publishContinuously(published, (n) => cluster.publish(topic, 'edit', { n }), PUBLISH_PACE_MS);
    try {
      const before = published.length;
      await waitFor('ten events published before the kill', () => published.length >= before + 10 || publisher.error !== null);
      atKill = published.length;
      socketsAtKill = cluster.pageSockets.length;
      victim.child.kill('SIGKILL');
      await victim.exited;

      await waitFor('the page’s disconnected callbacks to run', async () => (await disconnectCalls()).every((n) => n >= 1), { timeoutMs: 10_000 });
      await waitFor('the page to reconnect', connected, { timeoutMs: 20_000 });
      assert.equal(await cluster.wsConnections(survivor), 1, 'the page reconnected through HAProxy to the other edge');
      atReconnect = published.length;
      await waitFor('ten events published after the reconnection', () => published.length >= atReconnect + 10 || publisher.error !== null);
    } finally {
      await publisher.stop();
    }
    assert.equal(publisher.error, null, `publishing failed: ${String(publisher.error)}`);

    // The client's part of resuming: its new socket subscribed again from the last cursor it saw.
    const resubscribe = cluster.pageSockets
      .slice(socketsAtKill)
      .flatMap((socket) => socket.sent.map((text) => JSON.parse(text) as { op?: string; topics?: string[]; since?: unknown }))
      .find((frame) => frame.op === 'subscribe' && frame.topics?.includes(topic));
    assert.equal(typeof resubscribe?.since, 'string', `the page resubscribed with since: ${JSON.stringify(resubscribe)}`);

    const expected = published.slice(first);
    const last = expected.at(-1)!;
    await waitFor('the page to receive the last event published', async () => (await received()).includes(last), { timeoutMs: 15_000 }).catch(async (err: unknown) => {
      throw new Error(`${(err as Error).message}; page log:\n${cluster.pageLog.join('\n')}`);
    });
    const got = await received();
    const missing = expected.filter((id) => !got.includes(id)).map((id) => expected.indexOf(id));
    const duplicated = got.filter((id, i) => got.indexOf(id) !== i);
    // Events published while the page was away reach it only through the edge's replay after
    // the cursor the client resubscribes with (`since`).
    const away = `the page was away from #${atKill - first} (the kill) to about #${atReconnect - first} (connected again)`;
    assert.deepEqual(
      { missing: missing.length, duplicated: duplicated.length },
      { missing: 0, duplicated: 0 },
      `of ${expected.length} events the page missed ${missing.length} (#${missing.join(', #')}) and got ${duplicated.length} twice; ${away}`,
    );
    assert.deepEqual(got, expected, 'every event exactly once, in publishing order');
    assert.deepEqual(await disconnectCalls(), [1, 1], 'each disconnected callback ran once: one loss of connection');
  });
});
