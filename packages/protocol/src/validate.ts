import { FormatRegistry, type TSchema, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';

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

/** Compiles a schema once into a fast checker that also explains failures by field. */
export function compileValidator<S extends TSchema>(schema: S): Validator<Static<S>> {
  const compiled = TypeCompiler.Compile(schema);
  return {
    check: (value: unknown): value is Static<S> => compiled.Check(value),
    validate(value: unknown): Validation<Static<S>> {
      if (compiled.Check(value)) return { ok: true, value };
      const issues: ValidationIssue[] = [];
      for (const error of compiled.Errors(value)) {
        issues.push({ path: error.path, message: describe(error.path, error.message) });
        if (issues.length >= MAX_ISSUES) break;
      }
      return { ok: false, issues };
    },
  };
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
