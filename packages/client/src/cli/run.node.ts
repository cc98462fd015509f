import { parseCommand } from './args.node.js';
import { CliError, ExitCode } from './exit-codes.js';
import { HELP } from './help.js';
import type { CliIo } from './io.js';
import { sendCommand } from './send-command.node.js';
import { tailCommand } from './tail-command.node.js';
import { tokenCommand } from './token-command.node.js';

/** Runs one `wikicast` command line; resolves with the exit code. Failures are one line on stderr. */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const parsed = parseCommand(argv);
    switch (parsed.command) {
      case 'help':
        io.out(HELP[parsed.topic]);
        break;
      case 'token':
        await tokenCommand(parsed.token, io);
        break;
      case 'send':
        await sendCommand(parsed, io);
        break;
      case 'tail':
        await tailCommand(parsed, io);
        break;
    }
    return ExitCode.ok;
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    io.err(`wikicast: ${err.message}`);
    if (err.exitCode === ExitCode.usage) io.err("Run 'wikicast --help' for usage.");
    return err.exitCode;
  }
}
