/** The `wikicast` command (bin/wikicast.js runs this file from source). */
import { run } from './run.node.js';

const stopped = new Promise<void>((resolve) => {
  process.once('SIGINT', () => resolve());
  process.once('SIGTERM', () => resolve());
});

// `wikicast tail | head -3`: a closed pipe ends the command normally.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(0);
});

process.exitCode = await run(process.argv.slice(2), {
  env: process.env,
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  stopped,
});
// The signal listeners must not keep a finished command alive.
process.removeAllListeners('SIGINT');
process.removeAllListeners('SIGTERM');
