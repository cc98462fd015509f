/**
 * Load-generator worker: a child process (forked by the runner, IPC channel) that opens up to
 * ~9,000 WebSocket connections from its own source address, subscribes each to a topic, counts
 * deliveries and records POST→receipt latency in an HDR histogram. Commands arrive over IPC;
 * every reply is one JSON message.
 *
 * A delivery is any message carrying the benchmark's `"bt":` field (the producer's send time, in
 * milliseconds since the epoch with microsecond decimals, from `performance.timeOrigin +
 * performance.now()`, which is comparable across processes on one machine).
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import * as hdr from 'hdr-histogram-js';
import { RawWs } from './lib/raw-ws.js';
import type { LoadgenCommand, LoadgenReply, Protocol } from './lib/loadgen-protocol.js';

const BT = Buffer.from('"bt":');
const SUBSCRIBED_JSON = Buffer.from('"op":"subscribed"');
const SIO_SUBSCRIBED = Buffer.from('42["subscribed"');

const enum State {
  Connecting = 0,
  SioHandshake = 1,
  Subscribing = 2,
  Subscribed = 3,
  Closed = 4,
}

function newHistogram(): hdr.Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 });
}

let deliveries = 0;
let recordLatency = false;
let histogram = newHistogram();
// The longest this process's event loop was held up since the last reset: a client that stalls
// delays its receipts, and that must be told apart from a server that does.
const loopDelay = monitorEventLoopDelay({ resolution: 1 });
loopDelay.enable();
let closedAfterReady = 0;
const closeCodes: Record<string, number> = {};
const sockets: RawWs[] = [];
let progressTimer: NodeJS.Timeout | undefined;

function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Reads the number that follows `"bt":` without parsing the whole JSON. */
function readBt(payload: Buffer, at: number): number {
  let i = at;
  let value = 0;
  let scale = 0;
  for (; i < payload.length; i++) {
    const c = payload[i]!;
    if (c >= 48 && c <= 57) {
      value = value * 10 + (c - 48);
      if (scale) scale *= 10;
    } else if (c === 46) {
      scale = 1;
    } else break;
  }
  return scale ? value / scale : value;
}

function reply(message: LoadgenReply): void {
  process.send!(message);
}

async function connect(command: Extract<LoadgenCommand, { cmd: 'connect' }>): Promise<void> {
  const started = Date.now();
  const { protocol, topics, localAddresses } = command;
  const plan: Array<{ host: string; port: number; path: string; topic: string }> = [];
  let n = 0;
  for (const target of command.targets) {
    for (let i = 0; i < target.count; i++) plan.push({ host: target.host, port: target.port, path: target.path, topic: topics[(command.topicOffset + n++) % topics.length]! });
  }
  let ready = 0;
  let failed = 0;
  const errors: string[] = [];
  let next = 0;
  let inFlight = 0;
  await new Promise<void>((resolveAll) => {
    const finishOne = (ok: boolean, error?: string): void => {
      inFlight--;
      if (ok) ready++;
      else {
        failed++;
        if (error !== undefined && errors.length < 5) errors.push(error);
      }
      if (ready + failed === plan.length) resolveAll();
      else launch();
    };
    const launch = (): void => {
      while (inFlight < command.concurrency && next < plan.length) {
        const item = plan[next++]!;
        inFlight++;
        // Connections rotate over the worker's source addresses: binding many sockets to one
        // address makes the kernel's search for a free ephemeral port slow.
        openOne(protocol, item, localAddresses[next % localAddresses.length]!, finishOne);
      }
    };
    if (plan.length === 0) resolveAll();
    else launch();
  });
  reply({ type: 'connected', ready, failed, errors, ms: Date.now() - started });
}

function subscribeFrame(protocol: Protocol, topic: string): string {
  if (protocol === 'socketio') return `42${JSON.stringify(['subscribe', [topic]])}`;
  return JSON.stringify({ op: 'subscribe', topics: [topic], ref: 's' });
}

function openOne(
  protocol: Protocol,
  item: { host: string; port: number; path: string; topic: string },
  localAddress: string,
  done: (ok: boolean, error?: string) => void,
): void {
  let settled = false;
  const settle = (ok: boolean, error?: string): void => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    done(ok, error);
  };
  const timer = setTimeout(() => {
    settle(false, 'timed out connecting/subscribing');
    ws.destroy();
  }, 60_000);
  const ws = new RawWs(
    { host: item.host, port: item.port, path: item.path, localAddress },
    {
      open: (socket) => {
        if (protocol === 'socketio') {
          socket.state = State.SioHandshake;
        } else {
          socket.state = State.Subscribing;
          socket.send(subscribeFrame(protocol, item.topic));
        }
      },
      message: (socket, payload) => {
        if (socket.state === State.Subscribed) {
          const at = payload.indexOf(BT);
          if (at >= 0) {
            deliveries++;
            if (recordLatency) {
              const latencyUs = Math.max(1, Math.round((nowMs() - readBt(payload, at + BT.length)) * 1000));
              histogram.recordValue(Math.min(latencyUs, 119_000_000));
            }
          } else if (protocol === 'socketio' && payload.length === 1 && payload[0] === 0x32) {
            socket.send('3'); // Engine.IO ping → pong
          }
          return;
        }
        if (protocol === 'socketio') {
          if (payload[0] === 0x32 && payload.length === 1) {
            socket.send('3');
          } else if (socket.state === State.SioHandshake && payload[0] === 0x30) {
            socket.send('40'); // connect to the main namespace
          } else if (socket.state === State.SioHandshake && payload[0] === 0x34 && payload[1] === 0x30) {
            socket.state = State.Subscribing;
            socket.send(subscribeFrame(protocol, item.topic));
          } else if (socket.state === State.Subscribing && payload.indexOf(SIO_SUBSCRIBED) === 0) {
            socket.state = State.Subscribed;
            settle(true);
          }
          return;
        }
        if (socket.state === State.Subscribing && payload.indexOf(SUBSCRIBED_JSON) >= 0) {
          socket.state = State.Subscribed;
          settle(true);
        }
      },
      close: (socket, code, error) => {
        const wasReady = socket.state === State.Subscribed;
        socket.state = State.Closed;
        const key = error ? `error: ${error.message}` : String(code);
        closeCodes[key] = (closeCodes[key] ?? 0) + 1;
        if (wasReady) closedAfterReady++;
        settle(false, error ? error.message : `closed ${code} ${socket.upgraded ? 'after the upgrade' : 'before the upgrade'}`);
      },
    },
  );
  sockets.push(ws);
}

process.on('message', (raw: unknown) => {
  const command = raw as LoadgenCommand;
  switch (command.cmd) {
    case 'connect':
      void connect(command);
      break;
    case 'reset':
      deliveries = 0;
      recordLatency = command.latency;
      histogram = newHistogram();
      loopDelay.reset();
      reply({ type: 'reset' });
      break;
    case 'progress':
      clearInterval(progressTimer);
      progressTimer = undefined;
      if (command.everyMs > 0) {
        let last = -1;
        progressTimer = setInterval(() => {
          if (deliveries !== last) {
            last = deliveries;
            reply({ type: 'progress', deliveries });
          }
        }, command.everyMs);
      }
      break;
    case 'report':
      reply({
        type: 'report',
        deliveries,
        histogram: recordLatency && histogram.totalCount > 0 ? hdr.encodeIntoCompressedBase64(histogram) : null,
        loopDelayMaxMs: loopDelay.max / 1e6,
        open: sockets.filter((s) => s.isOpen).length,
        closedAfterReady,
        closeCodes,
        rssBytes: process.memoryUsage.rss(),
      });
      break;
    case 'close':
      clearInterval(progressTimer);
      for (const s of sockets) s.destroy();
      sockets.length = 0;
      reply({ type: 'closed' });
      setTimeout(() => process.exit(0), 50);
      break;
  }
});
process.on('disconnect', () => process.exit(0));
reply({ type: 'started', pid: process.pid });
