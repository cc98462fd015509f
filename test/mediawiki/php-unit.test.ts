import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { ensureDebianPackages, PHP_PACKAGES } from './debian-packages.js';

/**
 * The extension's PHP unit tests (token signing, event building) run with plain PHP, without
 * MediaWiki: test/mediawiki/php/run.php prints one JSON line per test, and each becomes a test here.
 */
interface PhpResult {
  file: string;
  name: string;
  ok: boolean;
  error: string | null;
}

await ensureDebianPackages(PHP_PACKAGES);
const runner = fileURLToPath(new URL('./php/run.php', import.meta.url));
const child = spawnSync('php', [runner], { encoding: 'utf8' });
const results = child.stdout
  .split('\n')
  .filter((line) => line.startsWith('{'))
  .map((line) => JSON.parse(line) as PhpResult);

describe('PHP unit tests (packages/mediawiki without MediaWiki)', () => {
  it('the PHP runner ran and found tests', () => {
    assert.ok(results.length > 0, `no PHP test ran: ${child.stderr}${child.stdout}`);
    assert.equal(child.status, results.every((r) => r.ok) ? 0 : 1, child.stderr);
  });
  for (const result of results) {
    it(`${result.file}: ${result.name}`, () => {
      assert.ok(result.ok, result.error ?? 'failed');
    });
  }
});
