/**
 * Contacts II: Google Contacts → Pipedrive (one-way) and two-way sync on the real runtime: real app code,
 * the Pipedrive and Google emulators and a real Postgres. Every test names the rule it checks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, desc, eq } from 'drizzle-orm';
import { createTestApp, NORTHWIND, type TestApp } from '../support/harness';
import { getDb } from '@/db/client';
import { activity, contactLinks, contactSyncs, syncConnections, syncRuns, providerAccounts } from '@/db/schema';
import { resolvePendingDeletes, startSync, syncDashboard } from '@/lib/contacts/service';
import { prepareCrmFields } from '@/lib/contacts/crm-fields';
import { restoreDeletedContact } from '@/lib/contacts/restore';
import type { Tenant } from '@/lib/tenant';
import { DELETE_BRAKE_MIN_DELETES } from '@/lib/sync/contacts/constants';
import { LINK_WRITE_BATCH } from '@/lib/sync/contacts/link-writes';

const OLIVIA = 'olivia.northwind@gmail.com';
const CO = NORTHWIND.companyId;

type PdPerson = {
  id: number;
  first_name: string | null;
  last_name: string | null;
  owner_id: number;
  org_id: number | null;
  picture_id?: number | null;
  is_deleted?: boolean;
  emails: { value: string }[];
  phones: { value: string }[];
  job_title?: string | null;
  custom_fields?: Record<string, unknown>;
};
type GPerson = {
  resourceName: string;
  names?: { givenName?: string; familyName?: string }[];
  emailAddresses?: { value?: string }[];
  phoneNumbers?: { value?: string }[];
  memberships?: { contactGroupMembership?: { contactGroupResourceName?: string } }[];
};

type Env = { app: TestApp; tenant: Tenant; syncId: string; fieldMap: Record<string, string> };

async function setup(direction: 'provider_to_crm' | 'two_way', opts: { policy?: 'newest' | 'crm' | 'provider'; contactSyncFields?: boolean; start?: boolean } = {}): Promise<Env> {
  const app = await createTestApp();
  if (opts.contactSyncFields) app.sandbox.pipedrive.config(CO, { contactSyncFields: true });
  const tenant = await app.installPipedrive(NORTHWIND.admin);
  const accountId = await app.linkGoogle(tenant, OLIVIA);
  const fieldMap = await prepareCrmFields(tenant);
  const clients = app.sandbox.google.groups(OLIVIA).find((g) => g.name === 'Clients')!;
  const { syncId } = await startSync(tenant, { accountId, direction, groupId: clients.resourceName, groupName: 'Clients', conflictPolicy: opts.policy ?? 'newest' });
  if (opts.start !== false) expect((await app.runSync(syncId, 'start')).status).toBe('succeeded');
  return { app, tenant, syncId, fieldMap };
}

const persons = (env: Env) => (env.app.sandbox.pipedrive.persons(CO) as unknown as PdPerson[]).filter((p) => !p.is_deleted);
const alive = (env: Env, id: number | string) => {
  const p = env.app.sandbox.pipedrive.getPerson(CO, Number(id)) as unknown as PdPerson | null;
  return !!p && !p.is_deleted;
};
const personsWithEmail = (env: Env, email: string) => persons(env).filter((p) => p.emails.some((e) => e.value.toLowerCase() === email.toLowerCase()));
const groupRes = (env: Env, name: string) => env.app.sandbox.google.groups(OLIVIA).find((g) => g.name === name)!.resourceName;
const inGroup = (env: Env, name: string) =>
  (env.app.sandbox.google.contacts(OLIVIA) as unknown as GPerson[]).filter((p) => (p.memberships ?? []).some((m) => m.contactGroupMembership?.contactGroupResourceName === groupRes(env, name)));
const googleByEmail = (env: Env, email: string) => (env.app.sandbox.google.contacts(OLIVIA) as unknown as GPerson[]).find((p) => (p.emailAddresses ?? []).some((e) => e.value === email));
const newGoogleContact = (env: Env, given: string, family: string, email: string, extra: Record<string, unknown> = {}, group = 'Clients') =>
  env.app.sandbox.google.createContact(OLIVIA, {
    names: [{ givenName: given, familyName: family }],
    emailAddresses: [{ value: email, type: 'work' }],
    memberships: [{ contactGroupMembership: { contactGroupResourceName: groupRes(env, group) } }],
    ...extra,
  } as never) as unknown as GPerson;
async function linkFor(env: Env, where: { remoteId?: string; crmId?: string }) {
  const db = await getDb();
  const cond = where.remoteId ? eq(contactLinks.remoteId, where.remoteId) : eq(contactLinks.crmId, where.crmId!);
  const [l] = await db.select().from(contactLinks).where(and(eq(contactLinks.syncId, env.syncId), cond));
  return l;
}
async function syncRow(env: Env) {
  const db = await getDb();
  const [s] = await db.select().from(contactSyncs).innerJoin(syncConnections, eq(syncConnections.id, contactSyncs.id)).where(eq(contactSyncs.id, env.syncId));
  return { ...s!.contact_syncs, ...s!.sync_connections };
}
async function activityOf(env: Env, action: string) {
  const db = await getDb();
  return db.select().from(activity).where(and(eq(activity.connectionId, env.syncId), eq(activity.action, action as 'added')));
}

describe('Google → Pipedrive one-way (C3, C4, C8, C9, B3)', () => {
  let env: Env;
  let orgsBefore: number;
  beforeAll(async () => {
    env = await setup('provider_to_crm', { start: false });
    orgsBefore = env.app.sandbox.pipedrive.summary().companies.find((c) => c.id === CO)!.organizations;
    expect((await env.app.runSync(env.syncId, 'start')).status).toBe('succeeded');
  });
  afterAll(async () => env?.app.close());

  it('C3/C4: every contact of the chosen group is created in the CRM, owned by the user; Family/Friends stay out', async () => {
    const clients = inGroup(env, 'Clients');
    expect(clients.length).toBeGreaterThan(5);
    const db = await getDb();
    const links = await db.select().from(contactLinks).where(and(eq(contactLinks.syncId, env.syncId), eq(contactLinks.state, 'linked')));
    expect(links.length).toBe(clients.length);
    for (const l of links) {
      const p = persons(env).find((x) => String(x.id) === l.crmId)!;
      expect(p.owner_id).toBe(NORTHWIND.admin);
    }
    expect(personsWithEmail(env, 'mum@family.example')).toHaveLength(0);
    expect(personsWithEmail(env, 'luca.bianchi@friends.example')).toHaveLength(0);
    const dash = await syncDashboard(env.tenant, env.syncId);
    expect(dash.inSync).toBe(clients.length);
  });

  it('C8 organization: a provider company links to the CRM organization of that name, or creates it once', async () => {
    const ada = googleByEmail(env, 'ada@contoso.example')!;
    const link = await linkFor(env, { remoteId: ada.resourceName });
    const person = persons(env).find((p) => String(p.id) === link!.crmId)!;
    const contosoId = personsWithEmail(env, 'reception@contoso.example')[0]!.org_id; // demo person of "Contoso Ltd"
    expect(person.org_id).toBe(contosoId);
    // Only "Fietsen Vermeulen NV" was missing from the CRM: exactly one organization was added.
    const orgsAfter = env.app.sandbox.pipedrive.summary().companies.find((c) => c.id === CO)!.organizations;
    expect(orgsAfter).toBe(orgsBefore + 1);
  });

  it('C9: without Pipedrive contact-sync fields, Synclane custom fields are created and hold job title and notes', async () => {
    expect(Object.keys(env.fieldMap).sort()).toEqual(['birthday', 'im', 'jobTitle', 'notes', 'postalAddress']);
    const fields = env.app.sandbox.pipedrive.summary().companies.find((c) => c.id === CO)!.customPersonFields;
    expect(fields.some((f) => f.name === 'Job title (Synclane)')).toBe(true);
    const ada = persons(env).find((p) => p.emails.some((e) => e.value === 'ada@contoso.example') && p.custom_fields?.[env.fieldMap.jobTitle!])!;
    expect(ada.custom_fields![env.fieldMap.jobTitle!]).toBe('Head of Analytics');
  });

  it('C8 photo: one-way copies the provider photo into a CRM person without a picture', async () => {
    const ada = googleByEmail(env, 'ada@contoso.example')!;
    const link = await linkFor(env, { remoteId: ada.resourceName });
    expect(persons(env).find((p) => String(p.id) === link!.crmId)!.picture_id).toBeTruthy();
    const zoe = googleByEmail(env, 'zoe.akesson@akesson.example')!; // no photo in Google
    const zoeLink = await linkFor(env, { remoteId: zoe.resourceName });
    expect(persons(env).find((p) => String(p.id) === zoeLink!.crmId)!.picture_id ?? null).toBeNull();
  });

  it('C8 photo: a CRM person that already has a picture keeps it (no second upload on update)', async () => {
    const ada = googleByEmail(env, 'ada@contoso.example')!;
    const link = await linkFor(env, { remoteId: ada.resourceName });
    const pictureBefore = persons(env).find((p) => String(p.id) === link!.crmId)!.picture_id;
    env.app.sandbox.google.updateContact(OLIVIA, ada.resourceName, { names: [{ givenName: 'Ada', familyName: 'King-Lovelace' }] } as never);
    expect((await env.app.runSync(env.syncId)).status).toBe('succeeded');
    const after = persons(env).find((p) => String(p.id) === link!.crmId)!;
    expect(after.last_name).toBe('King-Lovelace');
    expect(after.picture_id).toBe(pictureBefore);
  });

  it('C4: a create in the group reaches the CRM; a create in Family does not', async () => {
    newGoogleContact(env, 'Nieuw', 'Contact', 'nieuw.contact@example.be');
    newGoogleContact(env, 'Tante', 'Rosa', 'tante.rosa@family.example', {}, 'Family');
    expect((await env.app.runSync(env.syncId)).status).toBe('succeeded');
    expect(personsWithEmail(env, 'nieuw.contact@example.be')).toHaveLength(1);
    expect(personsWithEmail(env, 'tante.rosa@family.example')).toHaveLength(0);
  });

  it('C4: an update in the provider reaches the CRM', async () => {
    const c = googleByEmail(env, 'nieuw.contact@example.be')!;
    env.app.sandbox.google.updateContact(OLIVIA, c.resourceName, { phoneNumbers: [{ value: '+32 470 11 22 33', type: 'mobile' }] } as never);
    expect((await env.app.runSync(env.syncId)).status).toBe('succeeded');
    const [p] = personsWithEmail(env, 'nieuw.contact@example.be');
    expect(p!.phones.map((x) => x.value)).toContain('+32 470 11 22 33');
  });

  it('C4: CRM edits are not exported in one-way provider → CRM', async () => {
    const [p] = personsWithEmail(env, 'nieuw.contact@example.be');
    env.app.sandbox.pipedrive.updatePerson(CO, p!.id, { last_name: 'CrmOnly' });
    env.app.sandbox.google.resetRequestCounts(OLIVIA);
    expect((await env.app.runSync(env.syncId)).status).toBe('succeeded');
    expect(googleByEmail(env, 'nieuw.contact@example.be')!.names![0]!.familyName).toBe('Contact');
    const counts = env.app.sandbox.google.requestCounts(OLIVIA);
    expect(Object.keys(counts).filter((k) => /create|update|delete/i.test(k))).toEqual([]);
  });

  it('C4/B3: a delete in the provider deletes the CRM person, logged and restorable', async () => {
    const c = googleByEmail(env, 'nieuw.contact@example.be')!;
    const [p] = personsWithEmail(env, 'nieuw.contact@example.be');
    env.app.sandbox.google.deleteContact(OLIVIA, c.resourceName);
    expect((await env.app.runSync(env.syncId)).status).toBe('succeeded');
    expect(alive(env, p!.id)).toBe(false);
    const link = await linkFor(env, { remoteId: c.resourceName });
    expect(link!.state).toBe('deleted');
    expect(link!.deletedSide).toBe('crm');
    expect((await activityOf(env, 'deleted')).some((a) => a.crmId === String(p!.id))).toBe(true);
    const dash = await syncDashboard(env.tenant, env.syncId);
    expect(dash.restorable.some((r) => r.id === link!.id)).toBe(true);
  });

  it('B3 restore: a sync-caused CRM delete is recreated from the snapshot and relinked; other users cannot restore it', async () => {
    const link = (await getDb().then((db) => db.select().from(contactLinks).where(and(eq(contactLinks.syncId, env.syncId), eq(contactLinks.state, 'deleted')))))[0]!;
    const other = await env.app.installPipedrive(NORTHWIND.regular);
    await expect(restoreDeletedContact(other, link.id)).rejects.toMatchObject({ code: 'not_found' });
    const r = await restoreDeletedContact(env.tenant, link.id);
    expect(r.side).toBe('crm');
    const restored = env.app.sandbox.pipedrive.getPerson(CO, Number(r.crmId)) as unknown as PdPerson;
    expect(restored.first_name).toBe('Nieuw');
    expect(restored.emails[0]!.value).toBe('nieuw.contact@example.be');
    const after = await linkFor(env, { crmId: r.crmId! });
    expect(after!.state).toBe('linked');
    expect((await activityOf(env, 'restored')).length).toBe(1);
    await expect(restoreDeletedContact(env.tenant, link.id)).rejects.toMatchObject({ code: 'validation' });
  });

  it('B3 restore: outside the 30-day window a delete can no longer be restored', async () => {
    const c = newGoogleContact(env, 'Old', 'Delete', 'old.delete@example.be');
    expect((await env.app.runSync(env.syncId)).status).toBe('succeeded');
    env.app.sandbox.google.deleteContact(OLIVIA, c.resourceName);
    expect((await env.app.runSync(env.syncId)).status).toBe('succeeded');
    const link = await linkFor(env, { remoteId: c.resourceName });
    const db = await getDb();
    await db.update(contactLinks).set({ deletedAt: new Date(Date.now() - 31 * 24 * 3600 * 1000) }).where(eq(contactLinks.id, link!.id));
    await expect(restoreDeletedContact(env.tenant, link!.id)).rejects.toMatchObject({ code: 'validation' });
  });

  it('B3: deleting more than 20% of the group pauses; nothing is deleted until the user confirms', async () => {
    const db = await getDb();
    const linked = await db.select().from(contactLinks).where(and(eq(contactLinks.syncId, env.syncId), eq(contactLinks.state, 'linked')));
    const victims = linked.filter((l) => l.remoteId).slice(0, Math.max(DELETE_BRAKE_MIN_DELETES, Math.floor(linked.length * 0.2) + 2));
    for (const v of victims) env.app.sandbox.google.deleteContact(OLIVIA, v.remoteId!);
    const r = await env.app.runSync(env.syncId);
    expect(r.status).toBe('paused');
    const s = await syncRow(env);
    expect(s.status).toBe('paused_deletes');
    expect(s.pendingDeletes?.flatMap((p) => p.ids).sort()).toEqual(victims.map((v) => v.id).sort());
    for (const v of victims) expect(alive(env, Number(v.crmId))).toBe(true);
    // The dashboard names the contacts that would go.
    const dash = await syncDashboard(env.tenant, env.syncId);
    expect(dash.sync.pendingDeletes).toBe(victims.length);
    expect(dash.sync.pendingDeleteItems.map((i) => i.id).sort()).toEqual(victims.map((v) => v.id).sort());
    expect(dash.sync.pendingDeleteItems.map((i) => i.label).sort()).toEqual(victims.map((v) => v.label).sort());
    // A refresh while paused does nothing.
    expect((await env.app.runSync(env.syncId, 'refresh')).status).toBe('skipped');
    for (const v of victims) expect(alive(env, Number(v.crmId))).toBe(true);
    // Confirm: the deletes are applied.
    await resolvePendingDeletes(env.tenant, env.syncId, true);
    expect((await env.app.runSync(env.syncId, 'confirm')).status).toBe('succeeded');
    for (const v of victims) expect(alive(env, Number(v.crmId))).toBe(false);
    const after = await syncRow(env);
    expect(after.status).toBe('active');
    expect(after.pendingDeletes).toBeNull();
  });

  it('B3: answering "keep" to a paused mass delete keeps every CRM person', async () => {
    const db = await getDb();
    const linked = await db.select().from(contactLinks).where(and(eq(contactLinks.syncId, env.syncId), eq(contactLinks.state, 'linked')));
    const victims = linked.filter((l) => l.remoteId).slice(0, Math.max(DELETE_BRAKE_MIN_DELETES, Math.floor(linked.length * 0.2) + 2));
    for (const v of victims) env.app.sandbox.google.deleteContact(OLIVIA, v.remoteId!);
    expect((await env.app.runSync(env.syncId)).status).toBe('paused');
    // "Keep everything" says what it did: the number of contacts unlinked.
    expect(await resolvePendingDeletes(env.tenant, env.syncId, false)).toEqual({ rerun: false, unlinked: victims.length });
    expect((await env.app.runSync(env.syncId, 'refresh')).status).toBe('succeeded');
    for (const v of victims) expect(alive(env, Number(v.crmId))).toBe(true);
    expect((await syncRow(env)).status).toBe('active');
  });
});

describe('Google ↔ Pipedrive two-way (C4, B5, C8)', () => {
  let env: Env;
  beforeAll(async () => {
    env = await setup('two_way', { policy: 'provider', contactSyncFields: true });
  });
  afterAll(async () => env?.app.close());

  const pair = async (email: string) => {
    const g = googleByEmail(env, email)!;
    const link = await linkFor(env, { remoteId: g.resourceName });
    return { g, link: link!, crmId: Number(link!.crmId) };
  };
  const crmPerson = (id: number) => env.app.sandbox.pipedrive.getPerson(CO, id) as unknown as PdPerson;
  const gContact = (res: string) => env.app.sandbox.google.getContact(OLIVIA, res) as unknown as GPerson;

  it('C9: Pipedrive\'s own contact-sync fields are reused when the company has them (no custom fields created)', async () => {
    expect(env.fieldMap).toEqual({});
    const { crmId } = await pair('ada@contoso.example');
    expect(crmPerson(crmId).job_title).toBe('Head of Analytics');
  });

  it('C8 photo: two-way never copies photos', async () => {
    const { crmId } = await pair('ada@contoso.example');
    expect(crmPerson(crmId).picture_id ?? null).toBeNull();
  });

  it('C4: two-way also exports the user\'s CRM persons into the group (CRM create reaches the provider)', async () => {
    const p = env.app.sandbox.pipedrive.createPerson(CO, { first_name: 'Crm', last_name: 'Born', emails: [{ value: 'crm.born@example.com', primary: true, label: 'work' }], owner_id: NORTHWIND.admin } as never);
    expect((await env.app.runSync(env.syncId)).status).toBe('succeeded');
    const g = googleByEmail(env, 'crm.born@example.com');
    expect(g).toBeTruthy();
    expect(inGroup(env, 'Clients').some((c) => c.resourceName === g!.resourceName)).toBe(true);
    expect(personsWithEmail(env, 'crm.born@example.com').map((x) => x.id)).toEqual([p.id]);
  });

  it('C4: an edit in the provider reaches the CRM', async () => {
    const { g, crmId } = await pair('zoe.akesson@akesson.example');
    env.app.sandbox.google.updateContact(OLIVIA, g.resourceName, { names: [{ givenName: 'Zoë', familyName: 'Åkesson-Berg' }] } as never);
    expect((await env.app.runSync(env.syncId)).status).toBe('succeeded');
    expect(crmPerson(crmId).last_name).toBe('Åkesson-Berg');
  });

  it('C4: an edit in the CRM reaches the provider', async () => {
    const { g, crmId } = await pair('jose.nunez@nunez.example');
    env.app.sandbox.pipedrive.updatePerson(CO, crmId, { last_name: 'Núñez García' });
    expect((await env.app.runSync(env.syncId)).status).toBe('succeeded');
    expect(gContact(g.resourceName).names![0]!.familyName).toBe('Núñez García');
    expect(personsWithEmail(env, 'jose.nunez@nunez.example').filter((p) => p.owner_id === NORTHWIND.admin).length).toBeGreaterThan(0);
  });

  it('B5: different fields edited on both sides are both kept, on both sides', async () => {
    const { g, crmId } = await pair('lukasz@zolc.example');
    env.app.sandbox.google.updateContact(OLIVIA, g.resourceName, { phoneNumbers: [{ value: '+48 601 999 999', type: 'mobile' }] } as never);
    env.app.sandbox.pipedrive.updatePerson(CO, crmId, { last_name: 'Żółć-Nowak' });
    expect((await env.app.runSync(env.syncId)).status).toBe('succeeded');
    const p = crmPerson(crmId);
    expect(p.last_name).toBe('Żółć-Nowak');
    expect(p.phones.map((x) => x.value)).toEqual(['+48 601 999 999']);
    const c = gContact(g.resourceName);
    expect(c.names![0]!.familyName).toBe('Żółć-Nowak');
    expect(c.phoneNumbers!.map((x) => x.value)).toContain('+48 601 999 999');
    const conflicts = (await activityOf(env, 'conflict')).filter((a) => a.crmId === String(crmId));
    expect(conflicts).toHaveLength(0);
  });

  it('B5: the same field edited on both sides is a conflict, recorded in activity and resolved by the policy (provider wins)', async () => {
    const { g, crmId } = await pair('soren@kierkegard.example');
    env.app.sandbox.pipedrive.updatePerson(CO, crmId, { last_name: 'FromCrm' });
    env.app.sandbox.google.updateContact(OLIVIA, g.resourceName, { names: [{ givenName: 'Søren', familyName: 'FromGoogle' }] } as never);
    expect((await env.app.runSync(env.syncId)).status).toBe('succeeded');
    expect(crmPerson(crmId).last_name).toBe('FromGoogle');
    expect(gContact(g.resourceName).names![0]!.familyName).toBe('FromGoogle');
    const conflicts = (await activityOf(env, 'conflict')).filter((a) => a.crmId === String(crmId));
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0]!.detail).toMatchObject({ field: 'lastName', crm: 'FromCrm', provider: 'FromGoogle', winner: 'provider' });
    const dash = await syncDashboard(env.tenant, env.syncId);
    expect(dash.recent.some((r) => r.action === 'conflict')).toBe(true);
  });

  it('C4: a delete in the provider deletes the CRM person', async () => {
    const { g, crmId } = await pair('marie.janssens@gmail.com');
    env.app.sandbox.google.deleteContact(OLIVIA, g.resourceName);
    expect((await env.app.runSync(env.syncId)).status).toBe('succeeded');
    expect(alive(env, crmId)).toBe(false);
  });

  it('C4: a delete in the CRM deletes the provider contact; B3 restore brings it back in the provider', async () => {
    const { g, crmId, link } = await pair('tom.peeters@fietsenvermeulen.be');
    env.app.sandbox.pipedrive.deletePerson(CO, crmId);
    expect((await env.app.runSync(env.syncId)).status).toBe('succeeded');
    expect(env.app.sandbox.google.getContact(OLIVIA, g.resourceName)).toBeNull();
    const deleted = await linkFor(env, { crmId: String(crmId) });
    expect(deleted!.state).toBe('deleted');
    expect(deleted!.deletedSide).toBe('provider');
    const r = await restoreDeletedContact(env.tenant, link.id);
    expect(r.side).toBe('provider');
    expect(googleByEmail(env, 'tom.peeters@fietsenvermeulen.be')).toBeTruthy();
    expect(inGroup(env, 'Clients').some((c) => c.resourceName === r.remoteId)).toBe(true);
    // The next runs keep it (no delete loop) and create no duplicate.
    expect((await env.app.runSync(env.syncId)).status).toBe('succeeded');
    expect((await env.app.runSync(env.syncId)).status).toBe('succeeded');
    expect((env.app.sandbox.google.contacts(OLIVIA) as unknown as GPerson[]).filter((c) => (c.emailAddresses ?? []).some((e) => e.value === 'tom.peeters@fietsenvermeulen.be'))).toHaveLength(1);
  });

  it('stable: a run without changes writes nothing on either side', async () => {
    expect((await env.app.runSync(env.syncId)).status).toBe('succeeded');
    env.app.sandbox.google.resetRequestCounts(OLIVIA);
    env.app.sandbox.pipedrive.resetRequestCounts();
    expect((await env.app.runSync(env.syncId)).status).toBe('succeeded');
    const g = env.app.sandbox.google.requestCounts(OLIVIA);
    expect(Object.keys(g).filter((k) => /create|update|delete/i.test(k))).toEqual([]);
    const pd = env.app.sandbox.pipedrive.requestCounts();
    expect(Object.keys(pd).filter((k) => /^(POST|PATCH|DELETE)/.test(k))).toEqual([]);
  });
});

describe('Setup and faults (C2, R1, R2, idempotent creates, expired cursors)', () => {
  it('C2: a Pipedrive user without "add people" is stopped at setup with a message naming the permission', async () => {
    const app = await createTestApp();
    try {
      const tenant = await app.installPipedrive(NORTHWIND.noAdd);
      await expect(prepareCrmFields(tenant)).rejects.toMatchObject({ code: 'insufficient_permission', message: expect.stringContaining('Add people') });
    } finally {
      await app.close();
    }
  });

  describe('one-way faults', () => {
    let env: Env;
    beforeAll(async () => {
      env = await setup('provider_to_crm');
    });
    afterAll(async () => env?.app.close());

    it('idempotent CRM creates: Pipedrive stored the person but the answer was lost — the retry adopts it, no duplicate', async () => {
      newGoogleContact(env, 'Crash', 'Twin', 'crash.twin@example.com');
      env.app.sandbox.pipedrive.faults.add({ method: 'POST', path: 'api/v2/persons$', status: 500, phase: 'after', times: 1, body: { success: false, error: 'Internal error' } });
      const crashed = await env.app.runSync(env.syncId);
      expect(crashed.status).toBe('failed');
      expect(personsWithEmail(env, 'crash.twin@example.com')).toHaveLength(1); // Pipedrive has it
      const retried = await env.app.runSync(env.syncId);
      expect(retried.status).toBe('succeeded');
      const twins = personsWithEmail(env, 'crash.twin@example.com');
      expect(twins).toHaveLength(1); // still one
      const link = await linkFor(env, { crmId: String(twins[0]!.id) });
      expect(link!.state).toBe('linked');
      expect(link!.pendingSince).toBeNull();
      // And the next run leaves it alone.
      expect((await env.app.runSync(env.syncId)).status).toBe('succeeded');
      expect(personsWithEmail(env, 'crash.twin@example.com')).toHaveLength(1);
    });

    it('idempotent CRM creates: a contact without e-mail is found again by its name', async () => {
      env.app.sandbox.google.createContact(OLIVIA, {
        names: [{ givenName: 'Phone', familyName: 'Only' }],
        phoneNumbers: [{ value: '+32 470 55 66 77', type: 'mobile' }],
        memberships: [{ contactGroupMembership: { contactGroupResourceName: groupRes(env, 'Clients') } }],
      } as never);
      env.app.sandbox.pipedrive.faults.add({ method: 'POST', path: 'api/v2/persons$', status: 502, phase: 'after', times: 1, body: 'Bad gateway' });
      expect((await env.app.runSync(env.syncId)).status).toBe('failed');
      expect((await env.app.runSync(env.syncId)).status).toBe('succeeded');
      expect(persons(env).filter((p) => p.first_name === 'Phone' && p.last_name === 'Only')).toHaveLength(1);
    });

    it('idempotent CRM creates with batched link writes: a lost answer in the middle of a page of concurrent creates — the records done keep their links, none is duplicated', async () => {
      const before = persons(env).length;
      const emails = Array.from({ length: 2 * LINK_WRITE_BATCH + 30 }, (_, i) => `batch.member${i}@example.com`);
      emails.forEach((email, i) => newGoogleContact(env, 'Batch', `Member${i}`, email));
      // The 61st create of the page is stored by Pipedrive but its answer is lost.
      env.app.sandbox.pipedrive.faults.add({ method: 'POST', path: 'api/v2/persons$', status: 500, phase: 'after', skip: 60, times: 1, body: { success: false, error: 'Internal error' } });
      expect((await env.app.runSync(env.syncId)).status).toBe('failed');
      const db = await getDb();
      const afterCrash = await db.select().from(contactLinks).where(eq(contactLinks.syncId, env.syncId));
      const batchLinks = afterCrash.filter((l) => l.label?.startsWith('Batch '));
      // Records whose create came back are linked (their buffered link writes were flushed); only the record
      // whose answer was lost is pending; records that never started left no pending link behind.
      expect(batchLinks.filter((l) => l.pendingSince !== null)).toHaveLength(1);
      expect(batchLinks.filter((l) => l.crmId !== null && l.pendingSince === null).length).toBeGreaterThanOrEqual(60);
      expect(persons(env).length - before).toBe(batchLinks.length);

      expect((await env.app.runSync(env.syncId)).status).toBe('succeeded');
      for (const email of emails) expect(personsWithEmail(env, email)).toHaveLength(1);
      expect(persons(env).length - before).toBe(emails.length);
      const links = (await db.select().from(contactLinks).where(eq(contactLinks.syncId, env.syncId))).filter((l) => l.label?.startsWith('Batch '));
      expect(links).toHaveLength(emails.length);
      expect(links.every((l) => l.state === 'linked' && l.crmId !== null && l.pendingSince === null && l.snapshotHash !== null)).toBe(true);
    });

    it('R1: a 429 from Google fails the run with a retry-after; the next run succeeds', async () => {
      newGoogleContact(env, 'Rate', 'Limited', 'rate.limited@example.com');
      // More 429s than the SDK's own retries of an idempotent GET: the runtime waits Retry-After (1 s) and
      // runs the step again — the run does not fail and spends no retry attempt.
      env.app.sandbox.google.faults.add({ method: 'GET', path: 'connections', status: 429, times: 4, headers: { 'retry-after': '1' }, body: { error: { code: 429, message: 'Quota exceeded', status: 'RESOURCE_EXHAUSTED' } } });
      const t0 = Date.now();
      const r = await env.app.runSync(env.syncId);
      expect(r.status).toBe('succeeded');
      expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
      const [run] = await (await getDb()).select().from(syncRuns).where(eq(syncRuns.connectionId, env.syncId)).orderBy(desc(syncRuns.queuedAt)).limit(1);
      expect(run!.attempt).toBe(1);
      expect(personsWithEmail(env, 'rate.limited@example.com')).toHaveLength(1);
    });

    it('R1: a 429 from Pipedrive is waited out inside the run; the create is not duplicated', async () => {
      newGoogleContact(env, 'Pd', 'Throttled', 'pd.throttled@example.com');
      // Pipedrive documents x-ratelimit-* (no Retry-After): the wait comes from x-ratelimit-reset.
      env.app.sandbox.pipedrive.faults.add({ method: 'POST', path: 'api/v2/persons$', status: 429, times: 1, headers: { 'x-ratelimit-limit': '160', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1' }, body: { success: false, error: 'Request over limit' } });
      expect((await env.app.runSync(env.syncId)).status).toBe('succeeded');
      expect((await env.app.runSync(env.syncId)).status).toBe('succeeded');
      expect(personsWithEmail(env, 'pd.throttled@example.com')).toHaveLength(1);
    });

    it('cursor expiry: an expired Google sync token (400 EXPIRED_SYNC_TOKEN) runs a full resync — no duplicates, nothing deleted', async () => {
      const before = persons(env).length;
      const linkedBefore = (await syncDashboard(env.tenant, env.syncId)).inSync;
      env.app.sandbox.google.config({ syncTokenLifetimeSeconds: 1 });
      env.app.sandbox.advanceClock(5_000);
      const c = googleByEmail(env, 'chloe.martin@tailspin.example')!;
      env.app.sandbox.google.updateContact(OLIVIA, c.resourceName, { names: [{ givenName: 'Chloé', familyName: 'Martin-Expired' }] } as never);
      const r = await env.app.runSync(env.syncId);
      expect(r.status).toBe('succeeded');
      expect(persons(env).length).toBe(before);
      expect((await syncDashboard(env.tenant, env.syncId)).inSync).toBe(linkedBefore);
      const link = await linkFor(env, { remoteId: c.resourceName });
      expect((env.app.sandbox.pipedrive.getPerson(CO, Number(link!.crmId)) as unknown as PdPerson).last_name).toBe('Martin-Expired');
      env.app.sandbox.google.config({ syncTokenLifetimeSeconds: 7 * 24 * 3600 });
    });

    it('R2: a revoked Google grant puts the sync in needs-reconnect and deletes nothing', async () => {
      const before = persons(env).length;
      env.app.sandbox.google.revokeAll(OLIVIA);
      const db = await getDb();
      await db.update(providerAccounts).set({ accessTokenExpiresAt: new Date(0) }).where(eq(providerAccounts.crmUserId, env.tenant.crmUserId));
      const r = await env.app.runSync(env.syncId);
      expect(r.status).toBe('failed');
      const s = await syncRow(env);
      expect(s.status).toBe('needs_reconnect');
      expect(s.lastErrorCode).toBe('auth_revoked');
      expect(persons(env).length).toBe(before);
      const db2 = await getDb();
      const deleted = await db2.select().from(contactLinks).where(and(eq(contactLinks.syncId, env.syncId), eq(contactLinks.state, 'deleted')));
      expect(deleted).toHaveLength(0);
    });
  });
});
