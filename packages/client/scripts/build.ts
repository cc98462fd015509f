/**
 * Builds the browser bundles: `dist/wikicast.esm.js` (ES module, ES2020) and `dist/wikicast.js`
 * (classic script defining `Wikicast` and `webSocket`; ES2015, the syntax ResourceLoader's "es6"
 * modules accept on MediaWiki 1.39). Node-only files (`*.node.ts`) are never reached from here.
 *   node --import tsx packages/client/scripts/build.ts
 */
import { build, type BuildOptions } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface Bundle {
  file: string;
  code: string;
}

const common: BuildOptions = {
  bundle: true,
  minify: true,
  platform: 'browser',
  conditions: ['wikicast-source'],
  legalComments: 'none',
  write: false,
  absWorkingDir: PACKAGE_DIR,
  logLevel: 'warning',
  // Plain assignments instead of defineProperty helpers for class fields: ~200 bytes less, and
  // no class here relies on define semantics.
  tsconfigRaw: { compilerOptions: { useDefineForClassFields: false } },
};

/** Builds both bundles in memory. */
export async function buildBundles(): Promise<Bundle[]> {
  const [esm, classic] = await Promise.all([
    build({ ...common, entryPoints: ['src/index.ts'], format: 'esm', target: 'es2020', outfile: 'dist/wikicast.esm.js' }),
    build({ ...common, entryPoints: ['src/browser/classic.ts'], format: 'iife', target: 'es2015', outfile: 'dist/wikicast.js' }),
  ]);
  return [esm, classic].map((result) => {
    const output = result.outputFiles?.[0];
    if (output === undefined) throw new Error('esbuild produced no output');
    return { file: output.path, code: output.text };
  });
}

/** Builds and writes the bundles to `dist/`. */
export async function writeBundles(): Promise<Bundle[]> {
  const bundles = await buildBundles();
  for (const bundle of bundles) {
    mkdirSync(dirname(bundle.file), { recursive: true });
    writeFileSync(bundle.file, bundle.code);
  }
  return bundles;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const bundles = await writeBundles();
  for (const bundle of bundles) process.stdout.write(`${join('dist', bundle.file.split('/dist/')[1] ?? bundle.file)} ${bundle.code.length} bytes\n`);
}
