/**
 * Foundation (issue 2): install flows, token storage and refresh, uninstall, and the security refusals —
 * real app code against the sandbox emulators and a real Postgres.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { NextRequest } from 'next/server';
import { eq } from 'drizzle-orm';
import { Pool } from 'pg';
import { createTestApp, NORTHWIND, BRUGGE, type TestApp } from '../support/harness';
import { getDb } from '@/db/client';
import { crmUsers, installations } from '@/db/schema';
import { getAccessToken } from '@/lib/auth/token-manager';
import { refreshTeamleaderToken } from '@/lib/crm/teamleader/oauth';
import { crmClientFor } from '@/lib/crm';
import { resolveTenant, UnauthorizedError } from '@/lib/tenant';
import { beginInstall, consumeInstallState } from '@/lib/install-flow';
import { DELETE as uninstallRoute } from '@/app/api/pipedrive/callback/route';
import { GET as recordRoute } from '@/app/api/embedded/record/route';
import { env } from '@/lib/env';
import { decryptSecret } from '@/lib/auth/token-vault';
import { SignJWT } from 'jose';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => app?.close());

const sign = (claims: Record<string, unknown>, secret = env().pipedrive.jwtSecret, expSeconds = 300) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + expSeconds)
    .sign(new TextEncoder().encode(secret));

describe('M1 Pipedrive install', () => {
  it('M1: resolves identity with users/me, keys by company + user, stores tokens encrypted', async () => {
    const tenant = await app.installPipedrive(NORTHWIND.admin);
    expect(tenant.companyName).toBe('Northwind Traders');
    expect(tenant.companyId).toBe(String(NORTHWIND.companyId));
    expect(tenant.userExternalId).toBe(String(NORTHWIND.admin));
    const db = await getDb();
    const [row] = await db.select().from(crmUsers).where(eq(crmUsers.id, tenant.crmUserId));
    const stored = app.sandbox.pipedrive.installations().find((i) => i.userId === NORTHWIND.admin)!;
    expect(row!.accessTokenEnc).toMatch(/^v1\./);
    const access = decryptSecret(row!.accessTokenEnc!);
    const refresh = decryptSecret(row!.refreshTokenEnc!);
    expect(refresh).toBe(stored.refreshToken);
    expect(access).toMatch(/^v1u:/);
    // No plaintext token anywhere in the stored row.
    expect(JSON.stringify(row)).not.toContain(access);
    expect(JSON.stringify(row)).not.toContain(refresh);
  });

  it('M1: re-install updates the stored tokens instead of adding a second install', async () => {
    const first = await app.installPipedrive(NORTHWIND.regular);
    const db = await getDb();
    const [before] = await db.select().from(crmUsers).where(eq(crmUsers.id, first.crmUserId));
    const again = await app.installPipedrive(NORTHWIND.regular);
    const [after] = await db.select().from(crmUsers).where(eq(crmUsers.id, again.crmUserId));
    expect(again.crmUserId).toBe(first.crmUserId);
    expect(after!.tokenVersion).toBe(before!.tokenVersion + 1);
    expect((await db.select().from(installations).where(eq(installations.crm, 'pipedrive'))).length).toBe(1);
  });

  it('M4: the record panel reads the person through the CRM API with the user token', async () => {
    const tenant = await app.installPipedrive(NORTHWIND.admin);
    const person = app.sandbox.pipedrive.persons(NORTHWIND.companyId).find((p) => p.owner_id === NORTHWIND.admin && !p.is_deleted)!;
    const token = await sign({ userId: NORTHWIND.admin, companyId: NORTHWIND.companyId });
    const res = await recordRoute(
      new NextRequest(`${app.appUrl}/api/embedded/record?resource=person&id=${person.id}`, { headers: { authorization: `Bearer ${token}` } }),
      { params: Promise.resolve({}) },
    );
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.record.title).toBe(person.name);
    void tenant;
  });
});

describe('R2 token manager', () => {
  it('R2/M2: two concurrent refreshes of a Teamleader install spend the single-use refresh token once', async () => {
    const tenant = await app.installTeamleader(BRUGGE.admin);
    app.sandbox.teamleader.expireAccessTokens();
    const db = await getDb();
    await db.update(crmUsers).set({ accessTokenExpiresAt: new Date(0) }).where(eq(crmUsers.id, tenant.crmUserId));
    const before = app.sandbox.teamleader.tokenStats();
    const owner = { kind: 'crm_user' as const, id: tenant.crmUserId };
    // Two callers in this process plus one that goes through a separate connection pool (another "process").
    const otherPool = app.databaseUrl ? new Pool({ connectionString: app.databaseUrl }) : null;
    const [a, b] = await Promise.all([getAccessToken(owner, refreshTeamleaderToken), getAccessToken(owner, refreshTeamleaderToken)]);
    expect(a.token).toBe(b.token);
    const after = app.sandbox.teamleader.tokenStats();
    expect(after.refreshes - before.refreshes).toBe(1);
    expect(after.refreshReuseAttempts).toBe(before.refreshReuseAttempts);
    // The rotated refresh token was written back: the install still works.
    const me = await crmClientFor({ id: tenant.crmUserId, crm: 'teamleader', apiDomain: null }).getMe();
    expect(me.userId).toBe(BRUGGE.admin);
    await otherPool?.end();
  });

  // The cross-connection lock needs a real Postgres (PGlite is one connection); reported as skipped without it.
  it.skipIf(!inject('postgresUrl'))('R2: a refresh happening under the row lock makes a second waiter reuse the new token', async () => {
    const tenant = await app.installTeamleader(BRUGGE.regular);
    const db = await getDb();
    await db.update(crmUsers).set({ accessTokenExpiresAt: new Date(0) }).where(eq(crmUsers.id, tenant.crmUserId));
    const pool = new Pool({ connectionString: app.databaseUrl! });
    const client = await pool.connect();
    // Another "process" holds the row lock while we ask for a token.
    await client.query('begin');
    await client.query('select id from crm_users where id = $1 for update', [tenant.crmUserId]);
    const before = app.sandbox.teamleader.tokenStats().refreshes;
    const pending = getAccessToken({ kind: 'crm_user', id: tenant.crmUserId }, refreshTeamleaderToken);
    await new Promise((r) => setTimeout(r, 300));
    expect(app.sandbox.teamleader.tokenStats().refreshes).toBe(before); // blocked on the lock
    await client.query('commit');
    client.release();
    await pending;
    expect(app.sandbox.teamleader.tokenStats().refreshes).toBe(before + 1);
    await pool.end();
  });

  it('R2: a 401 from the API refreshes once and retries the call', async () => {
    const tenant = await app.installPipedrive(NORTHWIND.admin);
    app.sandbox.pipedrive.expireAccessTokens(); // stored expiry still says "valid": only the 401 tells
    const me = await crmClientFor({ id: tenant.crmUserId, crm: 'pipedrive', apiDomain: tenant.apiDomain }).getMe();
    expect(me.companyName).toBe('Northwind Traders');
  });

  it('R2: invalid_grant marks the install needs-reconnect and deletes nothing', async () => {
    const tenant = await app.installTeamleader(BRUGGE.restricted);
    const db = await getDb();
    await db.update(crmUsers).set({ accessTokenExpiresAt: new Date(0) }).where(eq(crmUsers.id, tenant.crmUserId));
    app.sandbox.teamleader.uninstall((await db.select().from(installations).where(eq(installations.id, tenant.installationId)))[0]!.companyId, BRUGGE.restricted);
    await expect(getAccessToken({ kind: 'crm_user', id: tenant.crmUserId }, refreshTeamleaderToken)).rejects.toMatchObject({ code: 'auth_revoked' });
    const [row] = await db.select().from(crmUsers).where(eq(crmUsers.id, tenant.crmUserId));
    expect(row!.status).toBe('needs_reconnect');
    expect(row!.refreshTokenEnc).not.toBeNull();
  });
});

describe('M5 uninstall and security', () => {
  const deleteReq = (auth: string | null, body: unknown) =>
    new NextRequest(`${app.appUrl}/api/pipedrive/callback`, {
      method: 'DELETE',
      headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
      body: JSON.stringify(body),
    });
  const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

  it('M5: an uninstall call without valid Basic auth is refused and changes nothing', async () => {
    const tenant = await app.installPipedrive(NORTHWIND.admin);
    for (const auth of [null, basic(env().pipedrive.clientId, 'wrong-secret'), 'Bearer abc']) {
      const res = await uninstallRoute(deleteReq(auth, { company_id: NORTHWIND.companyId, user_id: NORTHWIND.admin }));
      expect(res.status).toBe(401);
    }
    expect(await resolveTenant(new Headers({ authorization: `Bearer ${await sign({ userId: NORTHWIND.admin, companyId: NORTHWIND.companyId })}` }), undefined)).toMatchObject({
      crmUserId: tenant.crmUserId,
    });
  });

  it('M5: the real uninstall call purges tokens at once; re-install works', async () => {
    const tenant = await app.installPipedrive(NORTHWIND.admin);
    const res = await uninstallRoute(deleteReq(basic(env().pipedrive.clientId, env().pipedrive.clientSecret), { client_id: env().pipedrive.clientId, company_id: NORTHWIND.companyId, user_id: NORTHWIND.admin, timestamp: Date.now() }));
    expect(res.status).toBe(200);
    const db = await getDb();
    const [row] = await db.select().from(crmUsers).where(eq(crmUsers.id, tenant.crmUserId));
    expect(row).toMatchObject({ status: 'uninstalled', accessTokenEnc: null, refreshTokenEnc: null });
    await expect(resolveTenant(new Headers({ authorization: `Bearer ${await sign({ userId: NORTHWIND.admin, companyId: NORTHWIND.companyId })}` }), undefined)).rejects.toBeInstanceOf(UnauthorizedError);
    const again = await app.installPipedrive(NORTHWIND.admin);
    expect(again.status).toBe('installed');
  });

  it('M4: forged, expired and missing iframe tokens are refused with 401 and no tenant data', async () => {
    await app.installPipedrive(NORTHWIND.admin);
    const forged = await sign({ userId: NORTHWIND.admin, companyId: NORTHWIND.companyId }, 'not-the-secret');
    const expired = await sign({ userId: NORTHWIND.admin, companyId: NORTHWIND.companyId }, undefined, -60);
    for (const auth of [`Bearer ${forged}`, `Bearer ${expired}`, null, 'Bearer not.a.jwt']) {
      const res = await recordRoute(
        new NextRequest(`${app.appUrl}/api/embedded/record?resource=person&id=1`, { headers: auth ? { authorization: auth } : {} }),
        { params: Promise.resolve({}) },
      );
      expect(res.status).toBe(401);
      const body = await res.json();
      expect(JSON.stringify(body)).not.toContain('Northwind');
    }
  });

  it('M1: a tampered, foreign or malformed OAuth state is rejected', async () => {
    const { state, nonce } = await beginInstall('pipedrive');
    const [body, mac] = state.split('.');
    const tampered = `${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body!, 'base64url').toString()), crm: 'pipedrive', exp: 9999999999 })).toString('base64url')}.${mac}`;
    expect(await consumeInstallState('pipedrive', tampered, nonce)).toBe('state_invalid');
    expect(await consumeInstallState('teamleader', state, nonce)).toBe('state_invalid');
    expect(await consumeInstallState('pipedrive', 'garbage', nonce)).toBe('state_invalid');
    expect(await consumeInstallState('pipedrive', null, nonce)).toBe('state_invalid');
    expect(await consumeInstallState('pipedrive', state, nonce)).toBeNull();
  });
});

describe('M5 scheduled purge', () => {
  it('M5: an uninstalled user’s data is purged once purge_after has passed, not before', async () => {
    const { purgeUninstalledData, uninstallCrmUser } = await import('@/lib/installations');
    const tenant = await app.installTeamleader(BRUGGE.regular);
    await uninstallCrmUser('teamleader', tenant.companyId, BRUGGE.regular);
    const db = await getDb();
    expect(await purgeUninstalledData(new Date())).toBe(0);
    expect((await db.select().from(crmUsers).where(eq(crmUsers.id, tenant.crmUserId))).length).toBe(1);
    expect(await purgeUninstalledData(new Date(Date.now() + 31 * 86_400_000))).toBeGreaterThanOrEqual(1);
    expect((await db.select().from(crmUsers).where(eq(crmUsers.id, tenant.crmUserId))).length).toBe(0);
  });
});

describe('Housekeeping', () => {
  it('the activity log keeps 90 days: older rows are pruned by the hourly job, recent ones stay', async () => {
    const { purgeUninstalledData, ACTIVITY_RETENTION_DAYS } = await import('@/lib/installations');
    const { activity } = await import('@/db/schema');
    const { createConnection } = await import('@/lib/sync/runtime/connections');
    const tenant = await app.installPipedrive(NORTHWIND.admin);
    const db = await getDb();
    const accountId = await app.linkGoogle(tenant, 'olivia.northwind@gmail.com');
    const sync = { id: await createConnection({ installationId: tenant.installationId, crmUserId: tenant.crmUserId, kind: 'contacts', accountIds: [accountId] }) };
    const base = { installationId: tenant.installationId, connectionId: sync.id, action: 'added' as const, side: 'provider' as const, label: 'x' };
    await db.insert(activity).values([
      { ...base, label: 'old', at: new Date(Date.now() - (ACTIVITY_RETENTION_DAYS + 1) * 86_400_000) },
      { ...base, label: 'recent', at: new Date(Date.now() - 86_400_000) },
    ]);
    await purgeUninstalledData();
    const labels = (await db.select().from(activity).where(eq(activity.connectionId, sync!.id))).map((a) => a.label);
    expect(labels).toEqual(['recent']);
  });
});
