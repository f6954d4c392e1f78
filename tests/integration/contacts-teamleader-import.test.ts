/** Contacts II on Teamleader: provider → CRM one-way and two-way with Google (C4, C11 companies, C2). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, BRUGGE, type TestApp } from '../support/harness';
import { startSync } from '@/lib/contacts/service';
import { prepareCrmFields } from '@/lib/contacts/crm-fields';
import type { Tenant } from '@/lib/tenant';

const LOTTE = 'lotte.bruggebikes@gmail.com';
type GPerson = { resourceName: string; emailAddresses?: { value: string }[]; names?: { givenName?: string; familyName?: string }[]; organizations?: { name?: string }[]; memberships?: { contactGroupMembership?: { contactGroupResourceName?: string } }[] };

let app: TestApp;
let tenant: Tenant;
let account: string;
beforeAll(async () => {
  app = await createTestApp();
  tenant = await app.installTeamleader(BRUGGE.admin);
  account = app.sandbox.teamleader.accounts()[0]!.id;
});
afterAll(async () => app?.close());

const members = (groupName: string) => {
  const g = app.sandbox.google.groups(LOTTE).find((x) => x.name === groupName)!;
  return (app.sandbox.google.contacts(LOTTE) as unknown as GPerson[]).filter((p) => (p.memberships ?? []).some((m) => m.contactGroupMembership?.contactGroupResourceName === g.resourceName));
};
const tlByEmail = (email: string) => app.sandbox.teamleader.contacts(account).filter((c) => (c.emails ?? []).some((e: { email: string }) => e.email === email));
/** The Teamleader contact this sync linked to a Google contact (C6: demo data may hold same-e-mail contacts). */
async function linkedContact(remoteId: string) {
  const { getDb } = await import('@/db/client');
  const { contactLinks } = await import('@/db/schema');
  const { eq } = await import('drizzle-orm');
  const [link] = await (await getDb()).select().from(contactLinks).where(eq(contactLinks.remoteId, remoteId));
  return link?.crmId ? app.sandbox.teamleader.getContact(account, link.crmId) : undefined;
}
async function skippedCount() {
  const { getDb } = await import('@/db/client');
  const { activity } = await import('@/db/schema');
  const { eq } = await import('drizzle-orm');
  return (await (await getDb()).select().from(activity).where(eq(activity.action, 'skipped'))).length;
}

describe('Google → Teamleader', () => {
  it('C4/C11: one-way import creates Teamleader contacts, linked to companies by name (created when missing)', async () => {
    const googleAccount = await app.linkGoogle(tenant, LOTTE);
    const group = app.sandbox.google.groups(LOTTE).find((g) => g.name === 'Clients')!;
    const { syncId } = await startSync(tenant, { accountId: googleAccount, direction: 'provider_to_crm', groupId: group.resourceName, groupName: 'Clients' });
    const run = await app.runSync(syncId, 'start');
    expect(run.status).toBe('succeeded');
    expect(await skippedCount()).toBe(0);
    let withCompany = 0;
    for (const m of members('Clients').filter((p) => p.names?.[0]?.familyName)) {
      const contact = await linkedContact(m.resourceName);
      expect(contact?.last_name).toBe(m.names![0]!.familyName);
      const orgName = m.organizations?.[0]?.name;
      if (orgName) {
        withCompany++;
        const company = app.sandbox.teamleader.companies(account).find((c) => c.id === contact!.companies?.[0]?.company_id);
        expect(company?.name).toBe(orgName);
      }
    }
    expect(withCompany).toBeGreaterThan(0);
    // A second run changes nothing (no duplicate companies or contacts).
    const companiesBefore = app.sandbox.teamleader.companies(account).length;
    const contactsBefore = app.sandbox.teamleader.contacts(account).length;
    expect((await app.runSync(syncId)).status).toBe('succeeded');
    expect(app.sandbox.teamleader.companies(account).length).toBe(companiesBefore);
    expect(app.sandbox.teamleader.contacts(account).length).toBe(contactsBefore);
  });

  it('C4: a Google edit reaches Teamleader; a Google delete removes the Teamleader contact', async () => {
    const { getDb } = await import('@/db/client');
    const { contactSyncs } = await import('@/db/schema');
    const db = await getDb();
    const [sync] = await db.select().from(contactSyncs);
    const [edited, removed] = members('Clients').filter((p) => p.names?.[0]?.familyName);
    app.sandbox.google.updateContact(LOTTE, edited!.resourceName, { names: [{ givenName: edited!.names![0]!.givenName, familyName: 'Bewerkt' }] });
    const removedContact = await linkedContact(removed!.resourceName);
    expect(removedContact).toBeTruthy();
    app.sandbox.google.deleteContact(LOTTE, removed!.resourceName);
    expect((await app.runSync(sync!.id)).status).toBe('succeeded');
    expect((await linkedContact(edited!.resourceName))?.last_name).toBe('Bewerkt');
    expect(app.sandbox.teamleader.getContact(account, removedContact!.id)).toBeUndefined();
  });

  it('C2: the Teamleader user without permission to add contacts is stopped at setup', async () => {
    const restricted = await app.installTeamleader(BRUGGE.restricted);
    await expect(prepareCrmFields(restricted)).rejects.toMatchObject({ code: 'insufficient_permission' });
  });
});

describe('Google ⇄ Teamleader two-way', () => {
  it('C4: edits on each side reach the other; a create interrupted after Teamleader accepted it is not duplicated', async () => {
    const tl = await app.installTeamleader(BRUGGE.regular);
    const RAHUL = 'rahul.northwind@gmail.com'; // another Google account, so this sync stands alone
    const googleAccount = await app.linkGoogle(tl, RAHUL);
    const group = app.sandbox.google.groups(RAHUL).find((g) => g.name === 'Friends')!;
    const nameKey = (first: string | null | undefined, last: string | null | undefined) => `${first ?? ''}|${last ?? ''}`;
    const countByName = () => {
      const m = new Map<string, number>();
      for (const c of app.sandbox.teamleader.contacts(account)) m.set(nameKey(c.first_name, c.last_name), (m.get(nameKey(c.first_name, c.last_name)) ?? 0) + 1);
      return m;
    };
    const before = countByName();
    // The Google friends before the sync (two-way also sends Teamleader contacts into this group).
    const friends = (app.sandbox.google.contacts(RAHUL) as unknown as GPerson[]).filter((p) =>
      (p.memberships ?? []).some((m) => m.contactGroupMembership?.contactGroupResourceName === group.resourceName) && p.names?.[0]?.familyName,
    );
    const { syncId } = await startSync(tl, { accountId: googleAccount, direction: 'two_way', groupId: group.resourceName, groupName: 'Friends' });
    // Teamleader accepts the first contact create but the answer is lost.
    app.sandbox.teamleader.faults.add({ method: 'POST', path: 'contacts\\.add', status: 500, phase: 'after', times: 1, body: { errors: [{ title: 'Internal error' }] } });
    await app.runSync(syncId, 'start');
    expect((await app.runSync(syncId, 'retry')).status).toBe('succeeded');
    const after = countByName();
    expect(friends.length).toBeGreaterThan(0);
    for (const f of friends) {
      // Exactly one new Teamleader contact per Google friend — including the one whose create was interrupted.
      const key = nameKey(f.names![0]!.givenName, f.names![0]!.familyName);
      expect((after.get(key) ?? 0) - (before.get(key) ?? 0)).toBe(1);
      expect((await linkedContact(f.resourceName))?.id).toBeTruthy();
    }
    // No Google contact got two Teamleader twins: every linked contact id is distinct.
    const ids = await Promise.all(friends.map(async (f) => (await linkedContact(f.resourceName))?.id));
    expect(new Set(ids).size).toBe(ids.length);

    // Teamleader edit → Google.
    const target = friends[0]!;
    const tlContact = (await linkedContact(target.resourceName))!;
    app.sandbox.teamleader.updateContact(account, tlContact.id, { last_name: 'UitTeamleader' });
    expect((await app.runSync(syncId)).status).toBe('succeeded');
    expect((app.sandbox.google.getContact(RAHUL, target.resourceName) as GPerson).names?.[0]?.familyName).toBe('UitTeamleader');
    // Google edit → Teamleader.
    app.sandbox.google.updateContact(RAHUL, target.resourceName, { names: [{ givenName: target.names![0]!.givenName, familyName: 'UitGoogle' }] });
    expect((await app.runSync(syncId)).status).toBe('succeeded');
    expect(app.sandbox.teamleader.getContact(account, tlContact.id)!.last_name).toBe('UitGoogle');
  });
});
