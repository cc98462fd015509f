import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** What the PHP unit tests need: the PHP interpreter alone. */
export const PHP_PACKAGES = ['php-cli'];
/** What the MediaWiki harness needs: Debian 12's MediaWiki 1.39 LTS with SQLite. */
export const MEDIAWIKI_PACKAGES = ['mediawiki', 'php-cli', 'php-sqlite3', 'php-intl', 'php-mbstring', 'php-xml', 'php-curl'];
/** The headless browser of the page test. */
export const BROWSER_PACKAGES = ['chromium'];

async function isInstalled(pkg: string): Promise<boolean> {
  try {
    const { stdout } = await run('dpkg-query', ['-W', '-f=${Status}', pkg]);
    return stdout.includes('install ok installed');
  } catch {
    return false;
  }
}

const APT_LOCK_TIMEOUT_S = 600;
const APT_ATTEMPTS = 3;

let pending: Promise<void> = Promise.resolve();

/**
 * Installs the Debian packages that are missing (as root, like deploy/bootstrap.sh). Calls are
 * serialised: two test files asking at once must not run apt-get side by side.
 */
export function ensureDebianPackages(packages: readonly string[]): Promise<void> {
  pending = pending.then(async () => {
    const missing: string[] = [];
    for (const pkg of packages) if (!(await isInstalled(pkg))) missing.push(pkg);
    if (missing.length === 0) return;
    if (process.getuid?.() !== 0) throw new Error(`missing Debian packages ${missing.join(' ')}: install them as root`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    // Test files run as separate processes: another may hold apt's lock, so wait for it.
    const lock = ['-o', `DPkg::Lock::Timeout=${APT_LOCK_TIMEOUT_S}`];
    for (let attempt = 1; ; attempt++) {
      try {
        await run('apt-get', [...lock, 'update', '-qq'], { env, maxBuffer: 16 * 1024 * 1024 });
        await run('apt-get', [...lock, 'install', '-y', '-qq', '--no-install-recommends', ...missing], { env, maxBuffer: 64 * 1024 * 1024 });
        return;
      } catch (err) {
        if (attempt >= APT_ATTEMPTS) throw err;
        await new Promise((resolve) => setTimeout(resolve, 5_000));
        const still: string[] = [];
        for (const pkg of missing) if (!(await isInstalled(pkg))) still.push(pkg);
        if (still.length === 0) return;
      }
    }
  });
  return pending;
}
