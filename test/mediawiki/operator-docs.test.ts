import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '@wikicast/test/support';
import { codeBlocks, OPERATOR_SECTION_HEADING, operatorSection } from './operator-readme.js';

/**
 * The README's section for wiki operators stays true to the extension: every setting of
 * extension.json is in its table with the default extension.json gives, it lists no setting that
 * does not exist, and the LocalSettings.php lines it shows set only real settings; the extension's
 * own README (packages/mediawiki/README.md, shipped in the release) likewise; and extension.json
 * says what Special:Version shows of it: its address, the packages' version, authors, license.
 */
interface ConfigEntry {
  value: unknown;
}

/** A default as an operator would write it in LocalSettings.php. */
function asPhp(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return `[ ${value.map(asPhp).join(', ')} ]`;
  if (typeof value === 'object') return `[ ${Object.entries(value).map(([k, v]) => `'${k}' => ${asPhp(v)}`).join(', ')} ]`;
  return String(value);
}

describe("README's section for wiki operators", () => {
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'packages/mediawiki/extension.json'), 'utf8')) as {
    name: string;
    url?: string;
    version?: string;
    author?: string[];
    'license-name'?: string;
    config_prefix: string;
    config: Record<string, ConfigEntry>;
  };
  const settings = new Map(Object.entries(manifest.config).map(([name, entry]) => [`$${manifest.config_prefix}${name}`, entry.value]));
  const section = operatorSection();
  const rows = new Map(
    [...section.matchAll(/^\| `(\$wg\w+)` \| `([^|]*)` \|/gm)].map((match) => [match[1]!, match[2]!] as const),
  );

  it('documents every setting with its default', () => {
    for (const [name, value] of settings) {
      assert.ok(rows.has(name), `${name} is missing from the settings table`);
      assert.equal(rows.get(name), asPhp(value), `the default of ${name}`);
    }
  });

  it('documents no setting the extension does not have', () => {
    assert.deepEqual([...rows.keys()].filter((name) => !settings.has(name)), []);
    const set = [...section.matchAll(/^(?:\/\/ )?(\$wgWikicast\w+) =/gm)].map((match) => match[1]!);
    assert.ok(set.length > 0, 'the LocalSettings.php lines are there');
    assert.deepEqual(set.filter((name) => !settings.has(name)), []);
  });

  it('shows how to load the extension', () => {
    assert.match(section, /wfLoadExtension\( 'Wikicast' \);/);
    assert.equal(manifest.config_prefix, 'wg');
  });

  it("is matched by the extension's own README, which sets only real settings", () => {
    const own = readFileSync(join(REPO_ROOT, 'packages/mediawiki/README.md'), 'utf8');
    const [lines] = codeBlocks(own, 'php');
    assert.ok(lines, 'packages/mediawiki/README.md shows LocalSettings.php lines');
    assert.match(lines, /wfLoadExtension\( 'Wikicast' \);/);
    const set = [...lines.matchAll(/^(\$wgWikicast\w+) =/gm)].map((match) => match[1]!);
    assert.deepEqual(set.filter((name) => !settings.has(name)), []);
    assert.match(own, /docs\/mediawiki\.md/, 'it points at the extension\'s documentation');
    assert.match(own, new RegExp(OPERATOR_SECTION_HEADING.replace(/^## /, '').replace(/:.*$/, '')), "and at the README's install steps");
  });

  it("gives Special:Version the extension's address, version, authors and license", () => {
    const client = JSON.parse(readFileSync(join(REPO_ROOT, 'packages/client/package.json'), 'utf8')) as { version: string };
    assert.equal(manifest.name, 'Wikicast');
    assert.match(manifest.url ?? '', /^https:\/\//);
    assert.equal(manifest.version, client.version, "the packages' version (CHANGELOG.md)");
    assert.ok((manifest.author ?? []).length > 0);
    assert.equal(manifest['license-name'], 'GPL-2.0-or-later');
  });
});
