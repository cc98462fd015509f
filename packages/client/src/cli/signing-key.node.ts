import { readFileSync } from 'node:fs';
import { CliError, ExitCode } from './exit-codes.js';

/**
 * The wiki's secret: `--secret` if given, else the wiki's entry in the wikis file
 * (`WIKICAST_WIKIS_FILE`), checked exactly as the services check it (`parseWikis`).
 */
export async function resolveSecret(wiki: string, secret: string | undefined, wikisFile: string | undefined): Promise<string> {
  if (secret !== undefined) return secret;
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
  const { parseWikis } = await import('@wikicast/protocol/schemas');
  const parsed = parseWikis(value);
  if (!parsed.ok) throw new CliError(ExitCode.auth, `the wikis file ${wikisFile} is invalid: ${parsed.message}`);
  const entry = parsed.wikis.find((w) => w.id === wiki);
  if (entry === undefined) throw new CliError(ExitCode.auth, `wiki "${wiki}" is not in the wikis file ${wikisFile}`);
  return entry.secret;
}
