/** Contacts II setup choices offered by the CRM (C7). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, NORTHWIND, BRUGGE, type TestApp } from '../support/harness';
import { visibilityOptions } from '@/lib/contacts/service';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => app?.close());

describe('C7 visibility of persons created in the CRM', () => {
  it('C7: a 2-level plan offers owner & followers and entire company', async () => {
    const tenant = await app.installPipedrive(NORTHWIND.admin);
    app.sandbox.pipedrive.config(NORTHWIND.companyId, { plan: 'growth' });
    const { options } = await visibilityOptions(tenant);
    expect(options.map((o) => o.value)).toEqual([1, 3]);
    expect(options.map((o) => o.label)).toEqual(['Owner & followers', 'Entire company']);
  });

  it('C7: Professional and up offer owner, group, group and sub-groups, entire company', async () => {
    const tenant = await app.installPipedrive(NORTHWIND.admin);
    app.sandbox.pipedrive.config(NORTHWIND.companyId, { plan: 'premium' });
    const { options } = await visibilityOptions(tenant);
    expect(options.map((o) => o.value)).toEqual([1, 3, 5, 7]);
    expect(options[0]!.label).toBe('Owner only');
  });

  it('C7: Teamleader has no per-record visibility, so nothing is offered', async () => {
    const tenant = await app.installTeamleader(BRUGGE.admin);
    expect((await visibilityOptions(tenant)).options).toEqual([]);
  });
});

describe('Tenant scoping', () => {
  it('M3/security: one CRM user cannot read, refresh or answer prompts of another user’s sync, even in the same company', async () => {
    const { startSync, syncDashboard, resolvePendingDeletes, ownedSync, listGroups } = await import('@/lib/contacts/service');
    const owner = await app.installPipedrive(NORTHWIND.admin);
    const other = await app.installPipedrive(NORTHWIND.regular);
    const accountId = await app.linkGoogle(owner, 'olivia.northwind@gmail.com');
    const { syncId } = await startSync(owner, { accountId, direction: 'crm_to_provider' });
    await expect(syncDashboard(other, syncId)).rejects.toMatchObject({ code: 'not_found' });
    await expect(ownedSync(other, syncId)).rejects.toMatchObject({ code: 'not_found' });
    await expect(resolvePendingDeletes(other, syncId, true)).rejects.toMatchObject({ code: 'not_found' });
    await expect(listGroups(other, accountId)).rejects.toMatchObject({ code: 'not_found' });
    await expect(startSync(other, { accountId, direction: 'crm_to_provider' })).rejects.toMatchObject({ code: 'not_found' });
    expect((await syncDashboard(owner, syncId)).sync.id).toBe(syncId);
    // Stopped, so later cases may start another direction on this account (one live sync per account).
    const { stopSync } = await import('@/lib/contacts/service');
    await stopSync(owner, syncId);
  });
});

describe('C6/B6 duplicates on the first link', () => {
  // Each case uses its own CRM user and Google account, so they never share a sync.
  async function setUp(matchByEmail: boolean, user: number, GMAIL: string) {
    const { startSync } = await import('@/lib/contacts/service');
    const { prepareCrmFields } = await import('@/lib/contacts/crm-fields');
    const tenant = await app.installPipedrive(user);
    const accountId = await app.linkGoogle(tenant, GMAIL);
    const group = app.sandbox.google.groups(GMAIL).find((g) => g.name === 'Clients')!;
    const member = (app.sandbox.google.contacts(GMAIL) as unknown as { resourceName: string; emailAddresses?: { value: string }[]; names?: { givenName?: string; familyName?: string }[]; memberships?: { contactGroupMembership?: { contactGroupResourceName?: string } }[] }[])
      .find((p) => (p.memberships ?? []).some((m) => m.contactGroupMembership?.contactGroupResourceName === group.resourceName) && p.emailAddresses?.length)!;
    const email = member.emailAddresses![0]!.value;
    // The user already has this person in Pipedrive (from the demo data, or created here), with a phone Google lacks.
    const mineAlready = app.sandbox.pipedrive.persons(NORTHWIND.companyId).find((p) => !p.is_deleted && p.owner_id === user && p.emails.some((e) => e.value === email));
    const existing = mineAlready
      ? app.sandbox.pipedrive.updatePerson(NORTHWIND.companyId, mineAlready.id, { phones: [...mineAlready.phones, { value: '+32 9 000 00 00', primary: false, label: 'work' }] }, user)
      : app.sandbox.pipedrive.createPerson(NORTHWIND.companyId, { first_name: member.names?.[0]?.givenName ?? 'X', last_name: member.names?.[0]?.familyName ?? 'Y', emails: [{ value: email, primary: true, label: 'work' }], phones: [{ value: '+32 9 000 00 00', primary: true, label: 'work' }], owner_id: user }, user);
    const { syncId } = await startSync(tenant, { accountId, direction: 'two_way', groupId: group.resourceName, groupName: 'Clients', matchByEmail });
    expect((await app.runSync(syncId, 'start')).status).toBe('succeeded');
    const withEmail = app.sandbox.pipedrive.persons(NORTHWIND.companyId).filter((p) => !p.is_deleted && p.owner_id === user && p.emails.some((e) => e.value === email));
    return { existing, withEmail, member, GMAIL };
  }

  it('C6: by default the first sync creates its own person even when one with the same e-mail exists', async () => {
    const { withEmail } = await setUp(false, NORTHWIND.regular, 'rahul.northwind@gmail.com');
    expect(withEmail.length).toBe(2);
  });

  it('B6: with match-by-e-mail the existing person is linked and merged — no duplicate, both sides keep their data', async () => {
    const { existing, withEmail, member, GMAIL } = await setUp(true, NORTHWIND.admin, 'olivia.northwind@gmail.com');
    expect(withEmail.map((p) => p.id)).toEqual([existing.id]);
    // The CRM-only phone went to Google (two-way), and the person kept it.
    const google = app.sandbox.google.getContact(GMAIL, member.resourceName) as { phoneNumbers?: { value: string }[] };
    expect(google.phoneNumbers?.some((n) => n.value === '+32 9 000 00 00')).toBe(true);
    expect(app.sandbox.pipedrive.getPerson(NORTHWIND.companyId, existing.id)!.phones.some((ph) => ph.value === '+32 9 000 00 00')).toBe(true);
  });
});

describe('C2 permissions checked before setup', () => {
  it('C2: a user who may add people but not organizations is stopped with a message naming “Add organizations”', async () => {
    const { checkCrmPermissions } = await import('@/lib/contacts/crm-fields');
    const rahul = app.sandbox.pipedrive.users(NORTHWIND.companyId).find((u) => u.id === NORTHWIND.regular)!;
    const tenant = await app.installPipedrive(NORTHWIND.regular);
    const personsBefore = app.sandbox.pipedrive.persons(NORTHWIND.companyId).length;
    await expect(checkCrmPermissions(tenant)).resolves.toBeUndefined();
    expect(app.sandbox.pipedrive.persons(NORTHWIND.companyId).length).toBe(personsBefore); // the probes create nothing
    rahul.canAddOrganizations = false; // an admin takes the permission away
    try {
      await expect(checkCrmPermissions(tenant)).rejects.toMatchObject({ code: 'insufficient_permission', message: expect.stringContaining('“Add organizations”') });
    } finally {
      rahul.canAddOrganizations = true;
    }
  });
});

describe('C2 permissions checked when the settings open', () => {
  it('C2: both "add people" and "add organizations" are checked at once, before linking, and the CRM is left unchanged', async () => {
    const { missingCrmPermissions } = await import('@/lib/contacts/crm-fields');
    const tenant = await app.installPipedrive(NORTHWIND.noAdd);
    const state = app.sandbox.pipedrive.getState();
    const personsBefore = state.persons.length;
    const orgsBefore = state.organizations.length;
    expect(await missingCrmPermissions(tenant)).toEqual(['add_people', 'add_organizations']);
    expect(app.sandbox.pipedrive.getState().persons.length).toBe(personsBefore);
    expect(app.sandbox.pipedrive.getState().organizations.length).toBe(orgsBefore);
    const admin = await app.installPipedrive(NORTHWIND.admin);
    expect(await missingCrmPermissions(admin)).toEqual([]);
  });

  it('C2/B8: each missing permission is explained in all five languages, naming the CRM', async () => {
    const { LOCALES, formatMessage } = await import('@/lib/i18n');
    const { CATALOGUES } = await import('@/lib/i18n/catalogues');
    const { CRM_PERMISSIONS } = await import('@/lib/contacts/crm-fields');
    for (const locale of LOCALES)
      for (const permission of CRM_PERMISSIONS) {
        const text = formatMessage(CATALOGUES[locale].contacts.setup.permissionMissing[permission], { crm: 'Pipedrive' });
        expect(text, `${locale}/${permission}`).toContain('Pipedrive');
        expect(text).not.toContain('{');
      }
  });
});

describe('Overlapping syncs on one provider account', () => {
  it('overlap: a second sync writing the same people into the same Google account is refused before anything is written', async () => {
    const { startSync, stopSync } = await import('@/lib/contacts/service');
    const tenant = await app.installPipedrive(NORTHWIND.regular);
    const GMAIL = 'overlap.test@gmail.com';
    const accountId = await app.linkGoogle(tenant, GMAIL);
    const { syncId } = await startSync(tenant, { accountId, direction: 'crm_to_provider' });
    const group = app.sandbox.google.groups(GMAIL).find((g) => g.name === 'Clients') ?? app.sandbox.google.groups(GMAIL)[0]!;
    const groupsBefore = app.sandbox.google.groups(GMAIL).length;
    await expect(startSync(tenant, { accountId, direction: 'two_way', groupId: group.resourceName, groupName: group.name })).rejects.toMatchObject({
      code: 'validation',
      message: expect.stringContaining('same people'),
    });
    expect(app.sandbox.google.groups(GMAIL).length).toBe(groupsBefore);
    // Starting the same direction again is the same sync; after stopping it, another direction is allowed.
    expect((await startSync(tenant, { accountId, direction: 'crm_to_provider' })).syncId).toBe(syncId);
    await stopSync(tenant, syncId);
    await expect(startSync(tenant, { accountId, direction: 'two_way', groupId: group.resourceName, groupName: group.name })).resolves.toMatchObject({ provider: 'google' });
  });
});

describe('B6 match scope', () => {
  async function importWithScope(scope: 'own' | 'visible', gmail: string) {
    const { startSync } = await import('@/lib/contacts/service');
    const tenant = await app.installPipedrive(NORTHWIND.regular);
    const accountId = await app.linkGoogle(tenant, gmail);
    const group = app.sandbox.google.createGroup(gmail, `Scope ${scope}`);
    // A person Rahul can see but Olivia owns.
    const email = `shared.${scope}@contoso.example`;
    const theirs = app.sandbox.pipedrive.createPerson(NORTHWIND.companyId, { first_name: 'Shared', last_name: scope, emails: [{ value: email, primary: true, label: 'work' }], owner_id: NORTHWIND.admin, visible_to: 3 } as never, NORTHWIND.admin);
    app.sandbox.google.createContact(gmail, { names: [{ givenName: 'Shared', familyName: scope }], emailAddresses: [{ value: email, type: 'work' }], memberships: [{ contactGroupMembership: { contactGroupResourceName: group.resourceName } }] } as never);
    const { syncId } = await startSync(tenant, { accountId, direction: 'provider_to_crm', groupId: group.resourceName, groupName: group.name, matchByEmail: true, matchScope: scope });
    expect((await app.runSync(syncId, 'start')).status).toBe('succeeded');
    const withEmail = app.sandbox.pipedrive.persons(NORTHWIND.companyId).filter((p) => !p.is_deleted && p.emails.some((e) => e.value === email));
    return { theirs, withEmail };
  }

  it('B6: scope "visible" links to a person the user can see but does not own — no duplicate, owner unchanged', async () => {
    const { theirs, withEmail } = await importWithScope('visible', 'scope.visible@gmail.com');
    expect(withEmail.map((p) => p.id)).toEqual([theirs.id]);
    expect(withEmail[0]!.owner_id).toBe(NORTHWIND.admin);
  });

  it('B6: scope "own" (default) leaves other users’ persons alone and creates the user’s own', async () => {
    const { theirs, withEmail } = await importWithScope('own', 'scope.own@gmail.com');
    expect(withEmail.length).toBe(2);
    expect(withEmail.find((p) => p.id !== theirs.id)!.owner_id).toBe(NORTHWIND.regular);
  });

  it('B6/C5: the visible scope is refused for two-way (exports keep to owned persons)', async () => {
    const { startSync } = await import('@/lib/contacts/service');
    const tenant = await app.installPipedrive(NORTHWIND.regular);
    const accountId = await app.linkGoogle(tenant, 'scope.twoway@gmail.com');
    const group = app.sandbox.google.createGroup('scope.twoway@gmail.com', 'Two');
    await expect(startSync(tenant, { accountId, direction: 'two_way', groupId: group.resourceName, groupName: 'Two', matchByEmail: true, matchScope: 'visible' })).rejects.toMatchObject({ code: 'validation' });
  });
});

describe('B2 preview for provider → CRM and two-way', () => {
  it('B2: the import preview counts the group’s contacts to add and to skip (with samples) and writes nothing', async () => {
    const { previewImport } = await import('@/lib/contacts/service');
    const tenant = await app.installPipedrive(NORTHWIND.regular);
    const GMAIL = 'preview.import@gmail.com';
    const accountId = await app.linkGoogle(tenant, GMAIL);
    const group = app.sandbox.google.createGroup(GMAIL, 'Preview');
    const member = { memberships: [{ contactGroupMembership: { contactGroupResourceName: group.resourceName } }] };
    app.sandbox.google.createContact(GMAIL, { names: [{ givenName: 'Ann', familyName: 'Preview' }], emailAddresses: [{ value: 'ann.preview@example.com' }], ...member } as never);
    app.sandbox.google.createContact(GMAIL, { names: [{ givenName: 'Bob', familyName: 'Preview' }], ...member } as never);
    app.sandbox.google.createContact(GMAIL, { emailAddresses: [{ value: 'nameless@example.com' }], ...member } as never);
    app.sandbox.google.createContact(GMAIL, { names: [{ givenName: 'Not', familyName: 'InGroup' }] } as never);
    const personsBefore = app.sandbox.pipedrive.persons(NORTHWIND.companyId).length;

    const oneWay = await previewImport(tenant, { accountId, groupId: group.resourceName, direction: 'provider_to_crm' });
    expect(oneWay.provider).toMatchObject({ total: 3, toCreate: 2 });
    expect(oneWay.provider.samples.map((s) => s.name).sort()).toEqual(['Ann Preview', 'Bob Preview']);
    expect(oneWay.provider.skipped).toEqual([{ reason: 'contacts.no_name', count: 1, samples: [expect.objectContaining({ name: 'nameless@example.com' })] }]);
    expect(oneWay.crm).toBeNull();

    const twoWay = await previewImport(tenant, { accountId, groupId: group.resourceName, direction: 'two_way' });
    expect(twoWay.crm!.total).toBeGreaterThan(0);
    expect(twoWay.crm!.toExport).toBeLessThanOrEqual(twoWay.crm!.total);
    expect(app.sandbox.pipedrive.persons(NORTHWIND.companyId).length).toBe(personsBefore);
  });
});
