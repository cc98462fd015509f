/**
 * The local cluster's demo page (SPEC: "a demo page at http://127.0.0.1:8080/ that shows events
 * live and can send them"), served behind HAProxy. It mints short-lived tokens for the demo wiki
 * so the page can send: acceptable only because the local cluster listens on loopback with a
 * development secret. A real wiki mints tokens itself (packages/mediawiki).
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { SignJWT } from 'jose';

const TOKEN_TTL_S = 600;

export interface DemoServerOptions {
  repo: string;
  host: string;
  port: number;
  wiki: string;
  secret: string;
}

const files: Record<string, { path: string; type: string }> = {
  '/': { path: 'deploy/local/demo/index.html', type: 'text/html; charset=utf-8' },
  '/demo/wikicast.js': { path: 'packages/client/dist/wikicast.js', type: 'text/javascript; charset=utf-8' },
};

export async function startDemoServer(options: DemoServerOptions): Promise<Server> {
  const key = new TextEncoder().encode(options.secret);
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://demo').pathname;
    const reply = (status: number, type: string, body: string | Buffer): void => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
    };
    if (path === '/demo/token') {
      const user = `Demo-${randomBytes(2).toString('hex')}`;
      new SignJWT({ cid: `WS${randomBytes(4).toString('hex')}`, groups: ['user'], send: [`${options.wiki}:*`] })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuer(options.wiki)
        .setSubject(user)
        .setIssuedAt()
        .setExpirationTime(Math.floor(Date.now() / 1000) + TOKEN_TTL_S)
        .sign(key)
        .then(
          (token) => reply(200, 'application/json', JSON.stringify({ token, user, wiki: options.wiki })),
          (err: unknown) => reply(500, 'application/json', JSON.stringify({ code: 'internal', message: (err as Error).message })),
        );
      return;
    }
    const file = files[path];
    if (file === undefined) {
      reply(404, 'application/json', JSON.stringify({ code: 'not_found', message: `no ${path} here` }));
      return;
    }
    readFile(join(options.repo, file.path)).then(
      (body) => reply(200, file.type, body),
      (err: unknown) => reply(500, 'application/json', JSON.stringify({ code: 'internal', message: `${file.path}: ${(err as Error).message}` })),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return server;
}
