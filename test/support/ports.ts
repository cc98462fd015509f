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
