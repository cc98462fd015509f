import net from 'node:net';

/**
 * A minimal WebSocket client on a raw TCP socket, for opening 10,000–18,000 connections from a
 * few load-generator processes. It does only what the benchmark needs: the HTTP upgrade, text
 * frames both ways (client frames masked, with a zero key, which RFC 6455 allows), answering
 * pings, and noticing a close. Per connection it keeps one `net.Socket`, this object and at most
 * one partial frame, so a load generator costs far less memory and CPU per connection than a
 * full client such as `ws` (event emitters, per-socket receiver/sender objects, UTF-8
 * validation): with two cores shared between servers and clients, client-side work is CPU the
 * servers under test do not get.
 */
export interface RawWsHandlers {
  /** The 101 response arrived. */
  open: (ws: RawWs) => void;
  /** A complete text or binary message (unfragmented: servers here never fragment). */
  message: (ws: RawWs, payload: Buffer) => void;
  /** The socket ended: `code` from a close frame, or null; `error` when it failed. */
  close: (ws: RawWs, code: number | null, error?: Error) => void;
}

const UPGRADE_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const HEADER_END = Buffer.from('\r\n\r\n');

export class RawWs {
  readonly socket: net.Socket;
  /** Free slot for the caller's per-connection state. */
  state = 0;
  private pending: Buffer | null = null;
  upgraded = false;
  private ended = false;

  constructor(
    options: { host: string; port: number; path: string; localAddress?: string },
    private readonly handlers: RawWsHandlers,
  ) {
    this.socket = net.connect({ host: options.host, port: options.port, localAddress: options.localAddress, noDelay: true });
    this.socket.on('connect', () => {
      this.socket.write(
        `GET ${options.path} HTTP/1.1\r\nHost: ${options.host}:${options.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${UPGRADE_KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (error) => this.end(null, error));
    this.socket.on('close', () => this.end(null));
  }

  get isOpen(): boolean {
    return this.upgraded && !this.ended;
  }

  send(text: string): void {
    const payload = Buffer.from(text, 'utf8');
    const len = payload.length;
    let header: Buffer;
    if (len < 126) {
      header = Buffer.from([0x81, 0x80 | len, 0, 0, 0, 0]);
    } else if (len < 65536) {
      header = Buffer.from([0x81, 0x80 | 126, len >> 8, len & 0xff, 0, 0, 0, 0]);
    } else {
      header = Buffer.alloc(14);
      header[0] = 0x81;
      header[1] = 0x80 | 127;
      header.writeBigUInt64BE(BigInt(len), 2);
    }
    this.socket.write(Buffer.concat([header, payload]));
  }

  /** Drops the connection without a closing handshake (fast teardown). */
  destroy(): void {
    this.socket.destroy();
  }

  private end(code: number | null, error?: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.socket.destroy();
    this.handlers.close(this, code, error);
  }

  private onData(chunk: Buffer): void {
    let data = this.pending === null ? chunk : Buffer.concat([this.pending, chunk]);
    this.pending = null;
    if (!this.upgraded) {
      const end = data.indexOf(HEADER_END);
      if (end < 0) {
        this.pending = data;
        return;
      }
      const status = data.toString('latin1', 0, Math.min(end, 40));
      if (!status.startsWith('HTTP/1.1 101')) {
        this.end(null, new Error(`upgrade refused: ${data.toString('latin1', 0, end).split('\r\n')[0]}`));
        return;
      }
      this.upgraded = true;
      this.handlers.open(this);
      data = data.subarray(end + 4);
    }
    let offset = 0;
    const length = data.length;
    while (length - offset >= 2) {
      const b0 = data[offset]!;
      const b1 = data[offset + 1]!;
      let payloadLength = b1 & 0x7f;
      let headerLength = 2;
      if (payloadLength === 126) {
        if (length - offset < 4) break;
        payloadLength = data.readUInt16BE(offset + 2);
        headerLength = 4;
      } else if (payloadLength === 127) {
        if (length - offset < 10) break;
        payloadLength = Number(data.readBigUInt64BE(offset + 2));
        headerLength = 10;
      }
      if (b1 & 0x80) headerLength += 4;
      if (length - offset < headerLength + payloadLength) break;
      const payload = data.subarray(offset + headerLength, offset + headerLength + payloadLength);
      offset += headerLength + payloadLength;
      const opcode = b0 & 0x0f;
      if (opcode === 1 || opcode === 2 || opcode === 0) {
        this.handlers.message(this, payload);
      } else if (opcode === 9) {
        this.control(0x8a, payload);
      } else if (opcode === 8) {
        this.end(payload.length >= 2 ? payload.readUInt16BE(0) : 1005);
        return;
      }
    }
    // Keep only the unfinished frame, copied so the large read buffer can be freed.
    if (offset < length) this.pending = Buffer.from(data.subarray(offset));
  }

  private control(firstByte: number, payload: Buffer): void {
    const header = Buffer.from([firstByte, 0x80 | payload.length, 0, 0, 0, 0]);
    this.socket.write(Buffer.concat([header, payload]));
  }
}
