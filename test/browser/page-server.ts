import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { REPO_ROOT } from '@wikicast/test/support';

const run = promisify(execFile);

export const CLIENT_SCRIPT = join(REPO_ROOT, 'packages/client/dist/wikicast.js');
const PAGES_DIR = fileURLToPath(new URL('./pages/', import.meta.url));

export interface PageServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  close: () => Promise<void>;
}

/** Builds the client's classic script when `pnpm install`'s prepare step has not. */
export async function ensureClientScript(): Promise<void> {
  if (existsSync(CLIENT_SCRIPT)) return;
  await run(process.execPath, ['--import', 'tsx', 'packages/client/scripts/build.ts'], { cwd: REPO_ROOT });
}

/**
 * Serves the test pages (`/pages/<name>.html`, from test/browser/pages) and the client library
 * (`/wikicast.js`, the built classic script) on port 0, as a wiki serves its pages and
 * ResourceLoader modules. Anything else is 404.
 */
export async function startPageServer(): Promise<PageServer> {
  await ensureClientScript();
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    let file: string | null = null;
    let type = 'text/html; charset=utf-8';
    if (path === '/wikicast.js') {
      file = CLIENT_SCRIPT;
      type = 'text/javascript; charset=utf-8';
    } else if (/^\/pages\/[a-z0-9-]+\.html$/.test(path)) {
      file = join(PAGES_DIR, path.slice('/pages/'.length));
    }
    if (file === null) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    readFile(file).then(
      (body) => res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body),
      () => res.writeHead(404, { 'content-type': 'text/plain' }).end('not found'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
