import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@wikicast/test/support';

/** The README's section for wiki operators, read by the tests that keep it true. */
export const OPERATOR_SECTION_HEADING = '## For wiki operators: the MediaWiki extension';

/** The operator section of README.md, up to the next second-level heading. */
export function operatorSection(): string {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(OPERATOR_SECTION_HEADING);
  assert.ok(start >= 0, `README.md has no "${OPERATOR_SECTION_HEADING}"`);
  const next = readme.indexOf('\n## ', start + OPERATOR_SECTION_HEADING.length);
  return readme.slice(start, next < 0 ? undefined : next);
}

/** The fenced code blocks of `text` in `language` (```sh, ```php), in order. */
export function codeBlocks(text: string, language: string): string[] {
  return [...text.matchAll(new RegExp('^```' + language + '\\n([\\s\\S]*?)^```$', 'gm'))].map((match) => match[1]!);
}

/**
 * `text` with each placeholder replaced; a placeholder that is not there fails, so the test
 * that runs the README's steps breaks when the README changes them.
 */
export function fillIn(text: string, replacements: ReadonlyArray<readonly [string, string]>): string {
  let filled = text;
  for (const [placeholder, value] of replacements) {
    assert.ok(filled.includes(placeholder), `the README's steps still say ${placeholder}`);
    filled = filled.split(placeholder).join(value);
  }
  return filled;
}
