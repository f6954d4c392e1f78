/**
 * S1 (docs/SECURITY.md): linking a provider account is bound to the CRM user who started it. The real link
 * flow functions against the sandbox's Google consent and a real Postgres; the browser half (popup → opener)
 * is e2e/security-link.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NextRequest } from 'next/server';
import { and, eq } from 'drizzle-orm';
import { createTestApp, NORTHWIND, type TestApp } from '../support/harness';
import { providerTokens } from '../support/sandbox-oauth';
import { getDb } from '@/db/client';
import { linkFlows, providerAccounts } from '@/db/schema';
import { LinkRefused, openLinkFlow, recordConsent, redeemLinkCode, saveLinkedAccount, startLinkFlow } from '@/lib/auth/provider-linking';
import { uninstallCrmUser } from '@/lib/installations';
import { POST as linkRoute } from '@/app/api/embedded/contacts/link/route';
import { POST as redeemRoute } from '@/app/api/embedded/contacts/link/redeem/route';
import type { Tenant } from '@/lib/tenant';

let app: TestApp;
let alice: Tenant; // the attacker: mints the ticket
let bob: Tenant; // the victim: another CRM user of the same company

beforeAll(async () => {
  app = await createTestApp();
  alice = await app.installPipedrive(NORTHWIND.regular);
  bob = await app.installPipedrive(NORTHWIND.noAdd);
});
afterAll(async () => app?.close());

const owner = (t: Tenant) => ({ installationId: t.installationId, crmUserId: t.crmUserId });
const ticketOf = (url: string) => new URL(url).searchParams.get('ticket');
const linkedAccounts = async (t: Tenant) => (await getDb()).select().from(providerAccounts).where(eq(providerAccounts.crmUserId, t.crmUserId));

async function consent(cookie: string, email: string) {
  const tokens = await providerTokens(app.sandbox, 'google', email);
  return recordConsent(
    cookie,
    'google',
    { providerAccountId: tokens.sub, access_token: tokens.access_token, refresh_token: tokens.refresh_token, expires_at: Math.floor(Date.now() / 1000) + tokens.expires_in, scope: tokens.scope },
    { email, name: tokens.name ?? null },
  );
}

const bearer = (t: Tenant) => ({ authorization: `Bearer ${app.sandbox.pipedrive.signIframeToken(Number(t.companyId), Number(t.userExternalId))}`, 'content-type': 'application/json' });
const call = (route: typeof linkRoute, path: string, t: Tenant, body: unknown) =>
  route(new NextRequest(`${app.appUrl}${path}`, { method: 'POST', headers: bearer(t), body: JSON.stringify(body) }), { params: Promise.resolve({}) });

describe('S1 provider linking is bound to the CRM user who is looking', () => {
  it('S1: a ticket naming someone else’s e-mail links nothing when that person consents — the consent waits for the starter’s own redeem', async () => {
    const victim = 'olivia.northwind@gmail.com';
    const { url } = await (await call(linkRoute, '/api/embedded/contacts/link', alice, { provider: 'google', email: victim })).json();
    // The victim opens the forwarded URL in their own browser and consents.
    const opened = await openLinkFlow(ticketOf(url), 'google');
    const outcome = await consent(opened.cookie, victim);
    expect(outcome.status).toBe('consented');
    // Nothing is attached to the attacker by the consent itself (before the fix, this linked the account into Alice's user).
    expect(await linkedAccounts(alice)).toHaveLength(0);
    // The code stays in the victim's browser; someone else's verified page cannot redeem it either.
    const code = outcome.status === 'consented' ? outcome.code : '';
    const stolen = await call(redeemRoute, '/api/embedded/contacts/link/redeem', bob, { code });
    expect(stolen.status).toBe(404);
    expect(await linkedAccounts(bob)).toHaveLength(0);
  });

  it('S1: the same CRM user redeeming the one-time code from their verified page attaches the account, once', async () => {
    const email = 'rahul.northwind@gmail.com';
    const { url } = await startLinkFlow({ ...owner(alice), provider: 'google', email });
    const outcome = await consent((await openLinkFlow(ticketOf(url), 'google')).cookie, email);
    if (outcome.status !== 'consented') throw new Error('expected consent');
    const res = await call(redeemRoute, '/api/embedded/contacts/link/redeem', alice, { code: outcome.code });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'linked', email, provider: 'google' });
    expect((await linkedAccounts(alice)).map((a) => a.email)).toContain(email);
    // The code is spent, and the stored consent result is gone.
    expect((await call(redeemRoute, '/api/embedded/contacts/link/redeem', alice, { code: outcome.code })).status).toBe(404);
    const [flow] = await (await getDb()).select().from(linkFlows).where(and(eq(linkFlows.crmUserId, alice.crmUserId), eq(linkFlows.email, email)));
    expect(flow).toMatchObject({ status: 'redeemed', resultEnc: null, codeHash: null });
  });

  it('S1: a ticket works once — the second open is refused', async () => {
    const { url } = await startLinkFlow({ ...owner(alice), provider: 'google', email: 'x@example.com' });
    await openLinkFlow(ticketOf(url), 'google');
    await expect(openLinkFlow(ticketOf(url), 'google')).rejects.toMatchObject({ reason: 'used' });
  });

  it('S1: a ticket for one provider cannot open another; a forged or missing ticket is refused', async () => {
    const { url } = await startLinkFlow({ ...owner(alice), provider: 'google', email: 'x@example.com' });
    await expect(openLinkFlow(ticketOf(url), 'microsoft')).rejects.toMatchObject({ reason: 'provider_mismatch' });
    await expect(openLinkFlow('forged.ticket', 'google')).rejects.toBeInstanceOf(LinkRefused);
    await expect(openLinkFlow(null, 'google')).rejects.toMatchObject({ reason: 'expired' });
  });

  it('S1/M5: a ticket minted before uninstall is refused after it; consent or tokens after uninstall store nothing', async () => {
    const carol = await app.installPipedrive(NORTHWIND.admin);
    const email = 'olivia.northwind@gmail.com';
    const before = await startLinkFlow({ ...owner(carol), provider: 'google', email });
    const consentedBefore = await startLinkFlow({ ...owner(carol), provider: 'google', email });
    const cookie = (await openLinkFlow(ticketOf(consentedBefore.url), 'google')).cookie;
    await uninstallCrmUser('pipedrive', carol.companyId, carol.userExternalId);
    // The install took its pending flows with it; a flow that survived would be refused for the uninstalled user.
    await expect(openLinkFlow(ticketOf(before.url), 'google')).rejects.toBeInstanceOf(LinkRefused);
    await expect(consent(cookie, email)).rejects.toBeInstanceOf(LinkRefused);
    await expect(saveLinkedAccount({ ...owner(carol), provider: 'google', email }, { providerAccountId: 'x', access_token: 't' }, { email })).rejects.toMatchObject({ code: 'uninstalled' });
    expect(await linkedAccounts(carol)).toHaveLength(0);
  });

  it('S6: an oversized or control-character e-mail is a 4xx with a message, never a ticket', async () => {
    const long = await call(linkRoute, '/api/embedded/contacts/link', alice, { provider: 'google', email: `${'a'.repeat(1_000_000)}@example.com` });
    expect([400, 413]).toContain(long.status);
    const nul = await call(linkRoute, '/api/embedded/contacts/link', alice, { provider: 'google', email: 'a\u0000b@example.com' });
    expect(nul.status).toBe(400);
    expect((await nul.json()).error.message).toMatch(/control characters/);
    const tooLongForEmail = await call(linkRoute, '/api/embedded/contacts/link', alice, { provider: 'google', email: `${'a'.repeat(300)}@example.com` });
    expect(tooLongForEmail.status).toBe(400);
  });
});
