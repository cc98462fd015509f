import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { setupHaproxyCluster, signToken, SseReader, testWiki, TestClient, waitFor, type HaproxyCluster } from '@wikicast/test/support';
import { ensureDebianPackages } from '../mediawiki/debian-packages.js';
import { startApache, startNginx, type WebServer } from './web-servers.js';

/**
 * Issue 19: the edges on the wiki's own domain. Debian's nginx and Apache, configured with the
 * snippets of deploy/nginx/ and deploy/apache/ (their config tests pass), proxy /v1/ws,
 * /websocket, /v1/sse and /v2/stream/ to HAProxy in front of real services: a WebSocket client
 * and an SSE reader through each get an event published after they subscribed.
 */
const WEB_SERVER_PACKAGES = ['nginx', 'apache2'];
const servers = { nginx: startNginx, apache: startApache } as const;

describe('the wiki\'s web server in front of HAProxy', () => {
  const wiki = testWiki('webproxy', { public: true });
  let cluster: HaproxyCluster;

  before(async () => {
    [cluster] = await Promise.all([setupHaproxyCluster('webproxy', { edges: 1, wiki }), ensureDebianPackages(WEB_SERVER_PACKAGES)]);
  });

  after(async () => {
    await cluster?.cleanup();
  });

  for (const [name, start] of Object.entries(servers)) {
    describe(name, () => {
      let server: WebServer;
      const closers: Array<{ close: () => void }> = [];

      before(async () => {
        server = await start(new URL(cluster.haproxy.url).host);
      });

      after(async () => {
        for (const closer of closers) closer.close();
        await server?.stop();
      });

      it('accepts the configuration with the snippet', () => {
        assert.match(server.configTest, name === 'nginx' ? /test is successful/ : /Syntax OK/);
      });

      for (const path of ['/v1/ws', '/websocket']) {
        it(`a WebSocket on ${path} through ${name} gets an event`, async () => {
          const token = await signToken(wiki);
          const client = new TestClient(`${server.url.replace('http:', 'ws:')}${path}?token=${encodeURIComponent(token)}`);
          closers.push(client);
          await client.opened;
          await client.next((f) => f.op === 'welcome', 'welcome');
          const topic = `${wiki.id}:${name}-ws`;
          client.send({ op: 'subscribe', topics: [topic], ref: 'sub' });
          await client.next((f) => f.op === 'subscribed' && f.ref === 'sub', 'subscribed');
          const id = await cluster.publish(topic, 'note', { via: name, path });
          const event = await client.next((f) => f.op === 'event' && f.id === id, 'the event');
          assert.deepEqual(event.msg, { via: name, path });
        });
      }

      it(`an SSE reader of /v1/sse through ${name} gets an event as it is published`, async () => {
        const topic = `${wiki.id}:${name}-sse`;
        const reader = new SseReader(`${server.url}/v1/sse?wiki=${wiki.id}&topics=${encodeURIComponent(topic)}`);
        closers.push(reader);
        await reader.next((m) => m.event === 'wikicast.subscribed', 'SSE subscribed');
        assert.equal(reader.status, 200);
        const id = await cluster.publish(topic, 'note', { via: name });
        // Arriving at all proves the proxy does not hold the stream back until it ends.
        const message = await reader.next((m) => m.json.id === id, 'the event on the open stream');
        assert.deepEqual(message.json.msg, { via: name });
        assert.equal(reader.ended, false);
      });

      it(`the EventStreams API /v2/stream/ answers through ${name} with an open event stream`, async () => {
        const reader = new SseReader(`${server.url}/v2/stream/recentchange`);
        closers.push(reader);
        await waitFor('the response head', () => reader.status !== 0);
        assert.equal(reader.status, 200, JSON.stringify(reader.body));
        assert.match(reader.headers?.get('content-type') ?? '', /^text\/event-stream/);
      });

      it(`${name} forwards nothing else to HAProxy: ingest's POST /v1/events stays private`, async () => {
        const response = await fetch(`${server.url}/v1/events`, { method: 'POST', body: '[]' });
        assert.notEqual(response.status, 202);
        assert.notEqual(response.status, 401, 'ingest (which would ask for a token) was not reached');
      });
    });
  }
});
