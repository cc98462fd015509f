import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';
import { gzipSync } from 'node:zlib';
import { parse } from 'acorn';
import { build } from 'esbuild';
import { buildBundles } from '../scripts/build.js';
import { fakeWebSocket } from './fake-socket.js';

const BUDGET_BYTES = 6 * 1024;
const bundles = await buildBundles();
const classic = bundles.find((b) => b.file.endsWith('/wikicast.js'))?.code ?? '';

test('each browser bundle is within 6 KiB minified + gzipped and holds no Node-only code', () => {
  assert.equal(bundles.length, 2);
  for (const bundle of bundles) {
    const gzipped = gzipSync(bundle.code, { level: 9 }).length;
    assert.ok(gzipped <= BUDGET_BYTES, `${bundle.file}: ${gzipped} B > ${BUDGET_BYTES} B`);
    assert.doesNotMatch(bundle.code, /require\(|node:|typebox/i, `${bundle.file} pulls in Node or schema code`);
  }
});

test("the protocol's pure entry point, which the client and the CLI import, loads no schema library", async () => {
  const entry = fileURLToPath(import.meta.resolve('@wikicast/protocol'));
  assert.match(entry, /protocol\/src\/index\.ts$/, 'resolved to the source (wikicast-source condition)');
  const result = await build({ entryPoints: [entry], bundle: true, write: false, metafile: true, format: 'esm', platform: 'neutral', logLevel: 'silent' });
  const inputs = Object.keys(result.metafile.inputs);
  assert.ok(inputs.some((p) => p.endsWith('close-codes.ts')), inputs.join(', '));
  assert.deepEqual(inputs.filter((p) => /typebox|validators|validate\.ts|parse-frame/.test(p)), []);
});

test("the classic script is ES2015 syntax (ResourceLoader's es6 modules on MediaWiki 1.39), the module ES2020", () => {
  assert.doesNotThrow(() => parse(classic, { ecmaVersion: 2015, sourceType: 'script' }));
  const esm = bundles.find((b) => b.file.endsWith('/wikicast.esm.js'))?.code ?? '';
  assert.doesNotThrow(() => parse(esm, { ecmaVersion: 2020, sourceType: 'module' }));
});

test('the classic script defines Wikicast, and webSocket from window.wikicastConfig read at load', () => {
  const fake = fakeWebSocket();
  const page: Record<string, unknown> = {
    WebSocket: fake.WebSocket,
    location: { href: 'https://wiki.example/wiki/Main_Page' },
    wikicastConfig: { url: 'https://edge.example', token: 'abc' },
    URL,
    setTimeout,
    clearTimeout,
  };
  page.window = page;
  runInNewContext(classic, page);
  const webSocket = page.webSocket as { connected: () => boolean; subscribe: unknown; send: unknown; disconnected: unknown; close: () => void };
  assert.equal(typeof page.Wikicast, 'object');
  assert.equal(webSocket.connected(), false);
  assert.equal(typeof webSocket.subscribe, 'function');
  assert.equal(typeof webSocket.disconnected, 'function');
  webSocket.close();
});

test('without a config, Wikicast.connect() creates webSocket, defaulting to this origin', async () => {
  const fake = fakeWebSocket();
  const page: Record<string, unknown> = { WebSocket: fake.WebSocket, location: { href: 'https://wiki.example/wiki/X' }, URL, setTimeout, clearTimeout };
  page.window = page;
  runInNewContext(classic, page);
  assert.equal(page.webSocket, undefined);
  const client = (page.Wikicast as { connect: (o: object) => { close: () => void } }).connect({ getToken: () => 'tok' });
  assert.equal(page.webSocket, client);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(fake.last().url, 'wss://wiki.example/v1/ws?token=tok');
  client.close();
});
