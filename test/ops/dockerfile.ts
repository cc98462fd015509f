/**
 * Reading deploy/docker/Dockerfile and .dockerignore the way Docker does, for the tests that lint
 * them and the one that runs the Dockerfile's build steps without a Docker engine.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One build stage: its name, what it is FROM, and its instructions (continuations joined). */
export interface Stage {
  name: string;
  from: string;
  lines: string[];
}

export function stages(text: string): { args: Map<string, string>; stages: Stage[] } {
  const args = new Map<string, string>();
  const result: Stage[] = [];
  // Join continuation lines, drop comments and blanks.
  const lines = text.replace(/\\\n\s*/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  for (const line of lines) {
    const [instruction = '', ...rest] = line.split(/\s+/);
    const upper = instruction.toUpperCase();
    if (upper === 'FROM') {
      const match = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest.join(' '));
      assert.ok(match, `FROM line: ${line}`);
      result.push({ from: match[1] ?? '', name: match[2] ?? `#${result.length}`, lines: [] });
    } else if (upper === 'ARG' && result.length === 0) {
      const [key = '', value = ''] = rest.join(' ').split('=');
      args.set(key, value);
    } else {
      const current = result.at(-1);
      assert.ok(current, `${instruction} before the first FROM`);
      current.lines.push(line);
    }
  }
  return { args, stages: result };
}

export interface IgnoreRule {
  negate: boolean;
  pattern: RegExp;
}

/** Docker's .dockerignore rules: the last matching pattern wins; a match on a directory covers its files. */
export function ignored(rules: IgnoreRule[], path: string): boolean {
  const parts = path.split('/');
  let result = false;
  for (const rule of rules) {
    for (let i = 1; i <= parts.length; i++) {
      if (rule.pattern.test(parts.slice(0, i).join('/'))) {
        result = !rule.negate;
        break;
      }
    }
  }
  return result;
}

export function dockerignore(repo: string): IgnoreRule[] {
  return readFileSync(join(repo, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((line) => {
      const negate = line.startsWith('!');
      const glob = (negate ? line.slice(1) : line).replace(/^\/|\/$/g, '');
      const source = glob
        .split('/')
        .map((part) => (part === '**' ? '\u0000' : part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')))
        .join('/')
        .replace(/\u0000\//g, '(?:.*/)?')
        .replace(/\/\u0000/g, '(?:/.*)?')
        .replace(/\u0000/g, '.*');
      return { negate, pattern: new RegExp(`^${source}$`) };
    });
}

