import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { signToken, testWiki, waitFor, type TestClient } from '@wikicast/test/support';
import { metricValue, setupEdgeWorld, subscribe, wikiEvent, type EdgeWorld } from './harness.js';

/**
 * Resume with `since` on the real RabbitMQ: from the edge's memory, from the stream when the
 * memory no longer holds the cursor, across edges, under continuous publishing, and `reset` when
 * the cursor cannot be honoured. Edge 1 keeps 1,000 recent events; edge 2 only 5, so that its
 * resumes read the stream.
 */
describe('edge resume (subscribe since)', () => {
  const wiki = testWiki('repwiki');
  let world: EdgeWorld;

  before(async () => {
    world = await setupEdgeWorld('edge-replay', [wiki], 0);
    await world.startEdge({ WIKICAST_EDGE_RECENT_EVENTS: '1000' });
    await world.startEdge({ WIKICAST_EDGE_RECENT_EVENTS: '5' });
  });
  after(async () => {
    await world?.cleanup();
  });

  async function reader(edge = 0, options: Parameters<typeof signToken>[1] = {}): Promise<TestClient> {
    const client = await world.connect({ token: await signToken(wiki, { sub: 'Reader', ...options }) }, world.edges[edge]);
    await client.next((f) => f.op === 'welcome', 'welcome');
    return client;
  }

  function events(topic: string, count: number, fields: Record<string, unknown> = {}): Array<ReturnType<typeof wikiEvent>> {
    return Array.from({ length: count }, (_, i) => wikiEvent(wiki.id, topic, { msg: { i }, ...fields }));
  }

  /** Publishes, then waits until `client` (subscribed live) has the last one; returns its cursors by id. */
  async function publishSeen(client: TestClient, batch: Array<{ id: string }>): Promise<Map<string, string>> {
    await world.publish(...batch);
    await client.next((f) => f.id === batch.at(-1)!.id, 'the last event of the batch');
    return new Map(client.events().map((f) => [String(f.id), String(f.cursor)]));
  }

  function idsOf(client: TestClient, topic: string): string[] {
    return client.events().filter((f) => f.topic === topic).map((f) => String(f.id));
  }

  for (const [edge, source] of [
    [0, 'ring'],
    [1, 'stream'],
  ] as const) {
    it(`replays what was missed from the ${source}, then continues live, exactly once and in order`, async () => {
      const topic = `${wiki.id}:resume-${source}`;
      const watcher = await reader(edge);
      await subscribe(watcher, [topic]);
      const seen = events(topic, 10);
      const cursors = await publishSeen(watcher, seen);
      const missed = [...events(topic, 20), ...events(`${wiki.id}:elsewhere`, 3)];
      await publishSeen(watcher, [...missed, ...events(topic, 1)].slice(0, 20));
      const before = await metricValue(world.edges[edge]!, 'wikicast_edge_replayed_events_total', { source });

      const resumed = await reader(edge);
      const answer = await subscribe(resumed, [topic], { since: cursors.get(seen[9]!.id) });
      assert.equal(answer.op, 'subscribed');
      const live = events(topic, 2);
      await world.publish(...live);
      await resumed.next((f) => f.id === live[1]!.id, 'the live events after the replay');
      const expected = [...missed.filter((e) => e.topic === topic).map((e) => e.id), ...live.map((e) => e.id)];
      assert.deepEqual(idsOf(resumed, topic), expected);
      assert.ok(resumed.frames.findIndex((f) => f.op === 'subscribed') < resumed.frames.findIndex((f) => f.op === 'event'), 'subscribed comes before the replay');
      assert.ok((await metricValue(world.edges[edge]!, 'wikicast_edge_replayed_events_total', { source })) >= before + 20);
    });
  }

  it('resumes on another edge with a cursor handed out by the first', async () => {
    const topic = `${wiki.id}:cross`;
    const first = await reader(0);
    await subscribe(first, [topic]);
    const seen = events(topic, 4);
    const cursors = await publishSeen(first, seen);
    const missed = events(topic, 8);
    await publishSeen(first, missed);
    for (const edge of [0, 1]) {
      const resumed = await reader(edge);
      await subscribe(resumed, [topic], { since: cursors.get(seen[1]!.id) });
      const expected = [...seen.slice(2), ...missed].map((e) => e.id);
      await resumed.next((f) => f.id === missed.at(-1)!.id, 'the last missed event');
      assert.deepEqual(idsOf(resumed, topic), expected, `edge ${edge + 1}`);
    }
  });

  it('loses and repeats nothing when resuming while events keep being published', async () => {
    const topic = `${wiki.id}:busy`;
    const watcher = await reader(1);
    await subscribe(watcher, [topic]);
    const first = events(topic, 5);
    const cursors = await publishSeen(watcher, first);
    let publishing = true;
    const published: string[] = first.map((e) => e.id);
    const publisher = (async () => {
      while (publishing) {
        const batch = events(topic, 5);
        await world.publish(...batch);
        published.push(...batch.map((e) => e.id));
      }
    })();
    await watcher.next(() => published.length > 60, 'some events published after the cursor');
    const resumed = await Promise.all([reader(0), reader(1)]);
    for (const client of resumed) await subscribe(client, [topic], { since: cursors.get(first[4]!.id) });
    await waitFor('more events after the resume', () => published.length > 150);
    publishing = false;
    await publisher;
    for (const client of [watcher, ...resumed]) await client.next((f) => f.id === published.at(-1), 'the last published event');
    const expected = published.slice(5);
    for (const client of resumed) {
      assert.deepEqual(idsOf(client, topic), expected);
      assert.equal(client.frames.find((f) => f.op === 'reset'), undefined);
    }
  });

  it('replays restricted events only to those who may read them', async () => {
    const topic = `${wiki.id}:restricted`;
    const watcher = await reader(0, { sub: 'Admin', groups: ['sysop'] });
    await subscribe(watcher, [topic]);
    const seen = events(topic, 1);
    const cursors = await publishSeen(watcher, seen);
    const open = events(topic, 2);
    const hidden = events(topic, 2, { audience: { groups: ['sysop'] } });
    await publishSeen(watcher, [open[0]!, hidden[0]!, hidden[1]!, open[1]!]);
    for (const edge of [0, 1]) {
      const admin = await reader(edge, { sub: 'Admin2', groups: ['sysop'] });
      const user = await reader(edge, { sub: 'User', groups: ['user'] });
      for (const client of [admin, user]) await subscribe(client, [topic], { since: cursors.get(seen[0]!.id) });
      await admin.next((f) => f.id === open[1]!.id, 'the replay');
      await user.next((f) => f.id === open[1]!.id, 'the replay');
      assert.deepEqual(idsOf(admin, topic), [open[0]!.id, hidden[0]!.id, hidden[1]!.id, open[1]!.id]);
      assert.deepEqual(idsOf(user, topic), [open[0]!.id, open[1]!.id]);
    }
  });

  it('paces a long replay to a slow reader instead of cutting it off (4009)', async () => {
    // 12 MiB of history against a 256 KiB buffer limit: sent at once, the reader would be cut.
    const slowWorld = await setupEdgeWorld('edge-replay-slow', [wiki], 0);
    try {
      const edge = await slowWorld.startEdge({ WIKICAST_EDGE_MAX_BUFFERED_BYTES: String(256 * 1024), WIKICAST_EDGE_RECENT_EVENTS: '300' });
      const topic = `${wiki.id}:bulk`;
      const connect = async (): Promise<TestClient> => {
        const client = await slowWorld.connect({ token: await signToken(wiki, { sub: 'Bulk' }) }, edge);
        await client.next((f) => f.op === 'welcome', 'welcome');
        return client;
      };
      const watcher = await connect();
      await subscribe(watcher, [topic]);
      const first = wikiEvent(wiki.id, topic);
      await slowWorld.publish(first);
      const cursor = String((await watcher.next((f) => f.id === first.id, 'the first event')).cursor);
      // Gone before the bulk: on a loaded machine it could itself be cut by the small limit.
      watcher.close();
      const padding = 'p'.repeat(16 * 1024);
      const bulk = Array.from({ length: 800 }, (_, n) => wikiEvent(wiki.id, topic, { msg: { n, padding } }));
      for (let i = 0; i < bulk.length; i += 100) await slowWorld.publish(...bulk.slice(i, i + 100));

      const slow = await connect();
      // A reader on a slow link: it takes 64 KiB, then pauses 10 ms, over and over.
      const raw = (slow.socket as unknown as { _socket: import('node:net').Socket })._socket;
      let taken = 0;
      raw.on('data', (chunk: Buffer) => {
        taken += chunk.length;
        if (taken < 64 * 1024) return;
        taken = 0;
        raw.pause();
        setTimeout(() => raw.resume(), 10);
      });
      await subscribe(slow, [topic], { since: cursor });
      await slow.next((f) => f.id === bulk.at(-1)!.id, 'the whole replay', 60_000);
      const live = wikiEvent(wiki.id, topic);
      await slowWorld.publish(live);
      await slow.next((f) => f.id === live.id, 'a live event after the replay');
      assert.equal(slow.closeCode, null);
      assert.deepEqual(idsOf(slow, topic), [...bulk.map((e) => e.id), live.id]);
    } finally {
      await slowWorld.cleanup();
    }
  });

  it('answers reset for a cursor naming another event, or no cursor at all, and continues live', async () => {
    const topic = `${wiki.id}:reset`;
    const watcher = await reader(0);
    await subscribe(watcher, [topic]);
    const seen = events(topic, 3);
    const cursors = await publishSeen(watcher, seen);
    const real = cursors.get(seen[1]!.id)!;
    const forged = `${real.split('.')[0]}.00000000`;
    for (const [edge, since] of [
      [0, forged],
      [1, forged],
      [0, 'not-a-cursor'],
      [1, 'zzzzzzzz.00000000'],
    ] as const) {
      const client = await reader(edge);
      await subscribe(client, [topic], { since });
      const reset = await client.next((f) => f.op === 'reset', `reset for ${since} on edge ${edge + 1}`);
      assert.deepEqual(reset.topics, [topic]);
      assert.equal(typeof reset.reason, 'string');
      const live = events(topic, 1);
      await world.publish(...live);
      await client.next((f) => f.id === live[0]!.id, 'a live event after the reset');
      assert.deepEqual(idsOf(client, topic), [live[0]!.id], 'no history after a reset');
    }
  });
});
