/**
 * Integration harness: the real app code against the in-process sandbox and a fresh database
 * (a new database on the throwaway Postgres, or PGlite when no binaries exist).
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { Client } from 'pg';
import { startSandbox, type Sandbox } from '@/sandbox/server';
import { setEnvForTests } from '@/lib/env';
import { closeDb, getDb } from '@/db/client';
import { completePipedriveInstall, completeTeamleaderInstall, findInstalledUser, type InstalledUser } from '@/lib/installations';
import { linkProviderAccount, pipedriveAuthorizationCode, teamleaderAuthorizationCode } from './sandbox-oauth';
import { runContactSyncJob, recordRunFailure } from '@/lib/sync/contacts/run';
import type { ContactSyncEventData } from '@/lib/jobs/step';
import type { Tenant } from '@/lib/tenant';

export type TestApp = {
  sandbox: Sandbox;
  appUrl: string;
  databaseUrl: string | null;
  installPipedrive(userId?: number): Promise<Tenant>;
  installTeamleader(userId?: string): Promise<Tenant>;
  linkGoogle(tenant: Tenant, email: string): Promise<string>;
  linkMicrosoft(tenant: Tenant, email: string): Promise<string>;
  runSync(syncId: string, trigger?: ContactSyncEventData['trigger']): Promise<{ status: string; error?: unknown }>;
  close(): Promise<void>;
};

export const NORTHWIND = { companyId: 7401001, admin: 13001, regular: 13002, noAdd: 13003 };
export const BRUGGE = { admin: 'a1d2e3f4-0001-4c5d-8e9f-000000000001', regular: 'a1d2e3f4-0002-4c5d-8e9f-000000000002', restricted: 'a1d2e3f4-0003-4c5d-8e9f-000000000003' };

export async function createTestApp(opts: { appUrl?: string; env?: Record<string, string> } = {}): Promise<TestApp> {
  const appUrl = opts.appUrl ?? 'http://127.0.0.1:3999';
  const sandbox = await startSandbox({ port: 0, appUrl });
  const admin = inject('postgresUrl');
  let databaseUrl: string | null = null;
  let dbName: string | null = null;
  if (admin) {
    dbName = `t_${randomBytes(6).toString('hex')}`;
    const c = new Client({ connectionString: admin });
    await c.connect();
    await c.query(`create database ${dbName}`);
    await c.end();
    databaseUrl = admin.replace(/\/[^/]*$/, `/${dbName}`);
  }
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'synclane-test-'));
  setEnvForTests({
    SYNCLANE_ENV: 'sandbox',
    APP_URL: appUrl,
    SANDBOX_URL: sandbox.url,
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl ?? undefined,
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    AUTH_SECRET: randomBytes(33).toString('base64'),
    HOURLY_SYNC: 'false',
    JOBS_MODE: 'local',
    ...opts.env,
  });
  await getDb();

  const asTenant = async (u: InstalledUser): Promise<Tenant> => (await findInstalledUser(u.crm, u.companyId, u.userExternalId))!;

  return {
    sandbox,
    appUrl,
    databaseUrl,
    installPipedrive: async (userId = NORTHWIND.admin) => asTenant(await completePipedriveInstall(await pipedriveAuthorizationCode(sandbox, userId))),
    installTeamleader: async (userId = BRUGGE.admin) => asTenant(await completeTeamleaderInstall(await teamleaderAuthorizationCode(sandbox, userId))),
    linkGoogle: (tenant, email) => linkProviderAccount(sandbox, 'google', tenant, email),
    linkMicrosoft: (tenant, email) => linkProviderAccount(sandbox, 'microsoft', tenant, email),
    async runSync(syncId, trigger = 'refresh') {
      const data: ContactSyncEventData = { syncId, installationId: '', provider: 'google', trigger };
      try {
        const r = await runContactSyncJob({ run: (_id, fn) => fn() }, data);
        return { status: r.status };
      } catch (error) {
        await recordRunFailure(data, error);
        return { status: 'failed', error };
      }
    },
    async close() {
      await closeDb();
      await sandbox.close();
      if (admin && dbName) {
        const c = new Client({ connectionString: admin });
        await c.connect();
        await c.query(`drop database if exists ${dbName} with (force)`);
        await c.end();
      }
    },
  };
}
