/**
 * `wikicast send` against a stand-in ingest (node:http on port 0) that answers as the real one
 * does (202, 400, 401, 503). Why a stand-in: these tests pin the CLI's mapping of each answer to
 * its exit code and message, which the real service cannot be made to produce on demand without
 * RabbitMQ. The round trip through the real ingest and edges is in the end-to-end tests.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { jwtVerify } from 'jose';
import { ExitCode } from '../src/cli/exit-codes.js';
import { run } from '../src/cli/run.node.js';
import { recordingIo } from './cli-io.js';

const SECRET = 'stand-in-secret';

interface Seen {
  authorization: string;
  body: unknown;
}

async function standInIngest(t: { after: (fn: () => Promise<void>) => void }, answer: (res: ServerResponse) => void): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      seen.push({ authorization: req.headers.authorization ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      answer(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) => (res: ServerResponse) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

const sendArgs = ['send', '--wiki', 'demo', '--secret', SECRET, '--topic', 'demo:news', '--type', 'headline', '--msg', '{"title":"Hi"}', '--to', 'WS1'];

test('202: prints the accepted id; the request carries the event and an aud=ingest token', async (t) => {
  const ingest = await standInIngest(t, json(202, { accepted: ['0190f1e0-0000-7000-8000-000000000001'] }));
  const io = recordingIo({ WIKICAST_URL: ingest.url });
  assert.equal(await run(sendArgs, io), ExitCode.ok);
  assert.deepEqual(io.stdout, ['0190f1e0-0000-7000-8000-000000000001']);
  assert.deepEqual(ingest.seen[0]?.body, { topic: 'demo:news', type: 'headline', msg: { title: 'Hi' }, to: ['WS1'] });
  const token = ingest.seen[0]?.authorization.replace(/^Bearer /, '') ?? '';
  const { payload } = await jwtVerify(token, new TextEncoder().encode(SECRET), { issuer: 'demo', audience: 'ingest' });
  assert.ok((payload.exp ?? 0) > Date.now() / 1000);
});

test('each refusal: its exit code and the server message on one stderr line, nothing on stdout', async (t) => {
  const cases: Array<[(res: ServerResponse) => void, number, RegExp]> = [
    [json(400, { code: 'invalid_event', message: '"type": Expected string length less or equal to 128', accepted: [], invalid: [] }), ExitCode.invalid, /answered 400: invalid_event: "type": Expected/],
    [json(401, { code: 'unauthorized', message: 'token signature does not match' }), ExitCode.auth, /answered 401: unauthorized: token signature/],
    [json(403, { code: 'foreign_topic', message: 'topic "x:y" belongs to wiki "x"' }), ExitCode.auth, /answered 403: foreign_topic/],
    [json(503, { code: 'unavailable', message: 'broker unavailable' }, { 'retry-after': '2' }), ExitCode.unavailable, /answered 503: unavailable: broker unavailable \(retry after 2 s\)/],
    [json(413, { code: 'payload_too_large', message: 'body over 1 MiB' }), ExitCode.invalid, /413/],
  ];
  for (const [answer, exitCode, pattern] of cases) {
    const ingest = await standInIngest(t, answer);
    const io = recordingIo({ WIKICAST_URL: ingest.url });
    assert.equal(await run(sendArgs, io), exitCode, String(pattern));
    assert.deepEqual(io.stdout, []);
    assert.equal(io.stderr.length, 1);
    assert.match(io.stderr[0] ?? '', pattern);
  }
});

test('an unreachable server: exit 4 naming the address and the reason', async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const io = recordingIo({ WIKICAST_URL: `http://127.0.0.1:${port}` });
  assert.equal(await run(sendArgs, io), ExitCode.unavailable);
  assert.equal(io.stderr.length, 1);
  assert.match(io.stderr[0] ?? '', new RegExp(`cannot reach http://127.0.0.1:${port}/v1/events: ECONNREFUSED`));
});
