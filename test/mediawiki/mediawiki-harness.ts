import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT, waitFor } from '@wikicast/test/support';
import { ensureDebianPackages, MEDIAWIKI_PACKAGES } from './debian-packages.js';

const run = promisify(execFile);

/** Debian's MediaWiki (1.39 LTS on Debian 12). */
export const MEDIAWIKI_DIR = '/usr/share/mediawiki';
export const EXTENSION_DIR = join(REPO_ROOT, 'packages', 'mediawiki');
export const ADMIN_USER = 'Admin';

export interface WikiOptions {
  /** The wiki id; also the database name, so the extension's default ($wgDBprefix$wgDBname) is used. */
  wikiId: string;
  secret: string;
  ingestUrl: string;
  edgeUrl?: string;
  /** More LocalSettings.php lines. */
  extraSettings?: string;
  /**
   * An extensions/ folder holding `Wikicast` (an unpacked release): loaded from there as an
   * operator's LocalSettings.php does ($wgExtensionDirectory, wfLoadExtension( 'Wikicast' )).
   * Unset: the extension of this checkout.
   */
  extensionsDir?: string;
  /**
   * The LocalSettings.php lines that load and configure the extension, exactly as an operator
   * wrote them (with `extensionsDir`: after `$wgExtensionDirectory`), instead of the harness's
   * own `wfLoadExtension`, secret and URL lines.
   */
  operatorSettings?: string;
}

export interface TestMediaWiki {
  url: string;
  apiUrl: string;
  dir: string;
  adminPassword: string;
  /** Runs a maintenance script of this wiki (`runJobs.php`, `showJobs.php`, …), with `input` on stdin. */
  maintenance: (script: string, args?: string[], input?: string) => Promise<string>;
  /** Runs a PHP script (an extension's maintenance script) with this wiki's settings; resolves whatever its exit status. */
  runScript: (path: string, args?: string[]) => Promise<{ status: number; stdout: string; stderr: string }>;
  /** How many jobs of this type wait in the wiki's job queue (showJobs.php). */
  queuedJobs: (type: string) => Promise<number>;
  /** Appends lines to LocalSettings.php; MediaWiki reads it on every request and script run. */
  configure: (lines: string) => void;
  /** The extension's log lines ($wgDebugLogGroups['Wikicast']). */
  wikicastLog: () => string;
  stop: () => Promise<void>;
}

/** The LocalSettings.php lines that load and configure the extension. */
function extensionSettings(options: WikiOptions): string {
  const folder = options.extensionsDir === undefined ? '' : `$wgExtensionDirectory = ${JSON.stringify(options.extensionsDir)};\n`;
  if (options.operatorSettings !== undefined) return `${folder}${options.operatorSettings}`;
  const load = options.extensionsDir === undefined
    ? `wfLoadExtension( 'Wikicast', ${JSON.stringify(join(EXTENSION_DIR, 'extension.json'))} );`
    : `wfLoadExtension( 'Wikicast' );`;
  return `${folder}${load}
$wgWikicastSecret = ${JSON.stringify(options.secret)};
$wgWikicastIngestUrl = ${JSON.stringify(options.ingestUrl)};
$wgWikicastEdgeUrl = ${JSON.stringify(options.edgeUrl ?? '')};
$wgWikicastTimeout = 2;
$wgWikicastConnectTimeout = 1;`;
}

/** A free loopback port: PHP's built-in server cannot report the port it bound to 0. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

const SERVER_START_ATTEMPTS = 5;

interface PhpServer {
  child: ChildProcess;
  port: number;
  /** What the server wrote to stderr (its request log and PHP's errors), the first 2,000 chunks. */
  log: string[];
  exited: Promise<void>;
}

/**
 * PHP's built-in server on a free loopback port, serving MediaWiki. Between finding the port and
 * binding it another process may take it: then the server exits at once, and another port is tried.
 */
async function startPhpServer(env: NodeJS.ProcessEnv): Promise<PhpServer> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    // opcache re-reads a changed file only every revalidate_freq (2 s by default): a test that
    // changes LocalSettings.php (`configure`) must see the change on its very next request.
    const child = spawn('php', ['-d', 'opcache.revalidate_freq=0', '-S', `127.0.0.1:${port}`, '-t', MEDIAWIKI_DIR], {
      cwd: MEDIAWIKI_DIR,
      env: { ...env, PHP_CLI_SERVER_WORKERS: '2' },
      stdio: ['ignore', 'ignore', 'pipe'],
      // Its own process group: the server forks workers that a signal to the parent alone would orphan.
      detached: true,
    });
    const log: string[] = [];
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const listening = await new Promise<boolean>((resolve) => {
      child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
        if (log.length < 2000) log.push(chunk);
        if (chunk.includes('Development Server')) resolve(true);
      });
      void exited.then(() => resolve(false));
    });
    if (listening) return { child, port, log, exited };
    if (attempt >= SERVER_START_ATTEMPTS || !log.join('').includes('Address already in use')) {
      throw new Error(`PHP's built-in server did not start on 127.0.0.1:${port}\n${log.join('')}`);
    }
  }
}

/**
 * A throwaway MediaWiki: Debian's package (installed when missing), a fresh SQLite install in a
 * temporary folder, the extension loaded from this checkout (or from an unpacked release), PHP's
 * built-in server on loopback.
 * Jobs do not run on web requests ($wgJobRunRate = 0), so tests run them with runJobs.php.
 * Resolves once the wiki answers; `stop()` ends the server and deletes the folder.
 */
export async function startMediaWiki(options: WikiOptions): Promise<TestMediaWiki> {
  await ensureDebianPackages(MEDIAWIKI_PACKAGES);
  const dir = mkdtempSync(join(tmpdir(), 'wikicast-mediawiki-'));
  const adminPassword = `Pw-${randomBytes(12).toString('hex')}`;
  const env = { ...process.env, MW_CONFIG_FILE: join(dir, 'LocalSettings.php'), MW_INSTALL_PATH: MEDIAWIKI_DIR };
  let server: PhpServer;
  try {
    // The server first: the wiki is installed with its URL, and the port is held from then on.
    server = await startPhpServer(env);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const url = `http://127.0.0.1:${server.port}`;
  const stop = async (): Promise<void> => {
    if (server.child.exitCode === null && server.child.signalCode === null) {
      process.kill(-server.child.pid!, 'SIGTERM');
      await server.exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await run('php', [
      join(MEDIAWIKI_DIR, 'maintenance', 'install.php'),
      '--dbtype', 'sqlite', '--dbpath', join(dir, 'data'), '--dbname', options.wikiId,
      '--server', url, '--scriptpath', '', '--lang', 'en', '--pass', adminPassword,
      '--confpath', dir, '--skins', 'Vector',
      'Wikicast Test Wiki', ADMIN_USER,
    ], { env, maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    await stop();
    throw err;
  }
  const log = join(dir, 'wikicast.log');
  appendFileSync(join(dir, 'LocalSettings.php'), `
# --- test/mediawiki harness ---
$wgCacheDirectory = ${JSON.stringify(join(dir, 'cache'))};
$wgShowExceptionDetails = true;
$wgJobRunRate = 0;
$wgDebugLogGroups['Wikicast'] = ${JSON.stringify(log)};
$wgDebugLogGroups['exception'] = ${JSON.stringify(join(dir, 'exception.log'))};
$wgDebugLogGroups['error'] = ${JSON.stringify(join(dir, 'exception.log'))};
${extensionSettings(options)}
${options.extraSettings ?? ''}
`);
  try {
    await waitFor(`MediaWiki at ${url} to answer`, async () => {
      try {
        return (await fetch(`${url}/api.php?action=query&meta=siteinfo&format=json`)).ok;
      } catch {
        return false;
      }
    }, { timeoutMs: 20_000, intervalMs: 100 });
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n${server.log.join('')}`);
  }
  const maintenance = (script: string, args: string[] = [], input = ''): Promise<string> =>
    new Promise((resolve, reject) => {
      const child = execFile('php', [join(MEDIAWIKI_DIR, 'maintenance', script), ...args], { env, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`${script} failed: ${err.message}\n${stderr}`));
        else resolve(stdout);
      });
      child.stdin?.end(input);
    });
  return {
    url,
    apiUrl: `${url}/api.php`,
    dir,
    adminPassword,
    maintenance,
    runScript: (path, args = []) =>
      new Promise((resolve) => {
        execFile('php', [path, ...args], { env, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
          resolve({ status: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr });
        });
      }),
    queuedJobs: async (type) => {
      const line = (await maintenance('showJobs.php', ['--group'])).split('\n').find((l) => l.startsWith(`${type}:`));
      return line ? Number(/(\d+) queued/.exec(line)?.[1] ?? 0) : 0;
    },
    configure: (lines) => appendFileSync(join(dir, 'LocalSettings.php'), `\n${lines}\n`),
    wikicastLog: () => (existsSync(log) ? readFileSync(log, 'utf8') : ''),
    stop,
  };
}
