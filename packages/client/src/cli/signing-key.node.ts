import { readFileSync } from 'node:fs';
import type { WikiKey } from '@wikicast/protocol/schemas';
import { CliError, ExitCode } from './exit-codes.js';

/**
 * The key to sign the wiki's tokens with: `--secret` if given (no key id), else the wiki's current
 * key in the wikis file (`WIKICAST_WIKIS_FILE`): its single `secret`, or the first of its `keys`
 * with that key's `kid`, as the wiki itself signs once rotated. The file is checked exactly as the
 * services check it (`parseWikis`).
 */
export async function resolveSigningKey(wiki: string, secret: string | undefined, wikisFile: string | undefined): Promise<WikiKey> {
  if (secret !== undefined) return { kid: null, secret };
  if (wikisFile === undefined || wikisFile === '') {
    throw new CliError(ExitCode.auth, `no secret for wiki "${wiki}": pass --secret or set WIKICAST_WIKIS_FILE`);
  }
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(wikisFile, 'utf8'));
  } catch (err) {
    throw new CliError(ExitCode.auth, `cannot read the wikis file ${wikisFile}: ${(err as Error).message}`, { cause: err });
  }
  // Loaded only here: compiling the schemas is work that commands given --secret or --token skip.
  const { parseWikis, wikiKeys } = await import('@wikicast/protocol/schemas');
  const parsed = parseWikis(value);
  if (!parsed.ok) throw new CliError(ExitCode.auth, `the wikis file ${wikisFile} is invalid: ${parsed.message}`);
  const entry = parsed.wikis.find((w) => w.id === wiki);
  if (entry === undefined) throw new CliError(ExitCode.auth, `wiki "${wiki}" is not in the wikis file ${wikisFile}`);
  return wikiKeys(entry)[0]!;
}
