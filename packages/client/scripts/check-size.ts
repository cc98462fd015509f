/**
 * Fails if a browser bundle is over the budget (6 KiB minified + gzipped) and writes the figures
 * to docs/client-size.md, where the README points.
 *   node --import tsx packages/client/scripts/check-size.ts
 */
import { writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PACKAGE_DIR, writeBundles, type Bundle } from './build.js';

export const BUDGET_BYTES = 6 * 1024;

export interface BundleSize {
  file: string;
  minified: number;
  gzipped: number;
}

export function measure(bundle: Bundle): BundleSize {
  const code = Buffer.from(bundle.code);
  return { file: basename(bundle.file), minified: code.length, gzipped: gzipSync(code, { level: 9 }).length };
}

function report(sizes: readonly BundleSize[]): string {
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(2)} KiB`;
  const rows = sizes.map((s) => `| \`dist/${s.file}\` | ${s.minified} B (${kib(s.minified)}) | ${s.gzipped} B (${kib(s.gzipped)}) | ${s.gzipped <= BUDGET_BYTES ? 'within' : '**over**'} |`);
  return [
    '# Client bundle size',
    '',
    `Budget: ${BUDGET_BYTES} bytes (6 KiB) minified + gzipped (level 9), per bundle. Written by`,
    '`packages/client/scripts/check-size.ts`, which fails when a bundle is over; the unit test',
    '`packages/client/test/bundle.test.ts` checks the same budget on every test run.',
    '',
    '| bundle | minified | min + gzip | budget |',
    '|---|---|---|---|',
    ...rows,
    '',
    'Built with esbuild (`packages/client/scripts/build.ts`): the ES module targets ES2020, the',
    'classic script (which defines the globals `Wikicast` and `webSocket`) ES2015.',
    '',
  ].join('\n');
}

const sizes = (await writeBundles()).map(measure);
writeFileSync(resolve(PACKAGE_DIR, '../../docs/client-size.md'), report(sizes));
for (const s of sizes) process.stdout.write(`${s.file}: ${s.minified} B minified, ${s.gzipped} B min+gzip (budget ${BUDGET_BYTES} B)\n`);
const over = sizes.filter((s) => s.gzipped > BUDGET_BYTES);
if (over.length > 0) {
  process.stderr.write(`over budget: ${over.map((s) => s.file).join(', ')}\n`);
  process.exit(1);
}
