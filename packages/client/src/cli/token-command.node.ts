import type { TokenArgs } from './args.node.js';
import type { CliIo } from './io.js';
import { mintToken } from './mint-token.node.js';
import { resolveSigningKey } from './signing-key.node.js';

/**
 * A token minter bound to the command line's claims: called again for every fresh token. The
 * signing key is found first, so a missing one is reported before anything connects.
 */
export async function tokenSource(args: TokenArgs, io: CliIo, overrides: Partial<TokenArgs> = {}): Promise<() => Promise<string>> {
  const key = await resolveSigningKey(args.wiki, args.secret, io.env.WIKICAST_WIKIS_FILE);
  return () => mintToken({ ...args, ...overrides }, key);
}

/** `wikicast token`: the token alone on the last line of stdout. */
export async function tokenCommand(args: TokenArgs, io: CliIo): Promise<void> {
  io.out(await (await tokenSource(args, io))());
}
