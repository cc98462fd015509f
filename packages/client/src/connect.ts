import { WikicastClient } from './client.js';
import type { ClientOptions } from './options.js';
import type { SocketConstructor } from './socket.js';

export type ConnectOptions = Omit<ClientOptions, 'WebSocket'> & { WebSocket?: SocketConstructor };

/** Creates a client with the platform's WebSocket (the browser's native one) and connects it. */
export function connect(options: ConnectOptions): WikicastClient {
  const WebSocket = options.WebSocket ?? (globalThis as { WebSocket?: SocketConstructor }).WebSocket;
  if (WebSocket === undefined) throw new TypeError('no WebSocket implementation: pass options.WebSocket');
  return new WikicastClient({ ...options, WebSocket }).connect();
}
