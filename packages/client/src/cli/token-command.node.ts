import type { TokenArgs } from './args.node.js';
import type { CliIo } from './io.js';
import { mintToken } from './mint-token.node.js';
import { resolveSecret } from './secret.node.js';

/** A token minter bound to the command line's claims: called again for every fresh token. */
export function tokenSource(args: TokenArgs, io: CliIo, overrides: Partial<TokenArgs> = {}): () => Promise<string> {
  const secret = resolveSecret(args.wiki, args.secret, io.env.WIKICAST_WIKIS_FILE);
  return () => mintToken({ ...args, ...overrides }, secret);
}

/** `wikicast token`: the token alone on the last line of stdout. */
export async function tokenCommand(args: TokenArgs, io: CliIo): Promise<void> {
  io.out(await tokenSource(args, io)());
}
