import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { setupHaproxyCluster, signToken, SseReader, waitFor, type HaproxyCluster, type SseMessage } from '@wikicast/test/support';

/**
 * SSE through deploy/haproxy/haproxy.cfg, ingest and two edges: a quiet stream outlives HAProxy's
 * 30 s `timeout server`/`client` on the default heartbeat, and a reader whose edge restarts
 * reconnects through HAProxy with Last-Event-ID and gets exactly what it missed.
 */
describe('SSE behind HAProxy', () => {
  let cluster: HaproxyCluster;
  const readers: SseReader[] = [];

  before(async () => {
    cluster = await setupHaproxyCluster('sse-haproxy', { edges: 2, edgePorts: 'fixed' });
  });
  after(async () => {
    for (const reader of readers) reader.close();
    await cluster?.cleanup();
  });

  async function open(topic: string, headers: Record<string, string> = {}): Promise<SseReader> {
    const token = await signToken(cluster.wiki, { sub: 'Reader', ttlS: 600 });
    const reader = new SseReader(`${cluster.haproxy.url}/v1/sse?topics=${topic}&token=${token}`, headers);
    readers.push(reader);
    await reader.opened;
    assert.equal(reader.status, 200, JSON.stringify(reader.body));
    await reader.next((m) => m.event === 'wikicast.subscribed', 'subscribed');
    return reader;
  }

  const byId = (id: string) => (m: SseMessage) => m.json.id === id;

  it('keeps a quiet stream open past the proxy timeouts with the default heartbeat', async () => {
    const topic = `${cluster.wiki.id}:quiet`;
    const reader = await open(topic);
    await new Promise((resolve) => setTimeout(resolve, 35_000));
    assert.equal(reader.ended, false, 'the stream outlived 30 s of silence');
    assert.ok(reader.comments.includes('ping'));
    const id = await cluster.publish(topic, 'edit', { after: 'silence' });
    await reader.next(byId(id), 'an event after the silence');
  });

  it('resumes through HAProxy with Last-Event-ID after its edge restarted', async () => {
    const topic = `${cluster.wiki.id}:restart`;
    const reader = await open(topic);
    const seen: string[] = [];
    for (let n = 0; n < 5; n++) seen.push(await cluster.publish(topic, 'edit', { n }));
    const last = await reader.next(byId(seen.at(-1)!), 'the last seen event');
    const edge = String(reader.messages[0]!.json.edge);
    const index = [0, 1].find((i) => cluster.edgeId(i) === edge);
    assert.ok(index !== undefined, `the reader's edge ${edge} is one of the cluster's`);

    const replaced = cluster.replaceEdge(index);
    const close = await reader.next((m) => m.event === 'wikicast.close', 'the close message');
    assert.equal(close.json.code, 1012);
    await waitFor('the stream to end', () => reader.ended);
    const missed: string[] = [];
    for (let n = 0; n < 6; n++) missed.push(await cluster.publish(topic, 'edit', { missed: n }));
    await replaced;

    const resumed = await open(topic, { 'last-event-id': last.id! });
    const live = await cluster.publish(topic, 'edit', { live: true });
    await resumed.next(byId(live), 'the live event after the replay');
    assert.deepEqual(resumed.events().map((e) => e.id), [...missed, live]);
  });
});
