import { strict as assert } from 'node:assert';
import { execFile, spawn } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { AMQP_URL, freePort, REPO_ROOT, setupTopology, TEST_STREAM_RETENTION, testWiki, waitFor, writeWikisFile, type TestTopology } from '@wikicast/test/support';
import { dockerignore, ignored, stages } from './dockerfile.js';

/**
 * The Dockerfile's build steps, run without a Docker engine: the build context that
 * .dockerignore leaves is copied to a temporary directory and each stage's RUN commands run
 * there as a `docker build` on a new machine would run them: with a HOME, pnpm store and caches
 * of their own, empty at the start (the first `pnpm fetch` fills the store from the registry,
 * the second finds it full, as Docker's layer cache would). The directory each image would
 * contain is then started as the image starts it, `node dist/main.js` in its WORKDIR, against
 * the real RabbitMQ. What this cannot check is the base image itself.
 */
const run = promisify(execFile);
const SERVICES = ['ingest', 'edge'] as const;
// A first `pnpm fetch` into an empty store downloads every locked package.
const BUILD_TIMEOUT_MS = 300_000;

const scratch = mkdtempSync(join(tmpdir(), 'wikicast-image-'));
const context = join(scratch, 'context');
const home = join(scratch, 'home');
const store = join(scratch, 'pnpm-store');
const dockerfile = () => stages(readFileSync(join(REPO_ROOT, 'deploy/docker/Dockerfile'), 'utf8')).stages;
let topology: TestTopology | undefined;

after(async () => {
  await topology?.cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

/** The last WORKDIR of a stage or the stages it is built FROM. */
function workdir(target: string): string {
  const all = dockerfile();
  for (let stage = all.find((s) => s.name === target); stage !== undefined; stage = all.find((s) => s.name === stage?.from)) {
    const line = stage.lines.filter((l) => /^WORKDIR\s/i.test(l)).at(-1);
    if (line !== undefined) return line.replace(/^WORKDIR\s+/i, '');
  }
  return '/';
}

/** The environment of a build on a machine that has never seen the project: nothing of this one's pnpm or npm state. */
function freshEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|pnpm_|XDG_)/i.test(key) || key === 'PNPM_HOME') continue;
    env[key] = value;
  }
  return { ...env, HOME: home, CI: 'true' };
}

/** The RUN commands of a stage and the stages it is built FROM, base first. */
function runCommands(target: string): string[] {
  const all = dockerfile();
  const chain: string[] = [];
  for (let stage = all.find((s) => s.name === target); stage !== undefined; stage = all.find((s) => s.name === stage?.from)) {
    chain.unshift(...stage.lines.filter((l) => /^RUN\s/i.test(l)).map((l) => l.replace(/^RUN\s+/i, '')));
  }
  return chain;
}

describe('the Dockerfile build steps', { timeout: 2 * BUILD_TIMEOUT_MS }, () => {
  before(async () => {
    const { stdout } = await run('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 });
    const rules = dockerignore(REPO_ROOT);
    for (const file of stdout.split('\n').filter(Boolean)) {
      if (ignored(rules, file)) continue;
      mkdirSync(dirname(join(context, file)), { recursive: true });
      try {
        copyFileSync(join(REPO_ROOT, file), join(context, file));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err; // deleted in the work tree
      }
    }
    mkdirSync(home);
    topology = await setupTopology('image');
  });

  for (const service of SERVICES) {
    it(`build the ${service} image's /app, which starts with node dist/main.js`, { timeout: BUILD_TIMEOUT_MS }, async (t) => {
      const out = join(scratch, `out-${service}`);
      // Each image is built from its own copy of the context, as Docker builds each target.
      const serviceContext = join(scratch, `context-${service}`);
      cpSync(context, serviceContext, { recursive: true });
      for (const command of runCommands(`build-${service}`)) {
        // The base image has its pnpm already; this machine's pnpm 9 stands for it.
        if (/^npm install --global pnpm@/.test(command)) continue;
        const local = command.replaceAll('/pnpm-store', store).replace(/ \/out$/, ` ${out}`);
        await run('bash', ['-c', local], { cwd: serviceContext, env: freshEnvironment(), maxBuffer: 64 * 1024 * 1024 }).catch((err: { stdout: string; stderr: string }) => {
          throw new Error(`RUN ${command}\n${err.stdout}${err.stderr}`);
        });
      }
      const appDir = workdir(service);
      assert.match(appDir, /^\/app(\/|$)/, 'the image runs from /app');
      const cwd = join(out, appDir.slice('/app'.length));
      const development = ['typescript', 'tsx', 'fast-check', '@wikicast/test'];
      for (const name of development) {
        assert.ok(!existsSync(join(cwd, 'node_modules', name)) && !existsSync(join(out, 'node_modules', name)), `${name} (development only) is not in the image`);
      }

      const wikis = writeWikisFile([testWiki('imagewiki')]);
      t.after(wikis.remove);
      const port = await freePort();
      const child = spawn(process.execPath, ['dist/main.js'], {
        cwd,
        // As the image sets it up: no source conditions, no tsx, production mode.
        env: {
          PATH: process.env.PATH,
          NODE_ENV: 'production',
          HOST: '127.0.0.1',
          PORT: String(port),
          AMQP_URL,
          WIKICAST_AMQP_PREFIX: topology?.prefix ?? '',
          WIKICAST_STREAM_MAX_AGE: TEST_STREAM_RETENTION.maxAge,
          WIKICAST_STREAM_MAX_BYTES: String(TEST_STREAM_RETENTION.maxLengthBytes),
          WIKICAST_WIKIS_FILE: wikis.path,
          EDGE_ID: `${topology?.prefix}-image`,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
      try {
        await waitFor(`${service} from the image to be ready`, async () => {
          if (child.exitCode !== null) throw new Error(`${service} exited ${child.exitCode}:\n${output}`);
          try {
            return (await fetch(`http://127.0.0.1:${port}/readyz`)).ok;
          } catch (err) {
            if (err instanceof TypeError) return false; // not listening yet
            throw err;
          }
        }, { timeoutMs: 30_000, intervalMs: 100 });
        const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        assert.match(metrics, new RegExp(`^# TYPE wikicast_${service}_`, 'm'));
      } finally {
        child.kill('SIGTERM');
      }
      assert.equal(await exited, 0, `${service} exits 0 on SIGTERM:\n${output}`);
    });
  }
});
