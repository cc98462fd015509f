import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { signToken, testWiki, waitFor, type ServiceProcess, type TestClient } from '@wikicast/test/support';
import { setupEdgeWorld, subscribe, wikiEvent, type EdgeWorld } from './harness.js';

/**
 * A reader that, when its connection drops, reconnects to another edge and resumes with the
 * cursor of the last event it got: what the client library does, kept minimal here so that the
 * test shows the edge's side of the contract.
 */
class ResumingReader {
  readonly ids: string[] = [];
  #cursor: string | undefined;
  #client: TestClient | null = null;
  /** How each connection that dropped ended. */
  readonly closeCodes: number[] = [];

  constructor(
    private readonly world: EdgeWorld,
    private readonly token: string,
    private readonly topic: string,
  ) {}

  async connect(edge: ServiceProcess): Promise<void> {
    const client = await this.world.connect({ token: this.token }, edge);
    this.#client = client;
    client.socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as Record<string, unknown>;
      if (frame.op !== 'event') return;
      this.ids.push(String(frame.id));
      this.#cursor = String(frame.cursor);
    });
    await client.next((f) => f.op === 'welcome', 'welcome');
    const answer = await subscribe(client, [this.topic], this.#cursor === undefined ? {} : { since: this.#cursor });
    assert.equal(answer.op, 'subscribed');
  }

  /** Once the connection has dropped, reconnects to `edge` with the last cursor. */
  async failOver(edge: ServiceProcess): Promise<void> {
    this.closeCodes.push(await this.#client!.closed());
    await this.connect(edge);
  }
}

for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
  describe(`an edge stopped with ${signal} while events are published`, () => {
    const wiki = testWiki(`fail${signal.slice(3).toLowerCase()}`);
    let world: EdgeWorld;

    before(async () => {
      world = await setupEdgeWorld(`edge-${signal.toLowerCase()}`, [wiki], 2);
    });
    after(async () => {
      await world?.cleanup();
    });

    it('its clients resume on the other edge and every client ends with every event exactly once, in order', async () => {
      const topic = `${wiki.id}:recentchange`;
      const [doomed, survivor] = world.edges as [ServiceProcess, ServiceProcess];
      const readers: ResumingReader[] = [];
      for (let i = 0; i < 12; i++) {
        const reader = new ResumingReader(world, await signToken(wiki, { sub: `Reader${i}` }), topic);
        await reader.connect(i % 2 === 0 ? doomed : survivor);
        readers.push(reader);
      }
      const published: string[] = [];
      let publishing = true;
      const publisher = (async () => {
        while (publishing) {
          const batch = Array.from({ length: 5 }, (_, i) => wikiEvent(wiki.id, topic, { msg: { n: published.length + i } }));
          await world.publish(...batch);
          published.push(...batch.map((e) => e.id));
        }
      })();

      await waitFor('readers on the doomed edge to get events', () => readers.every((r) => r.ids.length >= 20));
      doomed.child.kill(signal);
      const doomedReaders = readers.filter((_, i) => i % 2 === 0);
      await Promise.all(doomedReaders.map((r) => r.failOver(survivor)));
      // A drain closes with 1012 ("restarting: reconnect elsewhere and resume"); a killed edge just vanishes (1006).
      for (const reader of doomedReaders) assert.equal(reader.closeCodes[0], signal === 'SIGTERM' ? 1012 : 1006);
      const exit = await doomed.exited;
      assert.equal(exit, signal === 'SIGTERM' ? 0 : 'SIGKILL');
      const atFailover = published.length;
      await waitFor('more events after the failover', () => published.length >= atFailover + 100);
      publishing = false;
      await publisher;

      await waitFor('every reader to have the last event', () => readers.every((r) => r.ids.at(-1) === published.at(-1)), { timeoutMs: 20_000 });
      for (const [i, reader] of readers.entries()) {
        assert.equal(reader.closeCodes.length, i % 2 === 0 ? 1 : 0);
        assert.deepEqual(reader.ids, published, `reader ${i}: every event exactly once, in order`);
      }
    });
  });
}
