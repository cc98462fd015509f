import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';

const run = promisify(execFile);

/** Debian's chromium: playwright-core drives it; it never downloads a browser of its own. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Other test files may be running apt-get at the same moment: wait for its lock this long. */
const APT_LOCK_TIMEOUT_S = 600;
const LAUNCH_TIMEOUT_MS = 30_000;

/** Installs Debian's `chromium` when it is missing (as root, like deploy/bootstrap.sh). */
export async function ensureChromium(): Promise<void> {
  if (existsSync(CHROMIUM_PATH)) return;
  if (process.getuid?.() !== 0) throw new Error(`${CHROMIUM_PATH} is missing: install Debian's chromium as root (apt-get install -y chromium)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const lock = ['-o', `DPkg::Lock::Timeout=${APT_LOCK_TIMEOUT_S}`];
  const install = (): Promise<unknown> => run('apt-get', [...lock, 'install', '-y', '-qq', '--no-install-recommends', 'chromium'], { env, maxBuffer: 64 * 1024 * 1024 });
  try {
    await install();
  } catch {
    // A machine whose package lists were never fetched (or are stale) does not know the package yet.
    await run('apt-get', [...lock, 'update', '-qq'], { env, maxBuffer: 16 * 1024 * 1024 });
    await install();
  }
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`apt-get installed chromium but ${CHROMIUM_PATH} is still missing`);
}

/** Launches headless Chromium; `browser.close()` ends the process. */
export async function launchChromium(): Promise<Browser> {
  await ensureChromium();
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: LAUNCH_TIMEOUT_MS });
}
