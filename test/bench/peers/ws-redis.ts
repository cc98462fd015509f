/**
 * Peer 2: the design the seed article describes: a Node `ws` server that subscribes to Redis
 * pub/sub and broadcasts what arrives to its WebSocket clients. Idiomatic `ws` (the README's
 * broadcast loop and heartbeat), with its native add-ons (bufferutil, utf-8-validate) installed,
 * per-message deflate off (the server default). Clients send the same subscribe frame as to
 * Wikicast and get only their topics: one Redis pattern subscription `bench:*`, topic = channel
 * without the prefix, a `Map<topic, Set<WebSocket>>` per process. Run one or two instances
 * behind nothing: each client connects to one instance; Redis gives every instance every
 * message.
 */
import { WebSocket, WebSocketServer } from 'ws';
import { createClient } from 'redis';
import type { AddressInfo } from 'node:net';

const host = process.env.HOST ?? '127.0.0.1';
const port = Number(process.env.PORT ?? 0);
const topics = new Map<string, Set<WebSocket>>();
const alive = new WeakSet<WebSocket>();

const wss = new WebSocketServer({ host, port, maxPayload: 64 * 1024 });
const listening = new Promise<void>((resolve) => wss.once('listening', () => resolve()));
wss.on('connection', (ws) => {
  alive.add(ws);
  const mine: string[] = [];
  ws.on('pong', () => alive.add(ws));
  ws.on('message', (data) => {
    let frame: { op?: unknown; topics?: unknown; ref?: unknown };
    try {
      frame = JSON.parse(String(data)) as typeof frame;
    } catch {
      return;
    }
    if (frame.op === 'subscribe' && Array.isArray(frame.topics)) {
      for (const topic of frame.topics) {
        if (typeof topic !== 'string') continue;
        let set = topics.get(topic);
        if (set === undefined) topics.set(topic, (set = new Set()));
        set.add(ws);
        mine.push(topic);
      }
      ws.send(JSON.stringify({ op: 'subscribed', topics: frame.topics, ref: frame.ref }));
    }
  });
  ws.on('close', () => {
    for (const topic of mine) topics.get(topic)?.delete(ws);
  });
});

// The `ws` README's heartbeat: drop connections that did not answer the last ping.
const heartbeat = setInterval(() => {
  for (const ws of wss.clients) {
    if (!alive.has(ws)) {
      ws.terminate();
      continue;
    }
    alive.delete(ws);
    ws.ping();
  }
}, 30_000);
wss.on('close', () => clearInterval(heartbeat));

const sub = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
await sub.connect();
await sub.pSubscribe('bench:*', (message: Buffer, channel: Buffer) => {
  const set = topics.get(channel.toString('latin1').slice(6));
  if (set === undefined) return;
  for (const ws of set) if (ws.readyState === WebSocket.OPEN) ws.send(message, { binary: false });
}, true);

await listening;
console.log(JSON.stringify({ msg: 'listening', port: (wss.address() as AddressInfo).port }));
