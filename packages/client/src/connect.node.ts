import WebSocket from 'ws';
import { WikicastClient } from './client.js';
import type { ConnectOptions } from './connect.js';
import type { SocketConstructor } from './socket.js';

export type { ConnectOptions } from './connect.js';

/**
 * Node's `connect`: the `ws` package unless another WebSocket class is passed. (`ws` rather than
 * Node's own global WebSocket, which Node 20 has only behind a flag.)
 */
export function connect(options: ConnectOptions): WikicastClient {
  const socketClass = options.WebSocket ?? (WebSocket as unknown as SocketConstructor);
  return new WikicastClient({ ...options, WebSocket: socketClass }).connect();
}
