import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { exportedSchemas, jsonSchemaText } from '../src/json-schemas.js';

it('the committed JSON Schemas match the TypeBox source (run `pnpm --filter @wikicast/protocol schemas`)', () => {
  for (const [name, schema] of Object.entries(exportedSchemas)) {
    const committed = readFileSync(new URL(`../schemas/${name}`, import.meta.url), 'utf8');
    assert.equal(committed, jsonSchemaText(name, schema), `schemas/${name} is stale`);
  }
});
