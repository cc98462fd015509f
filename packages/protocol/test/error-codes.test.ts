import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { ErrorCodes, type ErrorSpec } from '../src/index.js';

const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');

it('docs/errors.md lists every error code with the status and close code of the registry', () => {
  const rows = new Map<string, { status: string; close: string }>();
  for (const match of doc.matchAll(/^\| `([a-z_]+)` \| ([^|]+) \| ([^|]+) \|/gm)) rows.set(match[1]!, { status: match[2]!.trim(), close: match[3]!.trim() });
  for (const [code, spec] of Object.entries(ErrorCodes) as Array<[string, ErrorSpec]>) {
    const row = rows.get(code);
    assert.ok(row, `add ${code} to docs/errors.md`);
    assert.equal(row.status, String(spec.status), `${code}: HTTP status`);
    assert.equal(row.close, spec.close === undefined ? '—' : String(spec.close), `${code}: close code`);
  }
  assert.deepEqual([...rows.keys()].filter((code) => !Object.hasOwn(ErrorCodes, code)), [], 'documented codes the registry does not have');
});

it('binds a disconnect reason to every refusal that ends a connection, and only to those', () => {
  for (const [code, spec] of Object.entries(ErrorCodes) as Array<[string, ErrorSpec]>) {
    assert.equal(spec.close === undefined, spec.disconnectReason === undefined, code);
  }
});
