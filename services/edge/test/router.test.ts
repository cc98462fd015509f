import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import type { TemplatedApp } from 'uWebSockets.js';
import { createEdgeMetrics } from '../src/metrics.js';
import { Router } from '../src/router.js';
import { logEntry, RecordingSink, session } from './unit-fixtures.js';

/** What the router asks of uWS: how many sockets joined a topic, and one publish to all of them. */
class PublishingApp {
  readonly published: Array<{ topic: string; text: string }> = [];
  readonly members = new Map<string, number>();

  numSubscribers(topic: string): number {
    return this.members.get(topic) ?? 0;
  }

  publish(topic: string, text: string): boolean {
    this.published.push({ topic, text });
    return true;
  }
}

function setup() {
  const app = new PublishingApp();
  const router = new Router(app as unknown as TemplatedApp, createEdgeMetrics(new Registry()), 1 << 20);
  return { app, router };
}

describe('Router', () => {
  it('broadcasts a plain event with one publish and feeds the sessions uWS cannot reach one by one', () => {
    const { app, router } = setup();
    const ws = session(new RecordingSink(true));
    const sse = session(new RecordingSink(false));
    const elsewhere = session(new RecordingSink(false));
    for (const s of [ws, sse, elsewhere]) router.add(s);
    router.subscribe(ws, 'demo:news');
    router.subscribe(sse, 'demo:news');
    router.subscribe(elsewhere, 'demo:other');
    app.members.set('demo:news', 1);

    const entry = logEntry(1, 'demo:news');
    router.deliver(entry);
    assert.deepEqual(app.published, [{ topic: 'demo:news', text: entry.frame }]);
    assert.deepEqual((sse.sink as RecordingSink).eventIds(), [entry.event.id]);
    assert.deepEqual((elsewhere.sink as RecordingSink).written, []);
    assert.deepEqual((ws.sink as RecordingSink).written, [], 'the WebSocket got it through the publish, not twice');
  });

  it('never broadcasts a restricted event: `to` reaches those client ids, `audience` those users and groups', () => {
    const { app, router } = setup();
    const bob = session(new RecordingSink(true), { user: 'Bob', cid: 'WSbob' });
    const carol = session(new RecordingSink(true), { user: 'Carol', cid: 'WScarol', groups: ['sysop'] });
    const dave = session(new RecordingSink(true), { user: 'Dave', cid: 'WSdave' });
    for (const s of [bob, carol, dave]) {
      router.add(s);
      router.subscribe(s, 'demo:news');
    }
    app.members.set('demo:news', 3);
    const direct = logEntry(1, 'demo:news', { to: ['WSbob'] });
    const sysops = logEntry(2, 'demo:news', { audience: { groups: ['sysop'] } });
    const nobody = logEntry(3, 'demo:news', { audience: {} });
    for (const entry of [direct, sysops, nobody]) router.deliver(entry);
    assert.deepEqual(app.published, []);
    assert.deepEqual((bob.sink as RecordingSink).eventIds(), [direct.event.id]);
    assert.deepEqual((carol.sink as RecordingSink).eventIds(), [sysops.event.id]);
    assert.deepEqual((dave.sink as RecordingSink).eventIds(), [], 'an audience naming nobody reaches nobody');
  });

  it('reset tells every subscriber of the topic, and an unsubscribed or removed session hears nothing more', () => {
    const { router } = setup();
    const a = session(new RecordingSink(false));
    const b = session(new RecordingSink(false));
    const c = session(new RecordingSink(false));
    for (const s of [a, b, c]) {
      router.add(s);
      router.subscribe(s, 'demo:news');
    }
    router.unsubscribe(b, 'demo:news');
    router.remove(c);
    router.reset('demo:news', 'lost one');
    router.deliver(logEntry(5, 'demo:news'));
    assert.deepEqual(JSON.parse((a.sink as RecordingSink).written[0]!), { op: 'reset', topics: ['demo:news'], reason: 'lost one' });
    assert.equal((a.sink as RecordingSink).eventIds().length, 1);
    assert.deepEqual((b.sink as RecordingSink).written, []);
    assert.deepEqual((c.sink as RecordingSink).written, []);
    assert.equal(router.size, 2);
  });
  it('the timer sweep checks every socket only when something was published since the last sweep', () => {
    const { app, router } = setup();
    const sink = new RecordingSink(true);
    const reader = session(sink);
    router.add(reader);
    router.subscribe(reader, 'demo:news');
    app.members.set('demo:news', 1);
    router.sweepIfPublished();
    assert.equal(sink.checks, 0, 'nothing published: no sweep');
    router.deliver(logEntry(1, 'demo:news'));
    router.sweepIfPublished();
    assert.equal(sink.checks, 1, 'a publish since the last sweep: swept');
    router.sweepIfPublished();
    assert.equal(sink.checks, 1, 'nothing new since: no sweep');
  });
});
