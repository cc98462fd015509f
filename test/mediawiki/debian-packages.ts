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
    await run('apt-get', ['update', '-qq'], { env, maxBuffer: 16 * 1024 * 1024 });
    await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env, maxBuffer: 64 * 1024 * 1024 });
  });
  return pending;
}
