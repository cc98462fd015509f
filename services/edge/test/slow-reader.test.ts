import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { signToken, testWiki, waitFor } from '@wikicast/test/support';
import { metricValue, setupEdgeWorld, subscribe, wikiEvent, type EdgeWorld } from './harness.js';

const MAX_BUFFERED_BYTES = 64 * 1024;

interface ServerFrame {
  opcode: number;
  payload: Buffer;
}

/**
 * A WebSocket client on a plain TCP socket, so that the test can stop reading with the socket's
 * own `pause()` (the kernel buffers fill, then the edge's), and later read what the edge wrote.
 */
class RawWsClient {
  readonly frames: ServerFrame[] = [];
  #buffer = Buffer.alloc(0);
  #upgraded = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      this.#parse();
    });
  }

  static async open(port: number, path: string): Promise<RawWsClient> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const client = new RawWsClient(socket);
    const key = randomBytes(16).toString('base64');
    socket.write(`GET ${path} HTTP/1.1\r\nHost: edge\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    await waitFor('the upgrade', () => client.#upgraded);
    return client;
  }

  /** Text frames as JSON. */
  texts(): Array<Record<string, unknown>> {
    return this.frames.filter((f) => f.opcode === 1).map((f) => JSON.parse(f.payload.toString('utf8')) as Record<string, unknown>);
  }

  sendText(text: string): void {
    const payload = Buffer.from(text, 'utf8');
    assert.ok(payload.length < 126);
    const mask = randomBytes(4);
    const masked = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]!));
    this.socket.write(Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]));
  }

  #parse(): void {
    if (!this.#upgraded) {
      const end = this.#buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      assert.match(this.#buffer.subarray(0, end).toString('latin1'), /^HTTP\/1\.1 101/);
      this.#buffer = this.#buffer.subarray(end + 4);
      this.#upgraded = true;
    }
    for (;;) {
      if (this.#buffer.length < 2) return;
      const opcode = this.#buffer[0]! & 0x0f;
      let length = this.#buffer[1]! & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (this.#buffer.length < 4) return;
        length = this.#buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (this.#buffer.length < 10) return;
        length = Number(this.#buffer.readBigUInt64BE(2));
        offset = 10;
      }
      if (this.#buffer.length < offset + length) return;
      this.frames.push({ opcode, payload: this.#buffer.subarray(offset, offset + length) });
      this.#buffer = this.#buffer.subarray(offset + length);
    }
  }
}

describe('a client that stops reading', () => {
  const wiki = testWiki('slowwiki');
  let world: EdgeWorld;

  before(async () => {
    world = await setupEdgeWorld('edge-slow', [wiki], 1, { WIKICAST_EDGE_MAX_BUFFERED_BYTES: String(MAX_BUFFERED_BYTES) });
  });
  after(async () => {
    await world?.cleanup();
  });

  it('is closed with 4009 once its buffer passes the limit, after a gapless prefix; a reading client gets every event', async () => {
    const topic = `${wiki.id}:big`;
    const edge = world.edges[0]!;
    const stalled = await RawWsClient.open(edge.port, `/v1/ws?token=${await signToken(wiki, { sub: 'Stalled' })}`);
    stalled.sendText(JSON.stringify({ op: 'subscribe', topics: [topic], ref: 1 }));
    await waitFor('the stalled client to be subscribed', () => stalled.texts().some((f) => f.op === 'subscribed'));
    stalled.socket.pause();
    const reader = await world.connect({ token: await signToken(wiki, { sub: 'Reader' }) });
    await subscribe(reader, [topic]);

    // 16 MB: far more than loopback's kernel buffers on both sides can hold.
    const padding = 'x'.repeat(32 * 1024);
    const events = Array.from({ length: 500 }, (_, n) => wikiEvent(wiki.id, topic, { msg: { n, padding } }));
    for (let i = 0; i < events.length; i += 50) await world.publish(...events.slice(i, i + 50));

    await reader.next((f) => f.id === events.at(-1)!.id, 'the last event', 30_000);
    assert.deepEqual(reader.events().map((e) => e.id), events.map((e) => e.id), 'the reading client got every event, in order');
    assert.equal(reader.closeCode, null);
    await waitFor('the stalled client to be counted as too slow', async () => (await metricValue(edge, 'wikicast_edge_disconnects_total', { reason: 'too_slow' })) === 1);

    stalled.socket.resume();
    await waitFor('the close frame', () => stalled.frames.some((f) => f.opcode === 8), { timeoutMs: 20_000 });
    const close = stalled.frames.find((f) => f.opcode === 8)!;
    assert.equal(close.payload.readUInt16BE(0), 4009);
    const got = stalled.texts().filter((f) => f.op === 'event').map((f) => f.id);
    assert.ok(got.length < events.length, 'the stalled client was cut off');
    assert.deepEqual(got, events.slice(0, got.length).map((e) => e.id), 'what it got before the close is a prefix without gaps');
  });
});
