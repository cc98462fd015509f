import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort, REPO_ROOT, waitFor } from '@wikicast/test/support';

/**
 * What docs/operations.md ("Drain and rolling restarts") promises of HAProxy while an edge
 * drains, against the real HAProxy with deploy/haproxy/haproxy.cfg. The edges here are small
 * HTTP servers (a stand-in, because the point is HAProxy's behaviour, and a real edge cannot be
 * made to stop accepting while still answering on its open connections on command): a draining
 * edge's open tunnels stay up when its health check fails, and a new connection it refuses is
 * retried on another edge, so no client sees an error.
 */
interface FakeEdge {
  name: string;
  port: number;
  server: Server;
  ready: boolean;
  tunnels: Set<Socket>;
}

async function startFakeEdge(name: string): Promise<FakeEdge> {
  const edge: FakeEdge = { name, port: await freePort(), server: createServer(), ready: true, tunnels: new Set() };
  edge.server.on('request', (req, res) => {
    const status = req.url === '/readyz' && !edge.ready ? 503 : 200;
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ edge: name }));
  });
  // A WebSocket-like tunnel: 101, then echo.
  edge.server.on('upgrade', (req, socket: Socket) => {
    const accept = createHash('sha1').update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    edge.tunnels.add(socket);
    socket.on('close', () => edge.tunnels.delete(socket));
    socket.on('data', (chunk) => socket.write(chunk));
  });
  await new Promise<void>((resolve) => edge.server.listen(edge.port, '127.0.0.1', resolve));
  return edge;
}

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function openTunnel(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/v1/ws', agent: false, headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' } });
    req.on('upgrade', (_res, socket: Socket) => resolve(socket));
    req.on('response', (res) => reject(new Error(`no upgrade: ${res.statusCode}`)));
    req.on('error', reject);
    req.end();
  });
}

function echo(socket: Socket, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    socket.once('data', (chunk: Buffer) => resolve(chunk.toString('utf8')));
    socket.once('error', reject);
    socket.write(text);
  });
}

describe('HAProxy while an edge drains', () => {
  let edges: FakeEdge[] = [];
  let haproxy: ChildProcess | undefined;
  let exited: Promise<unknown> = Promise.resolve();
  const ports = { http: 0, stats: 0 };

  before(async () => {
    edges = [await startFakeEdge('edge1'), await startFakeEdge('edge2')];
    [ports.http, ports.stats] = [await freePort(), await freePort()];
    haproxy = spawn('haproxy', ['-db', '-f', join(REPO_ROOT, 'deploy/haproxy/haproxy.cfg')], {
      env: {
        ...process.env,
        WIKICAST_HTTP_BIND: `127.0.0.1:${ports.http}`,
        WIKICAST_STATS_BIND: `127.0.0.1:${ports.stats}`,
        WIKICAST_INGEST_ADDR: `127.0.0.1:${edges[0]?.port}`,
        WIKICAST_EDGE1_ADDR: `127.0.0.1:${edges[0]?.port}`,
        WIKICAST_EDGE2_ADDR: `127.0.0.1:${edges[1]?.port}`,
      },
      stdio: 'ignore',
    });
    const child = haproxy;
    exited = new Promise((resolve) => child.once('exit', resolve));
    await waitFor('HAProxy ready', async () => {
      try {
        return (await get(ports.http, '/readyz')).status === 200;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ECONNREFUSED') return false;
        throw err;
      }
    });
  });

  after(async () => {
    haproxy?.kill('SIGTERM');
    await exited;
    for (const edge of edges) {
      for (const socket of edge.tunnels) socket.destroy();
      edge.server.closeAllConnections();
      edge.server.close();
    }
  });

  async function serverUp(name: string): Promise<boolean> {
    const metrics = await (await fetch(`http://127.0.0.1:${ports.stats}/metrics`)).text();
    return new RegExp(`^haproxy_server_status\\{proxy="edges",server="${name}",state="UP"\\} 1$`, 'm').test(metrics);
  }

  it('keeps open tunnels to an edge whose readiness fails, and sends new ones elsewhere', async () => {
    const [edge1] = edges;
    assert.ok(edge1);
    // leastconn: two tunnels land one on each edge.
    const tunnels = [await openTunnel(ports.http), await openTunnel(ports.http)];
    await waitFor('a tunnel on each edge', () => edges.every((e) => e.tunnels.size === 1));

    edge1.ready = false; // the edge began draining: /readyz answers 503
    await waitFor('HAProxy to mark edge1 down', async () => !(await serverUp('edge1')));
    for (const [i, socket] of tunnels.entries()) assert.equal(await echo(socket, `still here ${i}`), `still here ${i}`);
    assert.equal(edge1.tunnels.size, 1, "HAProxy did not cut the draining edge's client: the edge closes it with 1012 itself");

    const fresh = await openTunnel(ports.http);
    assert.equal(edges[1]?.tunnels.size, 2, 'a new client goes to the edge that is ready');
    for (const socket of [...tunnels, fresh]) socket.destroy();
    for (const edge of edges) for (const socket of edge.tunnels) socket.destroy();
    edge1.ready = true;
    await waitFor('edge1 back up', () => serverUp('edge1'));
  });

  it('retries a connection the draining edge refuses on another edge, before health checks notice', async () => {
    const [edge1, edge2] = edges;
    assert.ok(edge1 && edge2);
    await waitFor('both edges up', async () => (await serverUp('edge1')) && (await serverUp('edge2')));
    // The edge stops accepting (closes its listening socket) and HAProxy has not noticed yet.
    // close() stops listening at once; its callback would wait for every connection to end.
    edge1.server.close();
    edge1.server.closeAllConnections();
    const answers = await Promise.all(Array.from({ length: 20 }, () => get(ports.http, '/v1/sse')));
    assert.deepEqual(
      answers.map((a) => a.status),
      answers.map(() => 200),
    );
    assert.ok(answers.every((a) => JSON.parse(a.body).edge === 'edge2'));
  });
});
