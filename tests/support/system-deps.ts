/**
 * The two system programs the tests need besides Node: Chromium (browser tests, the iframe measurement) and
 * the Postgres server binaries (integration tests; PGlite is the fallback). Found here, in one place, so the
 * test command, the e2e launcher and the measurement scripts agree on which binary they use.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CHROMIUM_NAMES = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'];
const CHROMIUM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/snap/bin/chromium', '/usr/bin/google-chrome'];

function onPath(name: string): string | null {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
  return found || null;
}

/** CHROMIUM_PATH when set (it must exist), else the first Chromium/Chrome on the PATH or in the usual places. */
export function findChromium(): string | null {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) return existsSync(configured) ? configured : null;
  for (const name of CHROMIUM_NAMES) {
    const p = onPath(name);
    if (p) return p;
  }
  return CHROMIUM_PATHS.find((p) => existsSync(p)) ?? null;
}

/** Like findChromium, but throws a message that names the fix (browser tests cannot run without it). */
export function requireChromium(): string {
  const found = findChromium();
  if (found) return found;
  if (process.env.CHROMIUM_PATH) throw new Error(`CHROMIUM_PATH=${process.env.CHROMIUM_PATH} does not exist.`);
  throw new Error(
    'Chromium not found (looked for CHROMIUM_PATH, chromium, chromium-browser, google-chrome on the PATH and /usr/bin). ' +
      'Install it with `sudo apt-get install chromium` (Debian/Ubuntu) or set CHROMIUM_PATH to a Chromium or Chrome binary.',
  );
}
