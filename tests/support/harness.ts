/**
 * Integration harness: the real app code against the in-process sandbox and a fresh database
 * (a new database on the throwaway Postgres, or PGlite when no binaries exist).
 */
import { inject } from 'vitest';
import { Client } from 'pg';
import { startSandbox, type Sandbox } from '@/sandbox/server';
import { closeDb } from '@/db/client';
import { configureSandboxApp, createDatabase } from './app-env';
import { completePipedriveInstall, completeTeamleaderInstall, findInstalledUser, type InstalledUser } from '@/lib/installations';
import { linkProviderAccount, pipedriveAuthorizationCode, teamleaderAuthorizationCode } from './sandbox-oauth';
import { executeRun, recordRunFailure } from '@/lib/sync/runtime/execute';
import { loadConnection } from '@/lib/sync/runtime/connections';
import type { RunRequest, Trigger } from '@/lib/sync/runtime/events';
import { setJobQueue, type JobQueue } from '@/lib/jobs/queue';
import { pillarFor } from '@/lib/sync/registry';
import type { Tenant } from '@/lib/tenant';

export type TestApp = {
  sandbox: Sandbox;
  appUrl: string;
  databaseUrl: string | null;
  installPipedrive(userId?: number): Promise<Tenant>;
  installTeamleader(userId?: string): Promise<Tenant>;
  linkGoogle(tenant: Tenant, email: string): Promise<string>;
  linkMicrosoft(tenant: Tenant, email: string): Promise<string>;
  /** Runs one sync of this connection now, the way a runner would (bookkeeping and failure recording included). */
  runSync(syncId: string, trigger?: Trigger): Promise<{ status: string; error?: unknown }>;
  /** Run requests the app made through the job queue (tests run syncs explicitly with runSync). */
  requested: RunRequest[];
  close(): Promise<void>;
};

export const NORTHWIND = { companyId: 7401001, admin: 13001, regular: 13002, noAdd: 13003 };
export const BRUGGE = { admin: 'a1d2e3f4-0001-4c5d-8e9f-000000000001', regular: 'a1d2e3f4-0002-4c5d-8e9f-000000000002', restricted: 'a1d2e3f4-0003-4c5d-8e9f-000000000003' };

/** `adminUrl` (scripts outside vitest): the database server to create the database in; null = PGlite. */
export async function createTestApp(opts: { appUrl?: string; env?: Record<string, string>; adminUrl?: string | null } = {}): Promise<TestApp> {
  const appUrl = opts.appUrl ?? 'http://127.0.0.1:3999';
  const sandbox = await startSandbox({ port: 0, appUrl, quiet: true });
  const admin = opts.adminUrl !== undefined ? opts.adminUrl : inject('postgresUrl');
  const db = admin ? await createDatabase(admin, 't') : null;
  const databaseUrl = db?.url ?? null;
  const dbName = db?.name ?? null;
  await configureSandboxApp({ appUrl, sandboxUrl: sandbox.url, databaseUrl, dataDirPrefix: 'synclane-test-', env: opts.env });

  // Tests drive runs explicitly; the queue only records what the app asked for.
  const requested: RunRequest[] = [];
  const recordingQueue: JobQueue = {
    async request(rs) {
      requested.push(...rs);
    },
    async cancel() {},
    async cancelUser() {},
  };
  setJobQueue(recordingQueue);

  const asTenant = async (u: InstalledUser): Promise<Tenant> => (await findInstalledUser(u.crm, u.companyId, u.userExternalId))!;

  return {
    sandbox,
    appUrl,
    databaseUrl,
    installPipedrive: async (userId = NORTHWIND.admin) => asTenant(await completePipedriveInstall(await pipedriveAuthorizationCode(sandbox, userId))),
    installTeamleader: async (userId = BRUGGE.admin) => asTenant(await completeTeamleaderInstall(await teamleaderAuthorizationCode(sandbox, userId))),
    linkGoogle: (tenant, email) => linkProviderAccount(sandbox, 'google', tenant, email),
    linkMicrosoft: (tenant, email) => linkProviderAccount(sandbox, 'microsoft', tenant, email),
    requested,
    async runSync(syncId, trigger = 'refresh') {
      const connection = await loadConnection(syncId);
      if (!connection) throw new Error(`no connection ${syncId}`);
      const pillar = pillarFor(connection.kind);
      const [request] = await pillar.requestsFor([connection], trigger);
      try {
        const r = await executeRun(pillar, { run: (_id, fn) => fn() }, request);
        return { status: r.status };
      } catch (error) {
        await recordRunFailure(request!, error);
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
