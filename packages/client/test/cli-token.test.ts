import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { errors, jwtVerify } from 'jose';
import { ExitCode } from '../src/cli/exit-codes.js';
import { run } from '../src/cli/run.node.js';
import { recordingIo } from './cli-io.js';

const SECRET = 'a-development-secret-of-some-length';
const key = new TextEncoder().encode(SECRET);

const ROTATED = 'the-rotated-secret-of-at-least-32-characters';

function wikisFile(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'wikicast-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'wikis.json');
  writeFileSync(path, JSON.stringify([
    { id: 'other', secret: 'another-development-secret-of-length' },
    { id: 'demo', secret: SECRET, public: true },
    { id: 'rotated', keys: [{ kid: 'k2', secret: ROTATED }, { kid: 'k1', secret: SECRET }] },
  ]));
  return path;
}

test('token: signed with the secret from the wikis file, with the claims asked for', async (t) => {
  const io = recordingIo({ WIKICAST_WIKIS_FILE: wikisFile(t) });
  const code = await run(['token', '--wiki', 'demo', '--user', 'Alice', '--groups', 'sysop', '--send', 'demo:*', '--ttl', '120', '--aud', 'ingest', '--cid', 'WS9'], io);
  assert.equal(code, ExitCode.ok);
  const token = io.stdout.at(-1) ?? '';
  const { payload, protectedHeader } = await jwtVerify(token, key, { issuer: 'demo', audience: 'ingest', algorithms: ['HS256'] });
  assert.equal(protectedHeader.alg, 'HS256');
  assert.equal(payload.sub, 'Alice');
  assert.deepEqual(payload.groups, ['sysop']);
  assert.deepEqual(payload.send, ['demo:*']);
  assert.equal(payload.cid, 'WS9');
  assert.equal((payload.exp ?? 0) - (payload.iat ?? 0), 120);
});

test('token: a wiki with keys is signed with its current key, named by kid; one with a secret names none', async (t) => {
  const io = recordingIo({ WIKICAST_WIKIS_FILE: wikisFile(t) });
  assert.equal(await run(['token', '--wiki', 'rotated'], io), ExitCode.ok);
  const { protectedHeader } = await jwtVerify(io.stdout.at(-1) ?? '', new TextEncoder().encode(ROTATED), { issuer: 'rotated' });
  assert.equal(protectedHeader.kid, 'k2');
  assert.equal(await run(['token', '--wiki', 'demo'], io), ExitCode.ok);
  assert.equal((await jwtVerify(io.stdout.at(-1) ?? '', key)).protectedHeader.kid, undefined);
});

test('token: --secret wins; without aud or user the token has neither', async () => {
  const io = recordingIo();
  assert.equal(await run(['token', '--wiki', 'demo', '--secret', SECRET], io), ExitCode.ok);
  const { payload } = await jwtVerify(io.stdout.at(-1) ?? '', key);
  assert.equal(payload.aud, undefined);
  assert.equal(payload.sub, undefined);
  assert.equal((payload.exp ?? 0) - (payload.iat ?? 0), 600);
  await assert.rejects(jwtVerify(io.stdout.at(-1) ?? '', new TextEncoder().encode('wrong')), errors.JWSSignatureVerificationFailed);
});

test('token: no secret, an unknown wiki, an unreadable file: exit 2 with one line', async (t) => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{}, /no secret for wiki "demo": pass --secret or set WIKICAST_WIKIS_FILE/],
    [{ WIKICAST_WIKIS_FILE: '/nonexistent/wikis.json' }, /cannot read the wikis file \/nonexistent\/wikis.json/],
  ];
  for (const [env, pattern] of cases) {
    const io = recordingIo(env);
    assert.equal(await run(['token', '--wiki', 'demo'], io), ExitCode.auth);
    assert.equal(io.stdout.length, 0);
    assert.equal(io.stderr.length, 1);
    assert.match(io.stderr[0] ?? '', pattern);
  }
  const io = recordingIo({ WIKICAST_WIKIS_FILE: wikisFile(t) });
  assert.equal(await run(['token', '--wiki', 'nowiki'], io), ExitCode.auth);
  assert.match(io.stderr[0] ?? '', /wiki "nowiki" is not in the wikis file/);
});

test('token: a wikis file the services would refuse is refused here too, with their reason', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wikicast-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cases: Array<[unknown, RegExp]> = [
    [[{ id: 'demo', secret: 'short' }], /"0\.secret": .* \(secrets need 32\+ characters\)/],
    [[{ id: 'demo', secret: SECRET }, { id: 'demo', secret: SECRET }], /wiki "demo" is listed twice/],
    [{ demo: SECRET }, /is invalid: /],
  ];
  for (const [content, pattern] of cases) {
    const path = join(dir, 'wikis.json');
    writeFileSync(path, JSON.stringify(content));
    const io = recordingIo({ WIKICAST_WIKIS_FILE: path });
    assert.equal(await run(['token', '--wiki', 'demo'], io), ExitCode.auth);
    assert.equal(io.stderr.length, 1);
    assert.match(io.stderr[0] ?? '', pattern);
  }
});

test('the installed bin: the token alone on the last line of stdout', async () => {
  const bin = fileURLToPath(new URL('../bin/wikicast.js', import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, [bin, 'token', '--wiki', 'demo', '--secret', SECRET]);
  const lines = stdout.trimEnd().split('\n');
  await jwtVerify(lines.at(-1) ?? '', key, { issuer: 'demo' });
});

test('a usage error: exit 1, the problem and a pointer to --help on stderr', async () => {
  const io = recordingIo();
  assert.equal(await run(['token'], io), ExitCode.usage);
  assert.deepEqual(io.stderr, ['wikicast: token: --wiki is required', "Run 'wikicast --help' for usage."]);
});
