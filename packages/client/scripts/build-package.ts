/**
 * Builds what the npm package `@wikicast/client` ships, into `dist/`: the browser bundles
 * (build.ts), the Node library `index.node.js` and the CLI `cli.js` (ES modules for Node 20), and
 * one declaration file `index.d.ts`. @wikicast/protocol is bundled into each (it is a workspace
 * package, not published); the package's registry dependencies stay imports, installed by npm.
 * `pnpm pack` runs this (prepack); deploy/release/packages.sh packs the release.
 *   node --import tsx packages/client/scripts/build-package.ts
 */
import { build, type BuildOptions } from 'esbuild';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PACKAGE_DIR, writeBundles } from './build.js';

const run = promisify(execFile);
const manifest = JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };

const node: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  conditions: ['wikicast-source'],
  // Everything the package depends on is installed beside it; only the workspace's own code is inlined.
  external: Object.keys(manifest.dependencies),
  legalComments: 'none',
  absWorkingDir: PACKAGE_DIR,
  logLevel: 'warning',
};

/**
 * `dist/index.d.ts`, bundled by dts-bundle-generator with the protocol's types inlined (its
 * tsconfig.types.json maps @wikicast/protocol to the source, so that the types are the package's
 * own), then type-checked against the package's dependencies.
 */
async function writeTypes(): Promise<void> {
  const cli = join(createRequire(import.meta.url).resolve('dts-bundle-generator/package.json'), '..', 'dist/bin/dts-bundle-generator.js');
  await run(process.execPath, [cli, '--silent', '--no-banner', '--project', 'tsconfig.types.json', '-o', 'dist/index.d.ts', 'src/index.node.ts'], { cwd: PACKAGE_DIR });
}

await Promise.all([
  writeBundles(),
  build({ ...node, entryPoints: ['src/index.node.ts'], outfile: 'dist/index.node.js' }),
  build({ ...node, entryPoints: ['src/cli/main.node.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } }),
  writeTypes(),
]);
process.stdout.write('dist/: wikicast.esm.js wikicast.js index.node.js cli.js index.d.ts\n');
