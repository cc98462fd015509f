import type { TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import type { Uws } from './uws.js';

export interface Listening {
  port: number;
  socket: us_listen_socket;
}

/** Listens on host:port (port 0 picks a free one) and reports the port actually bound. */
export function listen(uws: Uws, app: TemplatedApp, host: string, port: number): Promise<Listening> {
  return new Promise((resolve, reject) => {
    app.listen(host, port, (socket) => {
      if (socket === false) {
        reject(new Error(`cannot listen on ${host}:${port} (address in use or not available)`));
        return;
      }
      resolve({ socket, port: uws.us_socket_local_port(socket) });
    });
  });
}
