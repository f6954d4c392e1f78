/**
 * S3, S5, S6, S8 (docs/SECURITY.md) through the real routes, the sandbox CRMs and a real Postgres:
 * webhook credentials only for their own CRM, authorization before side effects, bad input is a 4xx,
 * public endpoints are throttled.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NextRequest } from 'next/server';
import { eq } from 'drizzle-orm';
import { createTestApp, BRUGGE, NORTHWIND, type TestApp } from '../support/harness';
import { getDb } from '@/db/client';
import { crmUsers, webhookEvents } from '@/db/schema';
import { decryptSecret } from '@/lib/auth/token-vault';
import { ensurePersonWebhook } from '@/lib/crm/pipedrive/webhooks';
import { ensureContactWebhook } from '@/lib/crm/teamleader/webhooks';
import { PUBLIC_LIMITS } from '@/lib/api/public-route';
import { POST as pdWebhook } from '@/app/api/pipedrive/webhooks/route';
import { POST as tlWebhook } from '@/app/api/teamleader/webhooks/[user]/[secret]/route';
import { POST as startSyncRoute } from '@/app/api/embedded/contacts/syncs/route';
import { GET as syncRoute, DELETE as stopSyncRoute } from '@/app/api/embedded/contacts/syncs/[id]/route';
import { POST as refreshRoute } from '@/app/api/embedded/contacts/syncs/[id]/refresh/route';
import { DELETE as unlinkRoute } from '@/app/api/embedded/contacts/accounts/[id]/route';
import { GET as groupsRoute } from '@/app/api/embedded/contacts/accounts/[id]/groups/route';
import { GET as recordRoute } from '@/app/api/embedded/record/route';
import type { Tenant } from '@/lib/tenant';

let app: TestApp;
let pd: Tenant;
let tl: Tenant;
let pdSecret: string;
let tlSecret: string;

beforeAll(async () => {
  app = await createTestApp();
  pd = await app.installPipedrive(NORTHWIND.admin);
  tl = await app.installTeamleader(BRUGGE.admin);
  expect(await ensurePersonWebhook({ crmUserId: pd.crmUserId, apiDomain: pd.apiDomain })).toEqual({ enabled: true });
  expect(await ensureContactWebhook(tl.crmUserId)).toEqual({ enabled: true });
  const db = await getDb();
  pdSecret = decryptSecret((await db.select().from(crmUsers).where(eq(crmUsers.id, pd.crmUserId)))[0]!.webhookSecretEnc!);
  tlSecret = decryptSecret((await db.select().from(crmUsers).where(eq(crmUsers.id, tl.crmUserId)))[0]!.webhookSecretEnc!);
});
afterAll(async () => app?.close());

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const pdDelivery = (auth: string, meta: Record<string, unknown>, ip = '198.51.100.1') =>
  pdWebhook(
    new NextRequest(`${app.appUrl}/api/pipedrive/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: auth, 'x-forwarded-for': ip },
      body: JSON.stringify({ meta: { action: 'change', entity: 'person', company_id: pd.companyId, version: '2.0', ...meta }, data: {}, previous: {} }),
    }),
  );
const tlDelivery = (user: string, secret: string, body: unknown, ip = '198.51.100.2') =>
  tlWebhook(new NextRequest(`${app.appUrl}/api/teamleader/webhooks/${user}/${secret}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': ip }, body: JSON.stringify(body) }), {
    params: Promise.resolve({ user, secret }),
  });
const tlEvent = (account?: string) => ({ type: 'contact.updated', subject: { type: 'contact', id: 'c-1' }, ...(account ? { account: { type: 'account', id: account } } : {}) });

describe('S3 webhook credentials only work for their own CRM', () => {
  it('S3: Pipedrive webhook credentials are refused on the Teamleader webhook route', async () => {
    expect((await tlDelivery(pd.crmUserId, pdSecret, tlEvent(pd.companyId))).status).toBe(401);
  });

  it('S3: Teamleader webhook credentials are refused as Basic credentials on the Pipedrive route', async () => {
    expect((await pdDelivery(basic(tl.crmUserId, tlSecret), { id: 'evt-s3', company_id: tl.companyId })).status).toBe(401);
  });

  it('S3: a Teamleader delivery must name the installation’s account — missing or another account is refused', async () => {
    expect((await tlDelivery(tl.crmUserId, tlSecret, tlEvent())).status).toBe(400);
    expect((await tlDelivery(tl.crmUserId, tlSecret, tlEvent('someone-else'))).status).toBe(401);
    expect((await tlDelivery(tl.crmUserId, tlSecret, tlEvent(tl.companyId))).status).toBe(200);
  });

  it('S11: the Basic scheme is accepted case-insensitively on the Pipedrive route', async () => {
    expect((await pdDelivery(basic(pd.crmUserId, pdSecret).replace('Basic', 'basic'), { id: 'evt-lower' })).status).toBe(200);
  });
});

const bearer = (t: Tenant) => ({ authorization: `Bearer ${app.sandbox.pipedrive.signIframeToken(Number(t.companyId), Number(t.userExternalId))}`, 'content-type': 'application/json' });
const tenantCall = (route: (req: NextRequest, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>, t: Tenant, method: string, path: string, params: Record<string, string> = {}, body?: unknown) =>
  route(new NextRequest(`${app.appUrl}${path}`, { method, headers: bearer(t), ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }) }), { params: Promise.resolve(params) });

describe('S5 authorization before side effects', () => {
  it('S5: starting a sync with another user’s account id is refused with 404 before any custom field is created in the CRM', async () => {
    const other = await app.installPipedrive(NORTHWIND.regular);
    const othersAccount = await app.linkGoogle(other, 'rahul.northwind@gmail.com');
    const regular = await app.installPipedrive(NORTHWIND.noAdd);
    app.sandbox.pipedrive.resetRequestCounts();
    const res = await tenantCall(startSyncRoute, regular, 'POST', '/api/embedded/contacts/syncs', {}, { accountId: othersAccount, direction: 'two_way', groupId: 'contactGroups/x' });
    expect(res.status).toBe(404);
    const writes = Object.entries(app.sandbox.pipedrive.requestCounts()).filter(([k]) => !k.startsWith('GET '));
    expect(writes).toEqual([]);
    expect(app.sandbox.pipedrive.requestCount()).toBe(0);
  });

  it('S5: an incomplete request (two-way without a group) is refused before anything is written', async () => {
    const accountId = await app.linkGoogle(pd, 'olivia.northwind@gmail.com');
    app.sandbox.pipedrive.resetRequestCounts();
    const res = await tenantCall(startSyncRoute, pd, 'POST', '/api/embedded/contacts/syncs', {}, { accountId, direction: 'two_way' });
    expect(res.status).toBe(422);
    expect(app.sandbox.pipedrive.requestCount()).toBe(0);
  });
});

describe('S6 bad input gets a 4xx with a message, never a 500', () => {
  it.each([
    ['GET /syncs/not-a-uuid', syncRoute, 'GET', '/api/embedded/contacts/syncs/not-a-uuid'],
    ['DELETE /syncs/not-a-uuid', stopSyncRoute, 'DELETE', '/api/embedded/contacts/syncs/not-a-uuid'],
    ['POST /syncs/not-a-uuid/refresh', refreshRoute, 'POST', '/api/embedded/contacts/syncs/not-a-uuid/refresh'],
    ['DELETE /accounts/not-a-uuid', unlinkRoute, 'DELETE', '/api/embedded/contacts/accounts/not-a-uuid'],
    ['GET /accounts/not-a-uuid/groups', groupsRoute, 'GET', '/api/embedded/contacts/accounts/not-a-uuid/groups'],
  ] as const)('S6: %s answers 400 with a message', async (_name, route, method, path) => {
    const res = await tenantCall(route as never, pd, method, path, { id: 'not-a-uuid' });
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toMatch(/not a valid id/);
  });

  it('S6: a NUL character in a text field answers 400, not a Postgres error', async () => {
    const accountId = await app.linkGoogle(pd, 'olivia.northwind@gmail.com');
    const res = await tenantCall(startSyncRoute, pd, 'POST', '/api/embedded/contacts/syncs', {}, { accountId, direction: 'crm_to_provider', groupName: 'Clients\u0000' });
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toMatch(/control characters/);
    const query = await tenantCall(recordRoute as never, pd, 'GET', '/api/embedded/record?resource=person&id=1%00');
    expect(query.status).toBe(400);
  });

  it('S6: bodies are capped (413) and so is every string (400)', async () => {
    const big = await tenantCall(startSyncRoute, pd, 'POST', '/api/embedded/contacts/syncs', {}, JSON.stringify({ accountId: 'x', pad: 'y'.repeat(200_000) }));
    expect(big.status).toBe(413);
    const long = await tenantCall(startSyncRoute, pd, 'POST', '/api/embedded/contacts/syncs', {}, { accountId: 'x', pad: 'y'.repeat(10_000) });
    expect(long.status).toBe(400);
  });

  it('S6: a 100 KB webhook meta.id is refused, not stored as a dedupe key', async () => {
    const res = await pdDelivery(basic(pd.crmUserId, pdSecret), { id: 'x'.repeat(100_000) });
    expect(res.status).toBe(400);
    const keys = (await (await getDb()).select({ id: webhookEvents.id }).from(webhookEvents)).map((r) => r.id.length);
    expect(Math.max(0, ...keys)).toBeLessThan(200);
  });
});

describe('S8 public endpoints are throttled across instances (Postgres)', () => {
  it('S8: a run of bad-credential webhook requests is cut off with 429 and Retry-After; other clients are unaffected', async () => {
    const limit = PUBLIC_LIMITS.webhook.refusals.limit;
    const statuses: number[] = [];
    for (let i = 0; i < limit + 10; i++) statuses.push((await pdDelivery(basic(pd.crmUserId, `wrong-${i}`), { id: `evt-bad-${i}` }, '203.0.113.9')).status);
    expect(statuses.slice(0, limit).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(limit).every((s) => s === 429)).toBe(true);
    const throttled = await pdDelivery(basic(pd.crmUserId, pdSecret), { id: 'evt-after' }, '203.0.113.9');
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another address still gets through.
    expect((await pdDelivery(basic(pd.crmUserId, pdSecret), { id: 'evt-other-ip' }, '203.0.113.10')).status).toBe(200);
  });

  it('S8: the Teamleader webhook path with guessed secrets is throttled too', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < PUBLIC_LIMITS.webhook.refusals.limit + 5; i++) statuses.push((await tlDelivery(tl.crmUserId, `guess-${i}`, tlEvent(tl.companyId), '203.0.113.20')).status);
    expect(statuses.at(-1)).toBe(429);
  });
});
