import { strict as assert } from 'node:assert';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { AMQP_URL, freePort, signToken, startService, testWiki, type ServiceProcess, type TestClient } from '@wikicast/test/support';
import { setupEdgeWorld, subscribe, type EdgeWorld } from './harness.js';
import { TcpRelay } from './tcp-relay.js';

/** Whether a new TCP connection to the port is refused. */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

/**
 * One kept-alive HTTP/1.1 connection: requests on it still reach an edge whose listen socket is
 * closed, which is how a test sees /readyz and /metrics during a drain.
 */
class KeptAliveHttp {
  #buffer = Buffer.alloc(0);
  #waiting: ((response: { status: number; body: string } | Error) => void) | null = null;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      this.#parse();
    });
    socket.on('close', () => this.#waiting?.(new Error('connection closed before the response')));
  }

  static open(port: number): Promise<KeptAliveHttp> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new KeptAliveHttp(socket)));
      socket.once('error', reject);
    });
  }

  get(path: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      this.#waiting = (response) => (response instanceof Error ? reject(response) : resolve(response));
      this.socket.write(`GET ${path} HTTP/1.1\r\nHost: edge\r\n\r\n`);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  #parse(): void {
    const end = this.#buffer.indexOf('\r\n\r\n');
    if (end < 0 || this.#waiting === null) return;
    const head = this.#buffer.subarray(0, end).toString('latin1');
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
    if (this.#buffer.length < end + 4 + length) return;
    const body = this.#buffer.subarray(end + 4, end + 4 + length).toString('utf8');
    this.#buffer = this.#buffer.subarray(end + 4 + length);
    const waiting = this.#waiting;
    this.#waiting = null;
    waiting({ status: Number(head.split(' ')[1]), body });
  }
}

describe('edge drain on SIGTERM', () => {
  const wiki = testWiki('drainwiki');
  let world: EdgeWorld;
  let relay: TcpRelay | null = null;

  before(async () => {
    world = await setupEdgeWorld('edge-drain', [wiki], 0);
  });
  after(async () => {
    await world?.cleanup();
    await relay?.close();
  });

  async function readers(edge: ServiceProcess, count: number): Promise<TestClient[]> {
    const clients: TestClient[] = [];
    for (let i = 0; i < count; i++) {
      const client = await world.connect({ token: await signToken(wiki, { sub: `Reader${i}` }) }, edge);
      await client.next((f) => f.op === 'welcome', 'welcome');
      assert.equal((await subscribe(client, ['recentchange'])).op, 'subscribed');
      clients.push(client);
    }
    return clients;
  }

  it('closes every client with 1012, exits 0 well within the bound, and a new edge binds the port at once', async () => {
    const port = await freePort();
    const edge = await world.startEdge({ PORT: String(port) });
    const clients = await readers(edge, 5);
    const started = Date.now();
    edge.child.kill('SIGTERM');
    for (const client of clients) {
      assert.equal(await client.closed(), 1012);
      assert.equal(client.closeReason, 'edge restarting; reconnect and resume');
    }
    assert.equal(await edge.exited, 0);
    assert.ok(Date.now() - started < 5_000, `drained in ${Date.now() - started} ms`);
    assert.ok(edge.logs.some((entry) => entry.msg === 'drained' && entry.clients === 5));

    // The server closed those connections first, so they sit in TIME_WAIT on this port.
    const replacement = await world.startEdge({ PORT: String(port) });
    assert.equal(replacement.port, port);
    await replacement.stop();
  });

  it('a drain held up by a broker that does not answer ends at WIKICAST_DRAIN_TIMEOUT_S; readyz says 503 meanwhile', async () => {
    relay = await TcpRelay.start({ host: new URL(AMQP_URL).hostname, port: Number(new URL(AMQP_URL).port || 5672) });
    const amqp = new URL(AMQP_URL);
    amqp.port = String(relay.port);
    const port = await freePort();
    const edge = await world.startEdge({ PORT: String(port), AMQP_URL: amqp.toString(), WIKICAST_DRAIN_TIMEOUT_S: '4' });
    let exitedAt = 0;
    void edge.exited.then(() => (exitedAt = Date.now()));
    const [client] = await readers(edge, 1);
    const http = await KeptAliveHttp.open(port);
    assert.equal((await http.get('/readyz')).status, 200);

    relay.freeze();
    const started = Date.now();
    edge.child.kill('SIGTERM');
    assert.equal(await client!.closed(), 1012);
    const readyz = await http.get('/readyz');
    assert.equal(readyz.status, 503);
    assert.equal((JSON.parse(readyz.body) as { reason: string }).reason, 'shutting down');
    const metrics = await http.get('/metrics');
    assert.match(metrics.body, /wikicast_edge_disconnects_total\{reason="restarting"[^}]*\} 1\b/);
    assert.equal(await refused(port), true, 'new connections are refused while draining');

    // The listen socket is closed first: a replacement binds the port while this edge still drains.
    // Started without the harness's readiness check: fetch would reuse its pooled connection to the old edge.
    const replacement = await startService('edge', { ...world.env, EDGE_ID: 'replacement', PORT: String(port) });
    assert.equal(exitedAt, 0, 'the replacement listened before the draining edge exited');
    assert.equal(replacement.port, port);
    try {
      const fresh = await KeptAliveHttp.open(port);
      assert.equal((await fresh.get('/healthz')).status, 200, 'a new connection reaches the replacement');
      fresh.close();
    } finally {
      await replacement.stop();
    }

    assert.equal(await edge.exited, 0);
    const elapsed = exitedAt - started;
    assert.ok(elapsed >= 3_500 && elapsed < 7_000, `exited ${elapsed} ms after SIGTERM with a 4 s bound`);
    assert.ok(edge.logs.some((entry) => entry.msg === 'drain timed out; exiting anyway' && entry.stage === 'closing the broker connection'));
    http.close();
  });
});
