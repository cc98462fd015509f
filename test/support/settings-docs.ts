import { strict as assert } from 'node:assert';
import type { IntSettings } from '@wikicast/service-runtime';

/** The rows `| \`KEY\` | value | meaning |` of one section (from its heading to the next) of a document. */
export function settingsRows(doc: string, heading: string): Map<string, { value: string; meaning: string }> {
  const start = doc.indexOf(heading);
  assert.ok(start >= 0, `the document has a section ${heading}`);
  const end = doc.indexOf('\n## ', start + heading.length);
  const section = doc.slice(start, end < 0 ? undefined : end);
  return new Map([...section.matchAll(/^\| `([A-Z0-9_]+)` \| ([^|]+) \| (.+) \|$/gm)].map((m) => [m[1]!, { value: m[2]!.trim(), meaning: m[3]!.trim() }]));
}

/** Each setting of a service's table has its row: `<default> <unit>` and the table's meaning, word for word. */
export function assertSettingsDocumented(rows: ReadonlyMap<string, { value: string; meaning: string }>, table: IntSettings): void {
  for (const setting of Object.values(table)) {
    const row = rows.get(setting.key);
    assert.ok(row, `the configuration table documents ${setting.key}`);
    assert.equal(row.value, `${setting.default} ${setting.unit}`.trim(), `the default of ${setting.key}`);
    assert.equal(row.meaning, setting.doc, `the meaning of ${setting.key}`);
  }
}
