/**
 * Vitest global setup: a throwaway real Postgres for the integration and e2e tests, started from the
 * Postgres binaries when present (as the unprivileged `postgres` user when we are root — initdb refuses
 * root). Without binaries the tests fall back to embedded PGlite. Each test file creates its own database.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string | null;
  }
}

function findBin(name: string): string | null {
  const fromPath = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
  if (fromPath) return fromPath;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  for (const v of readdirSync(root).sort().reverse()) {
    const p = path.join(root, v, 'bin', name);
    if (existsSync(p)) return p;
  }
  return null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export default async function setup(project: TestProject) {
  if (process.env.TEST_DATABASE_URL) {
    project.provide('postgresUrl', process.env.TEST_DATABASE_URL);
    return;
  }
  const initdb = findBin('initdb');
  const pgCtl = findBin('pg_ctl');
  if (!initdb || !pgCtl || process.env.TEST_USE_PGLITE === '1') {
    console.warn('[tests] Postgres binaries not found: integration tests use embedded PGlite.');
    project.provide('postgresUrl', null);
    return;
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'synclane-pg-'));
  chmodSync(dir, 0o777);
  const dataDir = path.join(dir, 'data');
  const port = await freePort();
  const asRoot = process.getuid?.() === 0;
  const run = (cmd: string, args: string[]) => {
    if (asRoot) {
      const quoted = [cmd, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
      execFileSync('su', ['postgres', '-s', '/bin/sh', '-c', quoted], { stdio: 'pipe' });
    } else execFileSync(cmd, args, { stdio: 'pipe' });
  };
  if (asRoot) execFileSync('chown', ['postgres', dir]);
  run(initdb, ['-D', dataDir, '-U', 'synclane', '--auth=trust', '--no-locale', '-E', 'UTF8']);
  run(pgCtl, ['-D', dataDir, '-o', `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`, '-w', '-l', path.join(dir, 'log'), 'start']);
  project.provide('postgresUrl', `postgres://synclane@127.0.0.1:${port}/postgres`);
  return () => {
    try {
      run(pgCtl, ['-D', dataDir, '-m', 'immediate', 'stop']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}
