import { strict as assert } from 'node:assert';
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { REPO_ROOT, signToken, spawnLines, startServiceWorld, testWiki, waitFor, type LineProcess, type ServiceWorld } from '@wikicast/test/support';

const run = promisify(execFile);

/**
 * Issue 19: `@wikicast/client` as an npm package. deploy/release/packages.sh packs it; npm
 * installs the tarball (with its registry dependencies, nothing from this checkout) globally
 * under a temporary prefix and into a fresh project, both outside the repository. The installed
 * `wikicast` sends and tails through real services, and a Node program imports the library
 * (ES module, with types that `tsc` checks) and receives an event with it.
 */
const NPM_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];
const NPM_TIMEOUT_MS = 180_000;

interface Manifest {
  name: string;
  bin: Record<string, string>;
  exports: Record<string, unknown>;
  types: string;
  dependencies: Record<string, string>;
}

/** Every file path a manifest's exports (any condition) names. */
function exportedPaths(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(exportedPaths);
  return [];
}

describe('the @wikicast/client npm package, installed from its tarball', () => {
  const wiki = testWiki('clipkg');
  const scratch = mkdtempSync(join(tmpdir(), 'wikicast-npm-'));
  const prefix = join(scratch, 'global');
  const wikicast = join(prefix, 'bin', 'wikicast');
  const children: ChildProcess[] = [];
  let tarball: string;
  let world: ServiceWorld | undefined;

  /** The installed command, run from outside the repository, as a user would. */
  function installed(args: string[], url: string): LineProcess {
    const run = spawnLines(wikicast, args, { cwd: scratch, env: { ...process.env, WIKICAST_URL: url, WIKICAST_WIKIS_FILE: world!.wikisFile.path } });
    children.push(run.child);
    return run;
  }

  async function send(n: number): Promise<string> {
    const sent = installed(['send', '--wiki', wiki.id, '--topic', `${wiki.id}:pkg`, '--type', 'note', '--msg', JSON.stringify({ n })], world!.ingest.url);
    assert.equal(await sent.exit, 0, sent.stderr());
    return sent.lines.at(-1) ?? '';
  }

  before(async () => {
    const packed = run('bash', [join(REPO_ROOT, 'deploy/release/packages.sh'), join(scratch, 'out')], { timeout: NPM_TIMEOUT_MS });
    // Both settle before a failure is reported, so `after` stops services that did start.
    const [pack, started] = await Promise.allSettled([packed, startServiceWorld('clipkg', [wiki], [{}])]);
    if (started.status === 'fulfilled') world = started.value;
    if (pack.status === 'rejected') throw pack.reason;
    if (started.status === 'rejected') throw started.reason;
    tarball = pack.value.stdout.trim();
  });

  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    await world?.cleanup();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('holds what its manifest names, and depends on no workspace package', async () => {
    const files = (await run('tar', ['-tzf', tarball])).stdout.trim().split('\n').map((f) => f.replace(/^package\//, ''));
    const manifest = JSON.parse((await run('tar', ['-xzOf', tarball, 'package/package.json'])).stdout) as Manifest;
    assert.equal(manifest.name, '@wikicast/client');
    for (const path of [...Object.values(manifest.bin), manifest.types, ...exportedPaths(manifest.exports)]) {
      assert.ok(files.includes(path.replace(/^\.\//, '')), `${path} is in the tarball (${files.join(', ')})`);
    }
    assert.ok(files.includes('LICENSE'));
    assert.deepEqual(Object.keys(manifest.dependencies).filter((name) => name.startsWith('@wikicast/')), []);
    assert.deepEqual(Object.values(manifest.dependencies).filter((range) => range.startsWith('workspace:')), []);
  });

  it('npm install -g puts a working `wikicast` on the PATH', { timeout: NPM_TIMEOUT_MS }, async () => {
    await run('npm', ['install', '--global', '--prefix', prefix, ...NPM_FLAGS, tarball], { cwd: scratch, timeout: NPM_TIMEOUT_MS });
    const { stdout } = await run(wikicast, ['--help'], { cwd: scratch });
    assert.match(stdout, /^Usage: wikicast <command>/);
    assert.match(stdout, /tail/);
  });

  it('the installed `wikicast tail` prints what the installed `wikicast send` sent', async () => {
    const edge = world!.edges[0]!;
    const tail = installed(['tail', '--wiki', wiki.id, '--topics', `${wiki.id}:pkg`], edge.url);
    await waitFor('tail to connect', async () => /wikicast_edge_connections\{[^}]*transport="ws"[^}]*\} [1-9]/.test(await (await fetch(`${edge.url}/metrics`)).text()), { timeoutMs: 20_000 });
    const ids = [await send(1), await send(2)];
    await waitFor('tail to print both events', () => tail.lines.length >= 2, { timeoutMs: 20_000 });
    const printed = tail.lines.map((line) => JSON.parse(line) as { id: string; cursor: string; msg: { n: number } });
    assert.deepEqual(printed.map((e) => e.id), ids);
    assert.deepEqual(printed.map((e) => e.msg.n), [1, 2]);
    tail.child.kill('SIGINT');
    assert.equal(await tail.exit, 0, tail.stderr());
  });

  it('a Node project that installs the tarball imports the library, type-checks against it and receives an event', { timeout: NPM_TIMEOUT_MS }, async () => {
    const app = join(scratch, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    await run('npm', ['install', ...NPM_FLAGS, tarball], { cwd: app, timeout: NPM_TIMEOUT_MS });
    writeFileSync(join(app, 'listen.ts'), `
import { connect, State, type WikicastMessage } from '@wikicast/client';
declare const process: { env: Record<string, string | undefined>; stdout: { write(s: string): void }; exit(code: number): never };
const client = connect({ url: process.env.EDGE_URL!, token: process.env.TOKEN! });
client.on('state', ({ to }) => { if (to === State.Connected) process.stdout.write('connected\\n'); });
client.subscribe(process.env.TOPIC!, (message: WikicastMessage) => {
  process.stdout.write(JSON.stringify({ id: message.id, cursor: message.cursor }) + '\\n');
  process.exit(0);
});
`);
    // The repository's TypeScript on the project alone: the package's own types must resolve from its node_modules.
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { strict: true, module: 'nodenext', target: 'es2022', types: [], skipLibCheck: false, noEmitOnError: true },
      files: ['listen.ts'],
    }));
    await run(process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', '.'], { cwd: app }).catch((err: { stdout?: string; message: string }) => {
      assert.fail(`tsc: ${err.stdout || err.message}`);
    });

    const token = await signToken(wiki);
    const listener = spawnLines(process.execPath, ['listen.js'], { cwd: app, env: { ...process.env, EDGE_URL: world!.edges[0]!.url, TOKEN: token, TOPIC: `${wiki.id}:pkg` } });
    children.push(listener.child);
    const { lines } = listener;
    await waitFor('the library to connect', () => lines.includes('connected') || listener.child.exitCode !== null, { timeoutMs: 20_000 });
    assert.deepEqual(lines, ['connected'], listener.stderr());
    const id = await send(3);
    assert.equal(await listener.exit, 0, listener.stderr());
    assert.equal((JSON.parse(lines[1] ?? '{}') as { id: string }).id, id);
  });
});
