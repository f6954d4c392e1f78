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
import { saveLinkedAccount } from '@/lib/auth/provider-linking';
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

  const pipedriveCode = async (userId: number) => {
    const reg = sandbox.ctx.app.pipedrive;
    const res = await fetch(`${sandbox.url}/pipedrive/oauth/authorize/decision`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `pd_user=${userId}` },
      body: new URLSearchParams({ client_id: reg.clientId, redirect_uri: reg.callbackUrl, state: 'x', user_id: String(userId), decision: 'allow' }),
    });
    return new URL(res.headers.get('location')!).searchParams.get('code')!;
  };
  const teamleaderCode = async (userId: string) => {
    const reg = sandbox.ctx.app.teamleader;
    const res = await fetch(`${sandbox.url}/teamleader/oauth2/authorize`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `tl_sandbox_user=${userId}` },
      body: new URLSearchParams({ client_id: reg.clientId, redirect_uri: reg.redirectUri, state: 'x', response_type: 'code', decision: 'allow' }),
    });
    return new URL(res.headers.get('location')!).searchParams.get('code')!;
  };
  const asTenant = async (u: InstalledUser): Promise<Tenant> => (await findInstalledUser(u.crm, u.companyId, u.userExternalId))!;

  async function providerTokens(provider: 'google' | 'microsoft', email: string) {
    const reg = sandbox.ctx.app[provider];
    const authorize = provider === 'google' ? `${sandbox.url}/google/o/oauth2/v2/auth` : `${sandbox.url}/microsoft/common/oauth2/v2.0/authorize`;
    const token = provider === 'google' ? `${sandbox.url}/google/token` : `${sandbox.url}/microsoft/common/oauth2/v2.0/token`;
    const scope = provider === 'google' ? 'openid email profile https://www.googleapis.com/auth/contacts' : 'openid profile email offline_access Contacts.ReadWrite';
    const params = new URLSearchParams({ client_id: reg.clientId, redirect_uri: reg.redirectUris[0]!, response_type: 'code', scope, state: 's', access_type: 'offline', prompt: 'consent', login_hint: email });
    const page = await fetch(`${authorize}?${params}`);
    const html = await page.text();
    const request = /name="request" value="([^"]*)"/.exec(html)?.[1];
    const form = new URLSearchParams(params);
    form.set('account', email);
    form.set('decision', 'allow');
    if (request) form.set('request', request.replace(/&amp;/g, '&').replace(/&quot;/g, '"'));
    const res = await fetch(authorize, { method: 'POST', body: form, redirect: 'manual' });
    const code = new URL(res.headers.get('location')!).searchParams.get('code');
    if (!code) throw new Error(`no code from ${provider} consent: ${res.status} ${res.headers.get('location')}`);
    const tok = await fetch(token, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: reg.redirectUris[0]!, client_id: reg.clientId, client_secret: reg.clientSecret }),
    });
    const body = (await tok.json()) as { access_token: string; refresh_token?: string; expires_in: number; id_token?: string; scope?: string };
    if (!tok.ok) throw new Error(`token exchange failed: ${JSON.stringify(body)}`);
    const claims = JSON.parse(Buffer.from(body.id_token!.split('.')[1]!, 'base64url').toString('utf8')) as { sub: string; name?: string };
    return { ...body, sub: claims.sub, name: claims.name };
  }

  const link = async (provider: 'google' | 'microsoft', tenant: Tenant, email: string) => {
    const t = await providerTokens(provider, email);
    const r = await saveLinkedAccount(
      { installationId: tenant.installationId, crmUserId: tenant.crmUserId, provider, email },
      { providerAccountId: t.sub, access_token: t.access_token, refresh_token: t.refresh_token, expires_at: Math.floor(Date.now() / 1000) + t.expires_in, scope: t.scope },
      { email, name: t.name ?? null },
    );
    if (r.status !== 'linked') throw new Error('link failed');
    return r.accountId;
  };

  return {
    sandbox,
    appUrl,
    databaseUrl,
    installPipedrive: async (userId = NORTHWIND.admin) => asTenant(await completePipedriveInstall(await pipedriveCode(userId))),
    installTeamleader: async (userId = BRUGGE.admin) => asTenant(await completeTeamleaderInstall(await teamleaderCode(userId))),
    linkGoogle: (tenant, email) => link('google', tenant, email),
    linkMicrosoft: (tenant, email) => link('microsoft', tenant, email),
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
