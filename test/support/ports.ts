import { createServer } from 'node:net';

/**
 * A loopback port that was free a moment ago, for programs that cannot report the port they
 * chose themselves (HAProxy, PHP's built-in server) or that must come back on the same port
 * (an edge replaced in a rolling restart). Another process may take it meanwhile: callers that
 * can, retry.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('the probe server has no port');
  return address.port;
}

/** Below Linux's default ephemeral range (32768–60999): the kernel never picks these as the local port of an outgoing connection. */
const REUSABLE_LOW = 20_000;
const REUSABLE_HIGH = 32_000;

/**
 * A free loopback port for a server that must come back on the same port after it stopped (an
 * edge a browser page knows by its address). A port the kernel chose (freePort) may meanwhile
 * become the local port of an outgoing connection, and the server cannot listen again until that
 * ends; a port below the ephemeral range is never handed out that way.
 */
export async function reusablePort(): Promise<number> {
  for (;;) {
    const port = REUSABLE_LOW + Math.floor(Math.random() * (REUSABLE_HIGH - REUSABLE_LOW));
    const server = createServer();
    const bound = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (!bound) continue;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
  }
}
