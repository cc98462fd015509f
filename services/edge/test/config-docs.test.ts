import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { assertSettingsDocumented, REPO_ROOT, settingsRows } from '@wikicast/test/support';
import { EDGE_INT_SETTINGS, readEdgeConfig } from '../src/config.js';

/**
 * docs/edge.md is the authority on the edge's settings: its configuration table must name every
 * one the code reads, and for each whole-number setting say what EDGE_INT_SETTINGS says (the same
 * default and unit, the same meaning).
 */
const rows = settingsRows(readFileSync(`${REPO_ROOT}/docs/edge.md`, 'utf8'), '## Configuration');

it("docs/edge.md's configuration table lists every setting the edge reads", () => {
  const source = readFileSync(`${REPO_ROOT}/services/edge/src/config.ts`, 'utf8');
  const read = new Set([...source.matchAll(/'(WIKICAST_[A-Z0-9_]+|EDGE_ID)'/g)].map((m) => m[1]!));
  assert.ok(read.size >= 10, 'the settings are found in config.ts');
  for (const name of read) assert.ok(rows.has(name), `docs/edge.md documents ${name}`);
});

it('each whole-number setting has the default and the meaning of its entry in EDGE_INT_SETTINGS', () => {
  assertSettingsDocumented(rows, EDGE_INT_SETTINGS);
  const defaults = readEdgeConfig({ WIKICAST_WIKIS_FILE: '/dev/null' });
  assert.equal(rows.get('WIKICAST_EDGE_TRUSTED_PROXIES')?.value, defaults.trustedProxies.join(','), 'the default of WIKICAST_EDGE_TRUSTED_PROXIES');
  for (const [name, setting] of Object.entries(EDGE_INT_SETTINGS)) assert.equal(defaults[name as keyof typeof EDGE_INT_SETTINGS], setting.default, `readEdgeConfig reads ${setting.key}`);
});
