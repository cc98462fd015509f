import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '@wikicast/test/support';

/**
 * The README's section for wiki operators stays true to the extension: every setting of
 * extension.json is in its table with the default extension.json gives, it lists no setting that
 * does not exist, and the LocalSettings.php lines it shows set only real settings.
 */
const SECTION_HEADING = '## For wiki operators: the MediaWiki extension';

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

function operatorSection(): string {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(SECTION_HEADING);
  assert.ok(start >= 0, `README.md has no "${SECTION_HEADING}"`);
  const next = readme.indexOf('\n## ', start + SECTION_HEADING.length);
  return readme.slice(start, next < 0 ? undefined : next);
}

describe("README's section for wiki operators", () => {
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'packages/mediawiki/extension.json'), 'utf8')) as {
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
});
