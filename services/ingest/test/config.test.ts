import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { ConfigError } from '@wikicast/service-runtime';
import { assertSettingsDocumented, REPO_ROOT, settingsRows, startService, testWiki, writeWikisFile } from '@wikicast/test/support';
import { INGEST_INT_SETTINGS, PUBLISH_TIMEOUT_MS, readIngestConfig, UNCONFIRMED_WINDOW } from '../src/config.js';

const base = { WIKICAST_WIKIS_FILE: '/nonexistent/wikis.json' };

it('reads defaults with units, frozen, and names the key of a bad value', () => {
  const config = readIngestConfig({ ...base, INGEST_ID: 'one' });
  assert.equal(config.port, 8100);
  assert.equal(config.unconfirmedWindow, UNCONFIRMED_WINDOW);
  assert.equal(config.publishTimeoutMs, PUBLISH_TIMEOUT_MS);
  assert.equal(config.connectionName, 'wikicast-ingest-one');
  assert.ok(Object.isFrozen(config));
  const bad: Array<[Record<string, string>, string]> = [
    [{ WIKICAST_INGEST_PUBLISH_TIMEOUT_MS: 'soon' }, 'WIKICAST_INGEST_PUBLISH_TIMEOUT_MS'],
    [{ WIKICAST_INGEST_RATE_PER_WIKI: '-1' }, 'WIKICAST_INGEST_RATE_PER_WIKI'],
    [{ WIKICAST_INGEST_MAX_BATCH: '500', WIKICAST_INGEST_UNCONFIRMED_WINDOW: '100' }, 'WIKICAST_INGEST_UNCONFIRMED_WINDOW'],
    [{ INGEST_ID: 'has space' }, 'INGEST_ID'],
    [{ PORT: '70000' }, 'PORT'],
  ];
  for (const [env, key] of bad) {
    assert.throws(() => readIngestConfig({ ...base, ...env }), (err: unknown) => err instanceof ConfigError && err.key === key && err.message.startsWith(key));
  }
  assert.throws(() => readIngestConfig({}), (err: unknown) => err instanceof ConfigError && err.key === 'WIKICAST_WIKIS_FILE');
});

it('exits 1 at start with a message naming the bad key', async () => {
  const wikis = writeWikisFile([testWiki('cfg')]);
  try {
    await assert.rejects(startService('ingest', { WIKICAST_WIKIS_FILE: wikis.path, WIKICAST_INGEST_BODY_LIMIT_BYTES: 'lots' }), /exited \(1\)[\s\S]*WIKICAST_INGEST_BODY_LIMIT_BYTES/);
    await assert.rejects(startService('ingest', { WIKICAST_WIKIS_FILE: '/nonexistent/wikis.json' }), /exited \(1\)[\s\S]*WIKICAST_WIKIS_FILE/);
  } finally {
    wikis.remove();
  }
});

it("docs/ingest.md's configuration table says what INGEST_INT_SETTINGS says: default, unit and meaning of each", () => {
  assertSettingsDocumented(settingsRows(readFileSync(`${REPO_ROOT}/docs/ingest.md`, 'utf8'), '## Configuration'), INGEST_INT_SETTINGS);
  const defaults = readIngestConfig(base);
  for (const [name, setting] of Object.entries(INGEST_INT_SETTINGS)) assert.equal(defaults[name as keyof typeof INGEST_INT_SETTINGS], setting.default, `readIngestConfig reads ${setting.key}`);
});
