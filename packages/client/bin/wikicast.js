#!/usr/bin/env node
// The `wikicast` command. The workspace runs from TypeScript source, so this launcher starts
// src/cli/main.node.ts under tsx with the `wikicast-source` condition (which makes
// @wikicast/* packages resolve to their src/), passing arguments, stdio, signals and exit code.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../src/cli/main.node.ts', import.meta.url));
const tsx = import.meta.resolve('tsx');
const child = spawn(process.execPath, ['--conditions=wikicast-source', '--import', tsx, entry, ...process.argv.slice(2)], {
  stdio: 'inherit',
});

const forward = (signal) => child.kill(signal);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, forward);

child.on('exit', (code, signal) => {
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.off(s, forward);
  if (signal !== null) process.kill(process.pid, signal);
  else process.exit(code ?? 1);
});
