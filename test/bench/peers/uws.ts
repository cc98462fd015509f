/**
 * Peer 1: a bare uWebSockets.js server, the ceiling for fan-out. Clients subscribe with the same
 * `{"op":"subscribe","topics":[…]}` frame as Wikicast; `ws.subscribe(topic)` puts them on uWS's
 * native topic tree, and `app.publish(topic, frame)` sends a prebuilt frame to every subscriber
 * in C++. Nothing else: no authentication, no cursor, no permissions, no replay.
 *
 * Producer paths:
 * - `POST /publish` with `{"topic":…,"frames":[…]}`: the publish loop itself, in-process.
 * - with REDIS_URL set, also a Redis pattern subscription `bench:*` whose messages are published
 *   to the topic after the prefix (used as a reference in the two-instance latency scenario).
 */
import uWS from 'uWebSockets.js';
import { createClient } from 'redis';

const host = process.env.HOST ?? '127.0.0.1';
const port = Number(process.env.PORT ?? 0);
const decoder = new TextDecoder();

const app = uWS.App();
app.ws('/*', {
  compression: uWS.DISABLED,
  maxPayloadLength: 64 * 1024,
  idleTimeout: 120,
  // Large enough that the benchmark's bounded bursts are never skipped for a subscriber.
  maxBackpressure: 1024 * 1024,
  message: (ws, message) => {
    let frame: { op?: unknown; topics?: unknown; ref?: unknown };
    try {
      frame = JSON.parse(decoder.decode(message)) as typeof frame;
    } catch {
      return;
    }
    if (frame.op === 'subscribe' && Array.isArray(frame.topics)) {
      for (const topic of frame.topics) if (typeof topic === 'string') ws.subscribe(topic);
      ws.send(JSON.stringify({ op: 'subscribed', topics: frame.topics, ref: frame.ref }));
    }
  },
});
app.post('/publish', (res) => {
  const chunks: Buffer[] = [];
  res.onAborted(() => {
    chunks.length = 0;
  });
  res.onData((chunk, isLast) => {
    chunks.push(Buffer.from(chunk.slice(0)));
    if (!isLast) return;
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { topic: string; frames: string[] };
    for (const frame of body.frames) app.publish(body.topic, frame, false);
    res.cork(() => res.end('ok'));
  });
});

if (process.env.REDIS_URL) {
  const sub = createClient({ url: process.env.REDIS_URL });
  await sub.connect();
  await sub.pSubscribe('bench:*', (message: Buffer, channel: Buffer) => {
    app.publish(channel.toString('latin1').slice(6), message, false);
  }, true);
}

app.listen(host, port, (token) => {
  if (!token) {
    console.error(`cannot listen on ${host}:${port}`);
    process.exit(1);
  }
  console.log(JSON.stringify({ msg: 'listening', port: uWS.us_socket_local_port(token) }));
});
