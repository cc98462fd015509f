import { readFileSync } from 'node:fs';
import { CliError, ExitCode } from './exit-codes.js';

/**
 * The wiki's secret: `--secret` if given, else the wiki's entry in the wikis file
 * (`WIKICAST_WIKIS_FILE`, a JSON list of `{id, secret, public}`, as the services read it).
 */
export function resolveSecret(wiki: string, secret: string | undefined, wikisFile: string | undefined): string {
  if (secret !== undefined) return secret;
  if (wikisFile === undefined || wikisFile === '') {
    throw new CliError(ExitCode.auth, `no secret for wiki "${wiki}": pass --secret or set WIKICAST_WIKIS_FILE`);
  }
  let entries: unknown;
  try {
    entries = JSON.parse(readFileSync(wikisFile, 'utf8'));
  } catch (err) {
    throw new CliError(ExitCode.auth, `cannot read the wikis file ${wikisFile}: ${(err as Error).message}`, { cause: err });
  }
  if (!Array.isArray(entries)) throw new CliError(ExitCode.auth, `the wikis file ${wikisFile} is not a JSON list of {id, secret}`);
  const entry = entries.find((e): e is { id: string; secret: unknown } => typeof e === 'object' && e !== null && (e as { id?: unknown }).id === wiki);
  if (entry === undefined) throw new CliError(ExitCode.auth, `wiki "${wiki}" is not in the wikis file ${wikisFile}`);
  if (typeof entry.secret !== 'string' || entry.secret === '') throw new CliError(ExitCode.auth, `wiki "${wiki}" has no secret in ${wikisFile}`);
  return entry.secret;
}
