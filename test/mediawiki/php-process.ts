import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Runs test/mediawiki/php/token-cli.php with one JSON request and returns its JSON answer. */
export function phpTokenCli<T>(request: Record<string, unknown>): Promise<T> {
  const script = fileURLToPath(new URL('./php/token-cli.php', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = execFile('php', [script], { encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`php token-cli failed: ${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as T);
    });
    child.stdin?.end(JSON.stringify(request));
  });
}
