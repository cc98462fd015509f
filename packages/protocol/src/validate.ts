import { FormatRegistry, type TSchema, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { MAX_JSON_DEPTH } from './limits.js';

// TypeBox checks formats only once they are registered; ISO 8601 as `new Date().toISOString()` writes it.
const dateTimeRe = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
if (!FormatRegistry.Has('date-time')) {
  FormatRegistry.Set('date-time', (v) => dateTimeRe.test(v) && !Number.isNaN(Date.parse(v)));
}

export interface ValidationIssue {
  /** JSON Pointer to the offending value, `""` for the whole document. */
  path: string;
  message: string;
}

export type Validation<T> = { ok: true; value: T } | { ok: false; issues: ValidationIssue[] };

export interface Validator<T> {
  check(value: unknown): value is T;
  validate(value: unknown): Validation<T>;
}

const MAX_ISSUES = 10;

/**
 * Compiles a schema once into a fast checker that also explains failures by field. Every
 * document is also held to MAX_JSON_DEPTH, whatever its schema says of nested values.
 */
export function compileValidator<S extends TSchema>(schema: S): Validator<Static<S>> {
  const compiled = TypeCompiler.Compile(schema);
  return {
    check: (value: unknown): value is Static<S> => deeperThan(value, MAX_JSON_DEPTH) === null && compiled.Check(value),
    validate(value: unknown): Validation<Static<S>> {
      const deep = deeperThan(value, MAX_JSON_DEPTH);
      if (deep !== null) {
        return { ok: false, issues: [{ path: deep, message: describe(deep, `nests objects and arrays deeper than ${MAX_JSON_DEPTH} levels`) }] };
      }
      if (compiled.Check(value)) return { ok: true, value };
      const issues: ValidationIssue[] = [];
      for (const error of compiled.Errors(value)) {
        const custom = (error.schema as { errorMessage?: unknown }).errorMessage;
        issues.push({ path: error.path, message: describe(error.path, typeof custom === 'string' ? custom : error.message) });
        if (issues.length >= MAX_ISSUES) break;
      }
      return { ok: false, issues };
    },
  };
}

/**
 * The JSON Pointer of the first object or array found past `maxDepth` levels (the document
 * itself is level 1), or `null`. Iterative: a hostile document cannot overflow the stack here.
 * Every event and frame passes this, so the common case, a document within the limit, is a bare
 * walk that builds no paths; only a refused one is walked again to name where.
 */
export function deeperThan(value: unknown, maxDepth: number): string | null {
  return nestsDeeperThan(value, maxDepth) ? firstTooDeep(value as object, maxDepth) : null;
}

function nestsDeeperThan(value: unknown, maxDepth: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const objects: object[] = [value];
  const depths: number[] = [1];
  for (let object = objects.pop(); object !== undefined; object = objects.pop()) {
    const depth = depths.pop()!;
    for (const key in object) {
      const child = (object as Record<string, unknown>)[key];
      if (typeof child !== 'object' || child === null) continue;
      if (depth + 1 > maxDepth) return true;
      objects.push(child);
      depths.push(depth + 1);
    }
  }
  return false;
}

function firstTooDeep(value: object, maxDepth: number): string {
  const pending: Array<{ value: object; depth: number; path: string }> = [{ value, depth: 1, path: '' }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    for (const [key, child] of Object.entries(next.value)) {
      if (typeof child !== 'object' || child === null) continue;
      const path = `${next.path}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
      if (next.depth + 1 > maxDepth) return path;
      pending.push({ value: child, depth: next.depth + 1, path });
    }
  }
  return '';
}

function describe(path: string, message: string): string {
  const field = path === '' ? 'the document' : `"${path.slice(1).replaceAll('/', '.')}"`;
  return `${field}: ${message}`;
}

/** One line naming the first offending field, for HTTP and WebSocket error messages. */
export function summarize(issues: readonly ValidationIssue[]): string {
  const first = issues[0];
  if (first === undefined) return 'invalid';
  return issues.length === 1 ? first.message : `${first.message} (and ${issues.length - 1} more)`;
}
