import { strict as assert } from 'node:assert';
import { request, type IncomingMessage } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { ErrorCodes } from '@wikicast/protocol';
import {
  CleanupStack,
  freePort,
  serverChecks,
  startHaproxy,
  startService,
  testWiki,
  uniquePrefix,
  waitFor,
  writeWikisFile,
  type HaproxyProcess,
} from '@wikicast/test/support';

/**
 * A broker outage as clients meet it at the entry: a real edge and a real ingest whose RabbitMQ
 * cannot be reached (their /readyz says 503), a second edge slot nothing listens on, and the real
 * HAProxy with deploy/haproxy/haproxy.cfg. With no server ready, every new WebSocket upgrade,
 * SSE stream and POST /v1/events gets HAProxy's 503 in the project's shape: JSON `{code,
 * message}` with a documented code, and Retry-After.
 */
describe('HAProxy with no ready server', () => {
  const cleanup = new CleanupStack();
  let haproxy: HaproxyProcess;

  before(async () => {
    const wikis = writeWikisFile([testWiki('outage')]);
    cleanup.push(() => wikis.remove());
    const env = { AMQP_URL: `amqp://guest:guest@127.0.0.1:${await freePort()}`, WIKICAST_AMQP_PREFIX: uniquePrefix('haproxy-503'), WIKICAST_WIKIS_FILE: wikis.path };
    const [edge, ingest] = await Promise.all([startService('edge', { ...env, EDGE_ID: 'outage-edge' }), startService('ingest', { ...env, INGEST_ID: 'outage-ingest' })]);
    cleanup.push(() => edge.stop());
    cleanup.push(() => ingest.stop());
    haproxy = await startHaproxy({ ingest: `127.0.0.1:${ingest.port}`, edges: [`127.0.0.1:${edge.port}`] });
    cleanup.push(() => haproxy.stop());
    await waitFor('HAProxy to mark every server down', async () => (await serverChecks(haproxy)).every((s) => s.status === 'DOWN'), { timeoutMs: 15_000, intervalMs: 100 });
  });
  after(() => cleanup.run());

  function send(method: string, path: string, headers: Record<string, string>, body = ''): Promise<{ response: IncomingMessage; text: string }> {
    return new Promise((resolve, reject) => {
      const req = request(`${haproxy.url}${path}`, { method, headers, agent: false }, (response) => {
        let text = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ response, text }));
      });
      req.on('upgrade', () => reject(new Error(`${path} was upgraded: a server took it`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  const cases: Array<[string, string, string, Record<string, string>, string?]> = [
    ['a WebSocket upgrade', 'GET', '/v1/ws?wiki=outage', { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' }],
    ['an SSE stream', 'GET', '/v1/sse?topics=news&wiki=outage', { Accept: 'text/event-stream' }],
    ['POST /v1/events', 'POST', '/v1/events', { 'content-type': 'application/json', authorization: 'Bearer x' }, '{"topic":"news","type":"edit"}'],
  ];
  for (const [what, method, path, headers, body] of cases) {
    it(`answers ${what} with 503, JSON {code, message} and Retry-After`, async () => {
      const { response, text } = await send(method, path, headers, body);
      assert.equal(response.statusCode, 503, text);
      assert.equal(response.headers['content-type'], 'application/json');
      assert.match(String(response.headers['retry-after']), /^[1-9]\d*$/);
      const parsed = JSON.parse(text) as Record<string, unknown>;
      assert.deepEqual(Object.keys(parsed).sort(), ['code', 'message']);
      assert.equal(parsed.code, 'unavailable');
      assert.ok(Object.hasOwn(ErrorCodes, String(parsed.code)), 'a code docs/errors.md documents');
      assert.equal(typeof parsed.message, 'string');
    });
  }
});
