/** B1 via CRM webhooks (Pipedrive and Teamleader): registration, authenticated deliveries, dedupe, and the refusals. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NextRequest } from 'next/server';
import { eq } from 'drizzle-orm';
import { createTestApp, NORTHWIND, type TestApp } from '../support/harness';
import { getDb } from '@/db/client';
import { crmUsers, syncRuns } from '@/db/schema';
import { startSync } from '@/lib/contacts/service';
import { ensurePersonWebhook } from '@/lib/crm/pipedrive/webhooks';
import { decryptSecret } from '@/lib/auth/token-vault';
import { localQueue, localRunner } from '@/inngest/local-runner';
import { setJobQueue } from '@/lib/jobs/queue';
import { POST as webhookRoute } from '@/app/api/pipedrive/webhooks/route';
import { CLIENT_DATA_KEY } from '@/lib/sync/contacts/constants';
import type { Tenant } from '@/lib/tenant';

const OLIVIA = 'olivia.northwind@gmail.com';
let app: TestApp;
let tenant: Tenant;
let syncId: string;
let secret: string;

beforeAll(async () => {
  app = await createTestApp();
  tenant = await app.installPipedrive(NORTHWIND.admin);
  const accountId = await app.linkGoogle(tenant, OLIVIA);
  ({ syncId } = await startSync(tenant, { accountId, direction: 'crm_to_provider' }));
  await app.runSync(syncId, 'start');
  // From here on the app's run requests (webhooks, Start) are executed by the in-process runner.
  setJobQueue(localQueue());
});
afterAll(async () => {
  localRunner().stop();
  await app?.close();
});

const delivery = (auth: string | null, meta: Record<string, unknown>) =>
  new NextRequest(`${app.appUrl}/api/pipedrive/webhooks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
    body: JSON.stringify({ meta: { action: 'change', entity: 'person', company_id: String(NORTHWIND.companyId), version: '2.0', ...meta }, data: {}, previous: {} }),
  });
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('B1 Pipedrive webhooks', () => {
  it('B1: an admin’s exporting sync registers a person webhook with its own Basic credentials', async () => {
    expect(await ensurePersonWebhook({ crmUserId: tenant.crmUserId, apiDomain: tenant.apiDomain })).toEqual({ enabled: true });
    const db = await getDb();
    const [row] = await db.select().from(crmUsers).where(eq(crmUsers.id, tenant.crmUserId));
    expect(row!.webhookId).toBeTruthy();
    secret = decryptSecret(row!.webhookSecretEnc!);
    expect(row!.webhookSecretEnc).not.toContain(secret);
    // Idempotent: a second start does not add a second webhook.
    await ensurePersonWebhook({ crmUserId: tenant.crmUserId, apiDomain: tenant.apiDomain });
    const [again] = await db.select().from(crmUsers).where(eq(crmUsers.id, tenant.crmUserId));
    expect(again!.webhookId).toBe(row!.webhookId);
  });

  it('B1: a delivery starts a sync at once — the CRM change reaches Google without anyone pressing Refresh', async () => {
    const person = app.sandbox.pipedrive.persons(NORTHWIND.companyId).find((p) => !p.is_deleted && p.owner_id === NORTHWIND.admin && p.first_name && p.last_name && (p.emails.length || p.phones.length))!;
    app.sandbox.pipedrive.updatePerson(NORTHWIND.companyId, person.id, { last_name: 'Webhooked' });
    const res = await webhookRoute(delivery(basic(tenant.crmUserId, secret), { id: 'evt-1', entity_id: String(person.id) }));
    expect(res.status).toBe(200);
    expect((await res.json()).syncs).toBe(1);
    await localRunner().idle();
    const contact = (app.sandbox.google.contacts(OLIVIA) as unknown as { names?: { familyName?: string }[]; clientData?: { key: string; value: string }[] }[]).find((c) =>
      c.clientData?.some((d) => d.key === CLIENT_DATA_KEY && d.value.endsWith(`:${person.id}`)),
    );
    expect(contact?.names?.[0]?.familyName).toBe('Webhooked');
    const db = await getDb();
    expect((await db.select().from(syncRuns).where(eq(syncRuns.connectionId, syncId))).some((r) => r.trigger === 'webhook')).toBe(true);
  });

  it('B1: a replayed delivery (same id) is acknowledged but starts nothing', async () => {
    const res = await webhookRoute(delivery(basic(tenant.crmUserId, secret), { id: 'evt-1' }));
    expect(await res.json()).toMatchObject({ ok: true, duplicate: true });
  });

  it('B1: deliveries without the right Basic credentials, or for another company, are refused with 401', async () => {
    for (const auth of [null, basic(tenant.crmUserId, 'wrong'), basic('00000000-0000-0000-0000-000000000000', secret), `Bearer ${secret}`]) {
      expect((await webhookRoute(delivery(auth, { id: `evt-x-${Math.random()}` }))).status).toBe(401);
    }
    expect((await webhookRoute(delivery(basic(tenant.crmUserId, secret), { id: 'evt-other', company_id: '999' }))).status).toBe(401);
    expect((await webhookRoute(new NextRequest(`${app.appUrl}/api/pipedrive/webhooks`, { method: 'POST', headers: { authorization: basic(tenant.crmUserId, secret) }, body: '{not json' }))).status).toBe(400);
  });

  it('B1: a non-admin cannot register webhooks — the sync stays hourly and says why', async () => {
    const regular = await app.installPipedrive(NORTHWIND.regular);
    const r = await ensurePersonWebhook({ crmUserId: regular.crmUserId, apiDomain: regular.apiDomain });
    expect(r.enabled).toBe(false);
    expect(r.reason).toContain('admin');
  });
});

describe('B1 Teamleader webhooks', () => {
  it('B1: registers a contact webhook whose URL carries a secret; a delivery syncs at once; a wrong secret or account is refused', async () => {
    const { ensureContactWebhook, CONTACT_WEBHOOK_TYPES } = await import('@/lib/crm/teamleader/webhooks');
    const { POST: tlRoute } = await import('@/app/api/teamleader/webhooks/[user]/[secret]/route');
    const { BRUGGE } = await import('../support/harness');
    const tl = await app.installTeamleader(BRUGGE.admin);
    const accountId = await app.linkGoogle(tl, 'lotte.bruggebikes@gmail.com');
    await startSync(tl, { accountId, direction: 'crm_to_provider' });
    await localRunner().idle(); // Start's first run
    expect(await ensureContactWebhook(tl.crmUserId)).toEqual({ enabled: true });
    const account = app.sandbox.teamleader.accounts()[0]!.id;
    const hooks = app.sandbox.teamleader.webhooks(account);
    const hook = hooks.find((h: { url: string }) => h.url.includes(`/api/teamleader/webhooks/${tl.crmUserId}/`))!;
    expect(hook.types).toEqual(expect.arrayContaining(CONTACT_WEBHOOK_TYPES));
    const secret = hook.url.split('/').pop()!;
    const contact = app.sandbox.teamleader.contacts(account).find((c) => c.first_name && c.last_name && (c.emails ?? []).length)!;
    app.sandbox.teamleader.updateContact(account, contact.id, { last_name: 'Webhaak' });
    const post = (user: string, s: string, body: unknown) =>
      tlRoute(new NextRequest(`${app.appUrl}/api/teamleader/webhooks/${user}/${s}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }), {
        params: Promise.resolve({ user, secret: s }),
      });
    const event = { type: 'contact.updated', subject: { type: 'contact', id: contact.id }, account: { type: 'account', id: account } };
    expect((await post(tl.crmUserId, secret, event)).status).toBe(200);
    await localRunner().idle();
    const exported = (app.sandbox.google.contacts('lotte.bruggebikes@gmail.com') as unknown as { names?: { familyName?: string }[] }[]).some((c) => c.names?.[0]?.familyName === 'Webhaak');
    expect(exported).toBe(true);
    expect((await post(tl.crmUserId, `${secret}x`, event)).status).toBe(401);
    expect((await post('00000000-0000-0000-0000-000000000000', secret, event)).status).toBe(401);
    expect((await post(tl.crmUserId, secret, { ...event, account: { type: 'account', id: 'someone-else' } })).status).toBe(401);
    expect((await post(tl.crmUserId, secret, { nonsense: true })).status).toBe(400);
  });
});
