/**
 * Peer 3: Socket.IO with `@socket.io/redis-adapter`, as its documentation recommends for more
 * than one instance: a node-redis pub and sub client per instance, the WebSocket transport only
 * (the clients connect with `transport=websocket`, so no sticky sessions are needed), ws's native
 * add-ons installed, per-message deflate off (the default), and the memory tip of discarding the
 * initial HTTP request. Topics are rooms: a client emits `subscribe` with a list of topics and
 * gets `subscribed` back. Producers outside the server publish with `@socket.io/redis-emitter`
 * (`emitter.to(topic).emit('event', event)`), the adapter's own format.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';

const host = process.env.HOST ?? '127.0.0.1';
const port = Number(process.env.PORT ?? 0);

const pubClient = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
const subClient = pubClient.duplicate();
await Promise.all([pubClient.connect(), subClient.connect()]);

const httpServer = createServer();
const io = new Server(httpServer, {
  transports: ['websocket'],
  serveClient: false,
  adapter: createAdapter(pubClient, subClient),
});
io.engine.on('connection', (rawSocket: { request: unknown }) => {
  rawSocket.request = null;
});
io.on('connection', (socket) => {
  socket.on('subscribe', (topics: unknown) => {
    if (!Array.isArray(topics)) return;
    const names = topics.filter((t): t is string => typeof t === 'string');
    void socket.join(names);
    socket.emit('subscribed', names);
  });
});

httpServer.listen(port, host, () => {
  console.log(JSON.stringify({ msg: 'listening', port: (httpServer.address() as AddressInfo).port }));
});
