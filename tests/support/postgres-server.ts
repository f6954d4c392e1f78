/**
 * A throwaway Postgres cluster from the local Postgres binaries (tests and benchmarks). initdb refuses to
 * run as root, so as root both commands run as the unprivileged `postgres` user. fsync is off: the data is
 * thrown away.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

export function findPostgresBin(name: 'initdb' | 'pg_ctl'): string | null {
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

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export const hasPostgresBinaries = () => !!findPostgresBin('initdb') && !!findPostgresBin('pg_ctl');

/** Starts a cluster on a free loopback port; `adminUrl` points at its `postgres` database. */
export async function startThrowawayPostgres(prefix = 'synclane-pg-'): Promise<{ adminUrl: string; stop(): void }> {
  const initdb = findPostgresBin('initdb');
  const pgCtl = findPostgresBin('pg_ctl');
  if (!initdb || !pgCtl) throw new Error('Postgres binaries (initdb, pg_ctl) not found');
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
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
  return {
    adminUrl: `postgres://synclane@127.0.0.1:${port}/postgres`,
    stop() {
      try {
        run(pgCtl, ['-D', dataDir, '-m', 'immediate', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
