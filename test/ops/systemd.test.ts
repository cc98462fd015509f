import { strict as assert } from 'node:assert';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import {
  AMQP_URL,
  CleanupStack,
  freePort,
  REPO_ROOT,
  setupTopology,
  signToken,
  SseReader,
  TEST_STREAM_RETENTION,
  testWiki,
  TestClient,
  waitFor,
  writeWikisFile,
} from '@wikicast/test/support';
import { ensureDebianPackages } from '../mediawiki/debian-packages.js';
import { parseUnit, readEnvironmentFile, unitCommand, unitValues } from './systemd-unit.js';

/**
 * Issue 19: one host without Kubernetes. The units of deploy/systemd/ pass `systemd-analyze
 * verify` and its offline security rating (this machine need not run systemd as PID 1: both
 * read the files only), and run as the dedicated user with settings from /etc/wikicast/. Then
 * the services' release (deploy/release/services.sh) is unpacked and started exactly as the units
 * would start it (ExecStart, WorkingDirectory, Environment and EnvironmentFile, the instance as
 * the edge's port), with HAProxy from its unit: an SSE reader through HAProxy gets an event.
 */
const run = promisify(execFile);
const UNITS_DIR = join(REPO_ROOT, 'deploy/systemd');
const UNIT = (name: string): string => readFileSync(join(UNITS_DIR, name), 'utf8');
const SERVICE_UNITS = ['wikicast-ingest.service', 'wikicast-edge@.service', 'wikicast-haproxy.service'];
/** How a template is verified: as one of its instances. */
const verifiable = (name: string): string => `./${name.replace('@.service', '@8101.service')}`;
const MAX_EXPOSURE = 2.0;
/**
 * The units' User=wikicast, played by `nobody` (a test creates no system users): what the units
 * start must run without root and read only what is readable to others or given to it.
 */
const SERVICE_USER = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
const RELEASE_TIMEOUT_MS = 240_000;

describe('deploy/systemd units', () => {
  before(async () => {
    await ensureDebianPackages(['systemd']);
  });

  it('pass systemd-analyze verify without a word', async () => {
    const { stdout, stderr } = await run('systemd-analyze', ['verify', '--man=no', ...SERVICE_UNITS.map(verifiable), './wikicast.target'], { cwd: UNITS_DIR });
    assert.equal(`${stdout}${stderr}`.trim(), '');
  });

  for (const name of SERVICE_UNITS) {
    it(`${name} is hardened: systemd-analyze security rates its exposure under ${MAX_EXPOSURE}`, async () => {
      const { stdout } = await run('systemd-analyze', ['security', '--offline=true', '--no-pager', verifiable(name)], { cwd: UNITS_DIR });
      const level = Number(/Overall exposure level for \S+: ([\d.]+)/.exec(stdout)?.[1]);
      assert.ok(level < MAX_EXPOSURE, `exposure ${level}\n${stdout}`);
    });
  }

  it('run as the user wikicast.sysusers.conf creates, with settings from /etc/wikicast/ that do not fight the units', () => {
    const sysusers = readFileSync(join(UNITS_DIR, 'wikicast.sysusers.conf'), 'utf8');
    assert.match(sysusers, /^u wikicast - /m);
    for (const name of SERVICE_UNITS) {
      const unit = parseUnit(UNIT(name));
      assert.deepEqual(unitValues(unit, 'Service', 'User'), ['wikicast'], name);
      assert.deepEqual(unitValues(unit, 'Service', 'Group'), ['wikicast'], name);
      const files = unitValues(unit, 'Service', 'EnvironmentFile');
      assert.ok(files.length > 0 && files.every((f) => f.replace(/^-/, '').startsWith('/etc/wikicast/')), `${name}: ${files.join(', ')}`);
      assert.deepEqual(unitValues(unit, 'Install', 'WantedBy'), ['wikicast.target'], name);
    }
    // EnvironmentFile= wins over Environment=: a PORT or EDGE_ID there would override the instance's.
    for (const file of readdirSync(join(UNITS_DIR, 'env'))) {
      const keys = Object.keys(readEnvironmentFile(join(UNITS_DIR, 'env', file)));
      assert.deepEqual(keys.filter((k) => k === 'PORT' || k === 'EDGE_ID'), [], file);
    }
  });
});

describe('the services release, started as the units start it', () => {
  const wiki = testWiki('sysd', { public: true });
  const scratch = mkdtempSync(join(tmpdir(), 'wikicast-systemd-'));
  const etc = join(scratch, 'etc');
  const cleanups = new CleanupStack();
  let tree: string;
  let entry: string;
  let edgePorts: number[];

  /** Starts what a unit's ExecStart runs, in its own process group (HAProxy forks its worker). */
  function startUnit(name: string, instance?: string): ChildProcess {
    const command = unitCommand(UNIT(name), { instance, paths: [['/opt/wikicast', tree], ['/etc/wikicast', etc]] });
    const [program, ...args] = command.argv;
    const child = spawn(program!, args, { cwd: command.cwd, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...command.env }, stdio: ['ignore', 'ignore', 'pipe'], detached: true, ...SERVICE_USER });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr = `${stderr}${chunk}`.slice(-4_000)));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    cleanups.push(async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      process.kill(-child.pid!, 'SIGTERM');
      await exited;
    });
    child.once('exit', (code, signal) => {
      if (code !== 0 && signal !== 'SIGTERM') process.stderr.write(`${name}${instance ? ` (${instance})` : ''} exited ${code ?? signal}: ${stderr}\n`);
    });
    return child;
  }

  before(async () => {
    const { stdout } = await run('bash', [join(REPO_ROOT, 'deploy/release/services.sh'), join(scratch, 'out')], { timeout: RELEASE_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 });
    const archive = stdout.trim();
    mkdirSync(join(scratch, 'opt'));
    await run('tar', ['-xzf', archive, '-C', join(scratch, 'opt')]);
    tree = join(scratch, 'opt', readdirSync(join(scratch, 'opt'))[0]!);

    const topology = await setupTopology('sysd');
    cleanups.push(() => topology.cleanup());
    const wikisFile = writeWikisFile([wiki]);
    cleanups.push(() => wikisFile.remove());
    // As /etc/wikicast/wikis.json is to the group wikicast; mkdtemp's folders are root's alone.
    chmodSync(dirname(wikisFile.path), 0o755);
    chmodSync(wikisFile.path, 0o644);
    chmodSync(scratch, 0o755);
    const [ingestPort, httpPort, internalPort, statsPort, ...edges] = await Promise.all(Array.from({ length: 6 }, () => freePort()));
    edgePorts = edges;
    entry = `http://127.0.0.1:${httpPort}`;
    // The operator's files: the examples of deploy/systemd/env/ with this test's values.
    mkdirSync(etc);
    const example = (file: string): Record<string, string> => readEnvironmentFile(join(UNITS_DIR, 'env', file));
    const write = (file: string, env: Record<string, string>): void =>
      writeFileSync(join(etc, file), Object.entries(env).map(([k, v]) => `${k}=${v}`).join('\n'));
    write('wikicast.env', {
      ...example('wikicast.env'),
      AMQP_URL,
      WIKICAST_WIKIS_FILE: wikisFile.path,
      WIKICAST_AMQP_PREFIX: topology.prefix,
      WIKICAST_STREAM_MAX_AGE: TEST_STREAM_RETENTION.maxAge,
      WIKICAST_STREAM_MAX_BYTES: String(TEST_STREAM_RETENTION.maxLengthBytes),
    });
    write('ingest.env', { PORT: String(ingestPort) });
    write('haproxy.env', {
      ...example('haproxy.env'),
      WIKICAST_HTTP_BIND: `127.0.0.1:${httpPort}`,
      WIKICAST_INTERNAL_BIND: `127.0.0.1:${internalPort}`,
      WIKICAST_STATS_BIND: `127.0.0.1:${statsPort}`,
      WIKICAST_INGEST_ADDR: `127.0.0.1:${ingestPort}`,
      WIKICAST_EDGE1_ADDR: `127.0.0.1:${edges[0]}`,
      WIKICAST_EDGE2_ADDR: `127.0.0.1:${edges[1]}`,
    });

    startUnit('wikicast-ingest.service');
    for (const port of edgePorts) startUnit('wikicast-edge@.service', String(port));
    startUnit('wikicast-haproxy.service');
    const ready = (url: string) => fetch(`${url}/readyz`).then((r) => r.ok, () => false);
    for (const url of [`http://127.0.0.1:${ingestPort}`, ...edgePorts.map((p) => `http://127.0.0.1:${p}`), entry]) {
      await waitFor(`${url}/readyz`, () => ready(url), { timeoutMs: 30_000, intervalMs: 100 });
    }
  });

  after(async () => {
    await cleanups.run();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('every edge is named for its instance, <host>-<port>', async () => {
    for (const port of edgePorts) {
      const client = new TestClient(`ws://127.0.0.1:${port}/v1/ws?wiki=${wiki.id}`);
      try {
        const welcome = await client.next((f) => f.op === 'welcome', 'welcome');
        assert.equal(welcome.edge, `${hostname().split('.')[0]}-${port}`);
      } finally {
        client.close();
      }
    }
  });

  it('an SSE reader through HAProxy gets an event POSTed through HAProxy', async () => {
    const topic = `${wiki.id}:single-host`;
    const reader = new SseReader(`${entry}/v1/sse?wiki=${wiki.id}&topics=${encodeURIComponent(topic)}`);
    try {
      await reader.next((m) => m.event === 'wikicast.subscribed', 'SSE subscribed');
      const response = await fetch(`${entry}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await signToken(wiki, { aud: 'ingest' })}`, 'content-type': 'application/json' },
        body: JSON.stringify({ topic, type: 'note', msg: { from: 'systemd' } }),
      });
      assert.equal(response.status, 202, await response.clone().text());
      const [id] = ((await response.json()) as { accepted: string[] }).accepted;
      assert.ok(id);
      const message = await reader.next((m) => m.json.id === id, 'the event');
      assert.deepEqual(message.json.msg, { from: 'systemd' });
    } finally {
      reader.close();
    }
  });
});
