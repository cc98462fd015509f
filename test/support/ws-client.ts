import WebSocket from 'ws';
import { waitFor } from './wait.js';

export type Frame = Record<string, unknown> & { op?: string };

/** How a test client connects: e.g. `localAddress` (another loopback address) or `headers` (a proxy's `X-Forwarded-For`). */
export type TestClientOptions = WebSocket.ClientOptions;

/** A WebSocket test client that records every frame and the close code. */
export class TestClient {
  readonly frames: Frame[] = [];
  closeCode: number | null = null;
  closeReason = '';
  readonly socket: WebSocket;
  readonly opened: Promise<void>;

  constructor(url: string, options: TestClientOptions = {}) {
    this.socket = new WebSocket(url, options);
    this.socket.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()) as Frame);
    });
    this.socket.on('close', (code, reason) => {
      this.closeCode = code;
      this.closeReason = reason.toString();
    });
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('error', reject);
      this.socket.once('close', (code) => reject(new Error(`closed with ${code} before opening`)));
    });
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  events(): Frame[] {
    return this.frames.filter((f) => f.op === 'event');
  }

  /** Waits for the first frame (after `from`) that matches. */
  async next(predicate: (f: Frame) => boolean, what: string, timeoutMs = 10_000): Promise<Frame> {
    let found: Frame | undefined;
    await waitFor(what, () => (found = this.frames.find(predicate)) !== undefined, { timeoutMs });
    return found!;
  }

  async closed(timeoutMs = 10_000): Promise<number> {
    await waitFor('the socket to close', () => this.closeCode !== null, { timeoutMs });
    return this.closeCode!;
  }

  close(): void {
    this.socket.close();
  }
}
