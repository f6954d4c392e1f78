/**
 * A fresh database plus the app configuration used by integration tests and benchmarks: sandbox
 * vendors, in-process jobs, no hourly timer, throwaway secrets.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { setEnvForTests } from '@/lib/env';
import { getDb } from '@/db/client';

/** Creates a new database on the server behind `adminUrl`; returns its URL and name. */
export async function createDatabase(adminUrl: string, prefix: string): Promise<{ url: string; name: string }> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const c = new Client({ connectionString: adminUrl });
  await c.connect();
  await c.query(`create database ${name}`);
  await c.end();
  return { url: adminUrl.replace(/\/[^/]*$/, `/${name}`), name };
}

/** Points the app at the sandbox and the database (PGlite in a temp DATA_DIR when `databaseUrl` is null), migrated. */
export async function configureSandboxApp(opts: { appUrl: string; sandboxUrl: string; databaseUrl: string | null; dataDirPrefix: string; env?: Record<string, string> }): Promise<{ dataDir: string }> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), opts.dataDirPrefix));
  setEnvForTests({
    SYNCLANE_ENV: 'sandbox',
    APP_URL: opts.appUrl,
    SANDBOX_URL: opts.sandboxUrl,
    DATA_DIR: dataDir,
    DATABASE_URL: opts.databaseUrl ?? undefined,
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    AUTH_SECRET: randomBytes(33).toString('base64'),
    HOURLY_SYNC: 'false',
    JOBS_MODE: 'local',
    // The emulators' quotas as they start (sandbox/lib/real-limits.ts raises nothing; tests that lower an
    // emulator's quota see its 429s, which the pacers then wait out).
    GOOGLE_PEOPLE_READS_PER_MINUTE: '600',
    GOOGLE_PEOPLE_WRITES_PER_MINUTE: '600',
    ...opts.env,
  });
  await getDb();
  return { dataDir };
}
