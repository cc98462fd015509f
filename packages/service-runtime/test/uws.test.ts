import { strict as assert } from 'node:assert';
import { it } from 'node:test';
import { loadUws, uwsIsNative } from '../src/index.js';
import { UwsFallbackError } from '../src/uws.js';

it('loads the native uWebSockets.js build on this platform', () => {
  assert.equal(uwsIsNative(), true, 'the native binary should load for Node 20 on linux-x64');
  assert.equal(typeof loadUws(false).App, 'function');
});

it('tells the JavaScript fallback from the native build', () => {
  const fallbackLike = { App: function App() {} } as unknown as Parameters<typeof uwsIsNative>[0];
  assert.equal(uwsIsNative(fallbackLike), false);
});

it("says why it refuses the fallback, for which Node, and what an operator can do", () => {
  const message = new UwsFallbackError().message;
  assert.ok(message.includes(process.version), message);
  assert.match(message, /Node 18 and 20 ABIs only/);
  assert.match(message, /docs\/operations\.md, "Runtime support"/);
});

it('refuses the real JavaScript fallback unless allowed', async () => {
  const { execFile } = await import('node:child_process');
  const script = [
    "import { loadUws } from '@wikicast/service-runtime';",
    "try { loadUws(false); console.log('loaded'); } catch (err) { console.log('refused:' + err.code); }",
    "loadUws(true); console.log('allowed');",
  ].join('\n');
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      ['--conditions=wikicast-source', '--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: new URL('..', import.meta.url), env: { ...process.env, UWS_USE_FALLBACK: 'true' } },
      (err, out) => (err ? reject(err) : resolve(out)),
    );
  });
  assert.match(stdout, /refused:uws_fallback/);
  assert.match(stdout, /allowed/);
});
