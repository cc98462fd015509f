/** Writes packages/protocol/schemas/*.json from the TypeBox source; a test checks they are current. */
import { writeFileSync } from 'node:fs';
import { exportedSchemas, jsonSchemaText } from '../src/json-schemas.js';

for (const [name, schema] of Object.entries(exportedSchemas)) {
  writeFileSync(new URL(`../schemas/${name}`, import.meta.url), jsonSchemaText(name, schema));
  process.stdout.write(`wrote schemas/${name}\n`);
}
