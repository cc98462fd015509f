/**
 * A fake WebSocket, for pure logic tests of the client (state machine, resume, acks) with no
 * network: the test plays the server, frame by frame and close by close, deterministically. The
 * client against a real edge is covered by the end-to-end tests in test/e2e.
 */
import type { SocketConstructor, SocketLike } from '../src/socket.js';

export class FakeSocket implements SocketLike {
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  /** Frames the client sent, parsed. */
  readonly sent: Array<Record<string, unknown>> = [];
  /** The code the client closed with, if it did. */
  closedWith: number | undefined;

  constructor(readonly url: string) {}

  get token(): string | null {
    return new URL(this.url).searchParams.get('token');
  }

  send(data: string): void {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }

  close(code?: number): void {
    this.closedWith = code ?? 1005;
  }

  /** The server sends a frame. */
  receive(frame: unknown): void {
    this.onmessage?.({ data: typeof frame === 'string' ? frame : JSON.stringify(frame) });
  }

  welcome(cursor: string | null = null, cid = 'WS1'): void {
    this.onopen?.({});
    this.receive({ op: 'welcome', cid, edge: 'edge-a', cursor });
  }

  /** The server (or the network) closes the connection. */
  serverClose(code: number, reason = ''): void {
    this.onclose?.({ code, reason });
  }

  failWith(message: string): void {
    this.onerror?.({ message });
    this.onclose?.({ code: 1006, reason: '' });
  }

  sentOps(op: string): Array<Record<string, unknown>> {
    return this.sent.filter((f) => f.op === op);
  }
}

/** A WebSocket class whose instances the test can reach. */
export function fakeWebSocket(): { WebSocket: SocketConstructor; sockets: FakeSocket[]; last: () => FakeSocket } {
  const sockets: FakeSocket[] = [];
  class Recorded extends FakeSocket {
    constructor(url: string) {
      super(url);
      sockets.push(this);
    }
  }
  return {
    WebSocket: Recorded,
    sockets,
    last: () => {
      const socket = sockets[sockets.length - 1];
      if (socket === undefined) throw new Error('no socket was opened');
      return socket;
    },
  };
}
