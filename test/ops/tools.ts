/** The system tools the operations tests drive, found or installed. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export async function hasCommand(command: string, versionFlag = '--version'): Promise<boolean> {
  return run(command, [versionFlag]).then(
    () => true,
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return false;
      throw err;
    },
  );
}

/**
 * promtool comes with Debian's `prometheus` package. Until deploy/bootstrap.sh installs it, the
 * tests do, as root (as CI runs); elsewhere they say what to install.
 */
export async function ensurePromtool(): Promise<void> {
  if (await hasCommand('promtool')) return;
  if (process.getuid?.() !== 0) throw new Error('promtool is missing: install the Debian package "prometheus" (as root: apt-get install prometheus)');
  const options = { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, maxBuffer: 16 * 1024 * 1024 };
  const install = (): Promise<unknown> => run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'prometheus'], options);
  try {
    await install();
  } catch {
    // Usually missing or stale package lists on a fresh machine: refresh them once and retry.
    await run('apt-get', ['update', '-qq'], options);
    await install();
  }
}
