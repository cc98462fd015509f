import type { TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import type { Uws } from './uws.js';

export interface Listening {
  port: number;
  socket: us_listen_socket;
}

/**
 * uSockets' `LIBUS_LISTEN_EXCLUSIVE_PORT`. Its default also sets SO_REUSEPORT, so a second
 * process binds a port that is in use without an error and the kernel splits new connections
 * between the two (two edges started on one port by mistake would both seem to work). Exclusive
 * still sets SO_REUSEADDR, so a restarted service binds again at once while the old process's
 * connections sit in TIME_WAIT, or while it drains with its listen socket already closed.
 */
const LISTEN_EXCLUSIVE_PORT = 1;

/** `app.listen(host, port, options, cb)`: uWS has it, its type declarations do not. */
type ListenWithOptions = (host: string, port: number, options: number, cb: (socket: us_listen_socket | false) => void) => TemplatedApp;

/** Listens on host:port (port 0 picks a free one) and reports the port actually bound. */
export function listen(uws: Uws, app: TemplatedApp, host: string, port: number): Promise<Listening> {
  return new Promise((resolve, reject) => {
    (app.listen as unknown as ListenWithOptions).call(app, host, port, LISTEN_EXCLUSIVE_PORT, (socket) => {
      if (socket === false) {
        reject(new Error(`cannot listen on ${host}:${port} (address in use or not available)`));
        return;
      }
      resolve({ socket, port: uws.us_socket_local_port(socket) });
    });
  });
}
