/**
 * `npm test`, the README's test command, on a fresh machine as well as on a developer's:
 *   1. finds Chromium and the Postgres server binaries; when they are missing and we are root (a CI box,
 *      a container) installs them with apt-get, otherwise stops with the command to run;
 *   2. unit + integration tests, then `next build`, then the browser tests (CHROMIUM_PATH set to what was found).
 * Every child runs on the Node that runs this script (the project's Node 24 from node_modules/.bin under npm).
 *
 *   npm test                      # everything
 *   npm test -- --skip-e2e        # unit + integration only (no Chromium needed)
 *   TEST_USE_PGLITE=1 npm test    # no Postgres binaries needed (embedded PGlite)
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { hasPostgresBinaries } from '../tests/support/postgres-server';
import { findChromium } from '../tests/support/system-deps';

const args = new Set(process.argv.slice(2));
const skipE2e = args.has('--skip-e2e');
const isRoot = process.getuid?.() === 0;
const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { encoding: 'utf8' }).stdout.trim() !== '';

function run(command: string, argv: string[], env: NodeJS.ProcessEnv = process.env): void {
  console.log(`\n== ${[path.basename(command), ...argv].join(' ')}`);
  const r = spawnSync(command, argv, { stdio: 'inherit', env });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

function aptInstall(packages: string[]): void {
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', ...packages], { ...process.env, DEBIAN_FRONTEND: 'noninteractive' });
}

// ------------------------------------------------------------------ system programs

const missing: string[] = [];
let chromium = skipE2e ? null : findChromium();
if (!skipE2e && !chromium) missing.push('chromium');
const wantPostgres = process.env.TEST_USE_PGLITE !== '1' && !process.env.TEST_DATABASE_URL;
if (wantPostgres && !hasPostgresBinaries()) missing.push('postgresql');

if (missing.length) {
  if (process.env.CHROMIUM_PATH && missing.includes('chromium')) {
    console.error(`CHROMIUM_PATH=${process.env.CHROMIUM_PATH} does not exist. Point it at a Chromium or Chrome binary.`);
    process.exit(1);
  }
  if (isRoot && hasApt) {
    console.log(`== installing ${missing.join(', ')} (apt-get; we are root)`);
    aptInstall(missing);
  } else {
    const fix = hasApt ? `sudo apt-get install -y ${missing.join(' ')}` : `install ${missing.join(' and ')} with your package manager`;
    const lines = [`Missing system programs: ${missing.join(', ')}.`, `Run:  ${fix}`];
    if (missing.includes('chromium')) lines.push('(or set CHROMIUM_PATH to a Chromium/Chrome binary, or run `npm test -- --skip-e2e` without browser tests)');
    if (missing.includes('postgresql')) lines.push('(or set TEST_USE_PGLITE=1 to run the integration tests on embedded PGlite)');
    console.error(lines.join('\n'));
    process.exit(1);
  }
  if (!skipE2e) chromium = findChromium();
  if (!skipE2e && !chromium) {
    console.error('apt-get installed chromium but no binary was found; set CHROMIUM_PATH.');
    process.exit(1);
  }
}

// initdb refuses to run as root: the throwaway cluster runs as the unprivileged `postgres` user.
if (isRoot && wantPostgres && spawnSync('id', ['postgres'], { stdio: 'ignore' }).status !== 0) {
  run('useradd', ['--system', '--home', '/var/lib/postgresql', '--shell', '/bin/sh', 'postgres']);
}

console.log(`Node ${process.version} (${process.execPath})`);
if (chromium) console.log(`Chromium: ${chromium}`);
console.log(`Postgres: ${wantPostgres ? 'local binaries (throwaway cluster)' : process.env.TEST_DATABASE_URL ? 'TEST_DATABASE_URL' : 'embedded PGlite'}`);

// ------------------------------------------------------------------ tests

// The tests run the app against the emulators: the sandbox is this command's explicit choice (the build the
// browser tests use too), whatever the shell has set.
const testEnv: NodeJS.ProcessEnv = { ...process.env, SYNCLANE_ENV: 'sandbox', NEXT_TELEMETRY_DISABLED: '1' };
const node = process.execPath;
const vitest = path.resolve('node_modules/vitest/vitest.mjs');
const next = path.resolve('node_modules/next/dist/bin/next');
run(node, [vitest, 'run', '--project', 'unit', '--project', 'integration'], testEnv);
if (!skipE2e) {
  run(node, [next, 'build'], testEnv);
  run(node, [vitest, 'run', '--project', 'e2e'], { ...testEnv, CHROMIUM_PATH: chromium! });
}
