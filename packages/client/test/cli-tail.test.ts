/**
 * `wikicast tail` against a stand-in edge (a `ws` server on port 0 that speaks the frames of
 * SPEC). Why a stand-in: these tests pin what tail prints and its exit codes without RabbitMQ;
 * the round trip with `wikicast send` through the real services is in the end-to-end tests.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { WebSocketServer, type WebSocket } from 'ws';
import { ExitCode } from '../src/cli/exit-codes.js';
import { run } from '../src/cli/run.node.js';
import { recordingIo } from './cli-io.js';

async function standInEdge(t: { after: (fn: () => Promise<void>) => void }, onFrame: (socket: WebSocket, frame: Record<string, unknown>) => void, onConnect?: (socket: WebSocket, url: string) => boolean) {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const frames: Array<Record<string, unknown>> = [];
  server.on('connection', (socket, request) => {
    if (onConnect !== undefined && !onConnect(socket, request.url ?? '')) return;
    socket.send(JSON.stringify({ op: 'welcome', cid: 'WS1', edge: 'stand-in', cursor: '0.00000000' }));
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as Record<string, unknown>;
      frames.push(frame);
      onFrame(socket, frame);
    });
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, frames };
}

const event = (n: number) => ({ op: 'event', id: `0190f1e0-0000-7000-8000-00000000000${n}`, wiki: 'demo', topic: 'demo:news', type: 'headline', msg: { n }, ts: '2026-11-22T10:00:00.000Z', cursor: `${n}.0000000${n}` });

test('prints one JSON event a line with its cursor, resumes from --since, stops after --count', async (t) => {
  const edge = await standInEdge(t, (socket, frame) => {
    if (frame.op !== 'subscribe') return;
    socket.send(JSON.stringify({ op: 'subscribed', topics: frame.topics, ref: frame.ref }));
    for (const n of [4, 5, 6]) socket.send(JSON.stringify(event(n)));
  });
  const io = recordingIo({ WIKICAST_URL: edge.url });
  const code = await run(['tail', '--wiki', 'demo', '--secret', 's', '--topics', 'demo:news', '--since', '3.00000003', '--count', '2'], io);
  assert.equal(code, ExitCode.ok);
  assert.deepEqual(edge.frames[0], { op: 'subscribe', topics: ['demo:news'], since: '3.00000003', ref: 1 });
  const lines = io.stdout.map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.deepEqual(lines.map((e) => [e.cursor, e.msg]), [['4.00000004', { n: 4 }], ['5.00000005', { n: 5 }]]);
  assert.equal(lines[0]?.op, undefined);
  assert.deepEqual(io.stderr, []);
});

test('a retract event is printed like any event, with a line on stderr saying what it takes back', async (t) => {
  const retract = { ...event(7), topic: 'demo:recentchange', type: 'retract', msg: { revisions: [{ id: 501, hidden: 6 }], logs: [{ id: 9, hidden: 1 }], reason: 'revision deletion' } };
  const edge = await standInEdge(t, (socket, frame) => {
    if (frame.op !== 'subscribe') return;
    socket.send(JSON.stringify({ op: 'subscribed', topics: frame.topics, ref: frame.ref }));
    socket.send(JSON.stringify(event(6)));
    socket.send(JSON.stringify(retract));
  });
  const io = recordingIo({ WIKICAST_URL: edge.url });
  assert.equal(await run(['tail', '--wiki', 'demo', '--secret', 's', '--topics', 'recentchange', '--count', '2'], io), ExitCode.ok);
  assert.deepEqual(io.stdout.map((line) => (JSON.parse(line) as { type: string }).type), ['headline', 'retract']);
  assert.deepEqual(io.stderr, [
    'wikicast: retraction on demo:recentchange (revision deletion): revision 501 hides summary, user; log entry 9 hides content; earlier lines about them show what is now hidden: drop or redact them',
  ]);
});

test('a stop request (SIGINT, SIGTERM) ends tail with 0', async (t) => {
  const edge = await standInEdge(t, () => {});
  const io = recordingIo({ WIKICAST_URL: edge.url });
  const done = run(['tail', '--wiki', 'demo', '--secret', 's', '--topics', 'demo:news'], io);
  while (edge.frames.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
  io.stop();
  assert.equal(await done, ExitCode.ok);
});

test('a token refused at the first connection: exit 2; a refused topic: exit 3', async (t) => {
  const refusing = await standInEdge(t, () => {}, (socket) => {
    socket.close(1008, 'unauthorized');
    return false;
  });
  const io = recordingIo({ WIKICAST_URL: refusing.url });
  assert.equal(await run(['tail', '--wiki', 'demo', '--secret', 'bad', '--topics', 'demo:news'], io), ExitCode.auth);
  assert.match(io.stderr[0] ?? '', /cannot connect to ws:\/\/127.0.0.1:\d+\/v1\/ws: auth_refused, 1008/);

  const foreign = await standInEdge(t, (socket, frame) => {
    socket.send(JSON.stringify({ op: 'error', code: 'foreign_topic', message: 'topic "other:x" belongs to wiki "other"', ref: frame.ref }));
  });
  const io2 = recordingIo({ WIKICAST_URL: foreign.url });
  assert.equal(await run(['tail', '--wiki', 'demo', '--secret', 's', '--topics', 'other:x'], io2), ExitCode.invalid);
  assert.match(io2.stderr[0] ?? '', /foreign_topic: topic "other:x" belongs to wiki "other"/);
});

test('an unreachable server: exit 4', async () => {
  const io = recordingIo({ WIKICAST_URL: 'http://127.0.0.1:1' });
  assert.equal(await run(['tail', '--wiki', 'demo', '--secret', 's', '--topics', 'demo:news'], io), ExitCode.unavailable);
  assert.match(io.stderr[0] ?? '', /cannot connect to ws:\/\/127.0.0.1:1\/v1\/ws: transport_closed, 1006, connect ECONNREFUSED/);
});

test('--anonymous: no token, the public wiki in ?wiki=', async (t) => {
  let seenUrl = '';
  const edge = await standInEdge(
    t,
    (socket, frame) => {
      if (frame.op === 'subscribe') socket.send(JSON.stringify(event(7)));
    },
    (_socket, url) => {
      seenUrl = url;
      return true;
    },
  );
  const io = recordingIo({ WIKICAST_URL: edge.url });
  assert.equal(await run(['tail', '--wiki', 'demo', '--anonymous', '--topics', 'demo:news', '--count', '1'], io), ExitCode.ok);
  assert.equal(seenUrl, '/v1/ws?wiki=demo');
  assert.equal(io.stdout.length, 1);
});
