/**
 * Debian's nginx and Apache as the wiki's own web server, run by a test: each on a free loopback
 * port with a prefix folder of its own (configuration, logs, pid, temporary files), never the
 * system services. The configuration is a minimal wiki site that includes the repository's
 * snippets (deploy/nginx/, deploy/apache/) unchanged but for HAProxy's address.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, REPO_ROOT, waitFor } from '@wikicast/test/support';

const run = promisify(execFile);

/** Where the snippets send traffic: HAProxy's public entry on the host (WIKICAST_HTTP_BIND's default). */
export const SNIPPET_HAPROXY = '127.0.0.1:8080';
const APACHE_MODULES = '/usr/lib/apache2/modules';
const START_TIMEOUT_MS = 15_000;

export interface WebServer {
  /** `http://127.0.0.1:<port>`: the wiki's site, with Wikicast's routes proxied to HAProxy. */
  url: string;
  /** The configuration test's output (`nginx -t`, `apache2ctl -t`). */
  configTest: string;
  /** The server's error log so far. */
  errorLog: () => string;
  stop: () => Promise<void>;
}

/** A snippet of deploy/, pointed at the test's HAProxy instead of 127.0.0.1:8080 where it names an address. */
function snippet(path: string, haproxy: string, namesHaproxy = true): string {
  const text = readFileSync(join(REPO_ROOT, path), 'utf8');
  if (namesHaproxy && !text.includes(SNIPPET_HAPROXY)) throw new Error(`${path} no longer names ${SNIPPET_HAPROXY}`);
  return text.replaceAll(SNIPPET_HAPROXY, haproxy);
}

async function serve(name: string, dir: string, port: number, child: ChildProcess, configTest: string, errorLog: string): Promise<WebServer> {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const readLog = (): string => {
    try {
      return readFileSync(errorLog, 'utf8');
    } catch {
      return '';
    }
  };
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(`${name} to answer on ${url}`, async () => {
      if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}): ${readLog()}`);
      return fetch(`${url}/`).then((r) => r.ok, () => false);
    }, { timeoutMs: START_TIMEOUT_MS, intervalMs: 100 });
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, configTest, errorLog: readLog, stop };
}

/** A prefix folder for one server; removed again if `start` fails before the server is up. */
async function withPrefix(name: string, start: (dir: string) => Promise<WebServer>): Promise<WebServer> {
  const dir = mkdtempSync(join(tmpdir(), `wikicast-${name}-`));
  try {
    return await start(dir);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** nginx with deploy/nginx/wikicast-http.conf at http level and wikicast-locations.conf in the server. */
export function startNginx(haproxy: string): Promise<WebServer> {
  return withPrefix('nginx', (dir) => runNginx(dir, haproxy));
}

/** Apache (mpm_event, mod_proxy_http) with deploy/apache/wikicast.conf in the wiki's VirtualHost. */
export function startApache(haproxy: string): Promise<WebServer> {
  return withPrefix('apache', (dir) => runApache(dir, haproxy));
}

async function runNginx(dir: string, haproxy: string): Promise<WebServer> {
  const port = await freePort();
  mkdirSync(join(dir, 'conf.d'));
  mkdirSync(join(dir, 'snippets'));
  mkdirSync(join(dir, 'temp'));
  writeFileSync(join(dir, 'conf.d', 'wikicast.conf'), snippet('deploy/nginx/wikicast-http.conf', haproxy));
  writeFileSync(join(dir, 'snippets', 'wikicast.conf'), snippet('deploy/nginx/wikicast-locations.conf', haproxy, false));
  const errorLog = join(dir, 'error.log');
  writeFileSync(join(dir, 'nginx.conf'), `
pid ${dir}/nginx.pid;
error_log ${errorLog} info;
worker_processes 1;
events { worker_connections 256; }
http {
    access_log ${dir}/access.log;
    client_body_temp_path ${dir}/temp/body;
    proxy_temp_path ${dir}/temp/proxy;
    fastcgi_temp_path ${dir}/temp/fastcgi;
    uwsgi_temp_path ${dir}/temp/uwsgi;
    scgi_temp_path ${dir}/temp/scgi;
    include ${dir}/conf.d/*.conf;
    server {
        listen 127.0.0.1:${port};
        server_name wiki.test;
        location / { return 200 "the wiki\\n"; }
        include ${dir}/snippets/wikicast.conf;
    }
}
`);
  const args = ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', errorLog];
  const tested = await run('nginx', ['-t', ...args]);
  const child = spawn('nginx', [...args, '-g', 'daemon off;'], { stdio: 'ignore' });
  return serve('nginx', dir, port, child, tested.stderr, errorLog);
}

async function runApache(dir: string, haproxy: string): Promise<WebServer> {
  const port = await freePort();
  // Apache's workers run as nobody: the site must be readable to them (mkdtemp makes it 0700).
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'htdocs'));
  writeFileSync(join(dir, 'htdocs', 'index.html'), 'the wiki\n');
  writeFileSync(join(dir, 'wikicast.conf'), snippet('deploy/apache/wikicast.conf', haproxy));
  const errorLog = join(dir, 'error.log');
  const modules = ['mpm_event', 'authz_core', 'dir', 'proxy', 'proxy_http', 'setenvif', 'headers'];
  writeFileSync(join(dir, 'apache2.conf'), `
ServerRoot ${dir}
ServerName 127.0.0.1
${modules.map((m) => `LoadModule ${m}_module ${APACHE_MODULES}/mod_${m}.so`).join('\n')}
Listen 127.0.0.1:${port}
PidFile ${dir}/apache2.pid
DefaultRuntimeDir ${dir}
Mutex file:${dir} default
ErrorLog ${errorLog}
LogLevel warn
User nobody
Group nogroup
<VirtualHost 127.0.0.1:${port}>
    ServerName wiki.test
    DocumentRoot ${dir}/htdocs
    <Directory ${dir}/htdocs>
        Require all granted
    </Directory>
    Include ${dir}/wikicast.conf
</VirtualHost>
`);
  // apache2ctl with APACHE_CONFDIR runs apache2 -d <dir>, which reads <dir>/apache2.conf.
  const tested = await run('apache2ctl', ['-t'], { env: { ...process.env, APACHE_CONFDIR: dir } });
  const child = spawn('apache2', ['-d', dir, '-f', join(dir, 'apache2.conf'), '-DFOREGROUND'], { stdio: 'ignore' });
  return serve('apache2', dir, port, child, tested.stderr, errorLog);
}
