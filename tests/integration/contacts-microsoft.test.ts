/**
 * Contacts II with Microsoft Outlook (Graph contact folders): one-way Outlook → Pipedrive and two-way, on
 * the real runtime (Pipedrive + Microsoft emulators, real Postgres). Every test names the rule it checks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { createTestApp, NORTHWIND, type TestApp } from '../support/harness';
import { getDb } from '@/db/client';
import { activity, contactLinks, contactSyncs, syncConnections, providerAccounts } from '@/db/schema';
import { resolvePendingDeletes, startSync } from '@/lib/contacts/service';
import { prepareCrmFields } from '@/lib/contacts/crm-fields';
import type { Tenant } from '@/lib/tenant';
import { DELETE_BRAKE_MIN_DELETES } from '@/lib/sync/contacts/constants';
import { GRAPH_DELTA_PAGE_SIZE } from '@/lib/providers/microsoft/client';

const OLIVIA = 'olivia.northwind@outlook.com';
const CO = NORTHWIND.companyId;

type PdPerson = { id: number; first_name: string | null; last_name: string | null; owner_id: number; is_deleted?: boolean; emails: { value: string }[]; phones: { value: string }[]; job_title?: string | null; notes?: string | null };
type Env = { app: TestApp; tenant: Tenant; syncId: string };

async function setup(direction: 'provider_to_crm' | 'two_way', policy: 'newest' | 'crm' | 'provider' = 'newest'): Promise<Env> {
  const app = await createTestApp();
  app.sandbox.pipedrive.config(CO, { contactSyncFields: true });
  const tenant = await app.installPipedrive(NORTHWIND.admin);
  const accountId = await app.linkMicrosoft(tenant, OLIVIA);
  const fieldMap = await prepareCrmFields(tenant);
  const clients = app.sandbox.microsoft.folders(OLIVIA).find((f) => f.displayName === 'Clients')!;
  const { syncId } = await startSync(tenant, { accountId, direction, groupId: clients.id, groupName: 'Clients', conflictPolicy: policy });
  expect((await app.runSync(syncId, 'start')).status).toBe('succeeded');
  return { app, tenant, syncId };
}

const folderId = (env: Env, name: string) => env.app.sandbox.microsoft.folders(OLIVIA).find((f) => f.displayName === name)!.id;
const folderContacts = (env: Env, name: string) => env.app.sandbox.microsoft.contacts(OLIVIA, folderId(env, name));
const outlookByEmail = (env: Env, email: string) =>
  env.app.sandbox.microsoft.folders(OLIVIA).flatMap((f) => env.app.sandbox.microsoft.contacts(OLIVIA, f.id)).find((c) => c.fields.emailAddresses.some((e) => e.address === email));
const persons = (env: Env) => (env.app.sandbox.pipedrive.persons(CO) as unknown as PdPerson[]).filter((p) => !p.is_deleted);
const personsWithEmail = (env: Env, email: string) => persons(env).filter((p) => p.emails.some((e) => e.value.toLowerCase() === email.toLowerCase()));
const alive = (env: Env, id: number | string) => {
  const p = env.app.sandbox.pipedrive.getPerson(CO, Number(id)) as unknown as PdPerson | null;
  return !!p && !p.is_deleted;
};
async function linkByRemote(env: Env, remoteId: string) {
  const db = await getDb();
  const [l] = await db.select().from(contactLinks).where(and(eq(contactLinks.syncId, env.syncId), eq(contactLinks.remoteId, remoteId)));
  return l;
}
async function syncRow(env: Env) {
  const db = await getDb();
  const [s] = await db.select().from(contactSyncs).innerJoin(syncConnections, eq(syncConnections.id, contactSyncs.id)).where(eq(contactSyncs.id, env.syncId));
  return { ...s!.contact_syncs, ...s!.sync_connections };
}

describe('Outlook → Pipedrive one-way (C3, C4, C10, B3)', () => {
  let env: Env;
  beforeAll(async () => {
    env = await setup('provider_to_crm');
  });
  afterAll(async () => env?.app.close());

  it('C3/C4: the chosen folder reaches the CRM; the default Contacts folder and Family stay out', async () => {
    const clients = folderContacts(env, 'Clients');
    expect(clients.length).toBe(4);
    for (const c of clients) expect(personsWithEmail(env, c.fields.emailAddresses[0]!.address!).filter((p) => p.owner_id === NORTHWIND.admin).length).toBeGreaterThan(0);
    expect(personsWithEmail(env, 'emma.northwind@outlook.com')).toHaveLength(0);
    expect(personsWithEmail(env, 'nancy.davolio@northwindtraders.com')).toHaveLength(0);
  });

  it('C10: Outlook personal notes reach the Pipedrive notes field', async () => {
    const [anne] = personsWithEmail(env, 'anne.dodsworth@woodgrovebank.com');
    expect(anne!.notes).toBe('Quarterly review in March.');
    expect(anne!.job_title).toBe('CFO');
  });

  it('C4: create, update and delete in the folder reach the CRM; CRM edits are not exported', async () => {
    const created = env.app.sandbox.microsoft.createContact(OLIVIA, folderId(env, 'Clients'), { givenName: 'Kim', surname: 'Akers', emailAddresses: [{ name: 'Kim Akers', address: 'kim.akers@contoso.com' }] });
    env.app.sandbox.microsoft.createContact(OLIVIA, folderId(env, 'Family'), { givenName: 'Oma', surname: 'Northwind', emailAddresses: [{ address: 'oma@family.example' }] });
    expect((await env.app.runSync(env.syncId)).status).toBe('succeeded');
    expect(personsWithEmail(env, 'kim.akers@contoso.com')).toHaveLength(1);
    expect(personsWithEmail(env, 'oma@family.example')).toHaveLength(0);

    env.app.sandbox.microsoft.updateContact(OLIVIA, created.immutableId, { jobTitle: 'Purchasing lead' });
    expect((await env.app.runSync(env.syncId)).status).toBe('succeeded');
    const [kim] = personsWithEmail(env, 'kim.akers@contoso.com');
    expect(kim!.job_title).toBe('Purchasing lead');

    env.app.sandbox.pipedrive.updatePerson(CO, kim!.id, { last_name: 'CrmOnly' });
    expect((await env.app.runSync(env.syncId)).status).toBe('succeeded');
    expect(env.app.sandbox.microsoft.getContact(OLIVIA, created.immutableId)!.fields.surname).toBe('Akers');

    env.app.sandbox.microsoft.deleteContact(OLIVIA, created.immutableId);
    expect((await env.app.runSync(env.syncId)).status).toBe('succeeded');
    expect(alive(env, kim!.id)).toBe(false);
    const link = await linkByRemote(env, created.immutableId);
    expect(link!.state).toBe('deleted');
  });

  it('cursor expiry: an invalidated delta link (410) runs a full resync — no duplicates, nothing deleted', async () => {
    const before = persons(env).length;
    env.app.sandbox.microsoft.invalidateDeltaTokens(OLIVIA);
    const robert = outlookByEmail(env, 'robert.king@litware.com')!;
    env.app.sandbox.microsoft.updateContact(OLIVIA, robert.immutableId, { surname: 'King-Delta' });
    const r = await env.app.runSync(env.syncId);
    expect(r.status).toBe('succeeded');
    expect(persons(env).length).toBe(before);
    const link = await linkByRemote(env, robert.immutableId);
    expect(link!.state).toBe('linked');
    expect((env.app.sandbox.pipedrive.getPerson(CO, Number(link!.crmId)) as unknown as PdPerson).last_name).toBe('King-Delta');
  });

  it('idempotent CRM creates: a lost Pipedrive answer does not duplicate the person on retry', async () => {
    env.app.sandbox.microsoft.createContact(OLIVIA, folderId(env, 'Clients'), { givenName: 'Lost', surname: 'Answer', emailAddresses: [{ address: 'lost.answer@contoso.com' }] });
    env.app.sandbox.pipedrive.faults.add({ method: 'POST', path: 'api/v2/persons$', status: 500, phase: 'after', times: 1, body: { success: false, error: 'Internal error' } });
    expect((await env.app.runSync(env.syncId)).status).toBe('failed');
    expect(personsWithEmail(env, 'lost.answer@contoso.com')).toHaveLength(1);
    expect((await env.app.runSync(env.syncId)).status).toBe('succeeded');
    expect(personsWithEmail(env, 'lost.answer@contoso.com')).toHaveLength(1);
  });

  it('R1: a 429 from Graph (after the SDK retries) is waited out inside the run — no failed run, no duplicate', async () => {
    env.app.sandbox.microsoft.createContact(OLIVIA, folderId(env, 'Clients'), { givenName: 'Slow', surname: 'Down', emailAddresses: [{ address: 'slow.down@contoso.com' }] });
    // Enough 429s to exhaust the SDK's own retries once; the runtime then waits Retry-After and runs the step again.
    env.app.sandbox.microsoft.faults.add({ method: 'GET', path: 'delta', status: 429, times: 4, headers: { 'retry-after': '0' }, body: { error: { code: 'TooManyRequests', message: 'Throttled' } } });
    const r = await env.app.runSync(env.syncId);
    expect(r.status).toBe('succeeded');
    expect((await syncRow(env)).consecutiveFailures).toBe(0);
    expect(personsWithEmail(env, 'slow.down@contoso.com')).toHaveLength(1);
  });

  it('B3: a mass delete in Outlook pauses; confirming deletes, nothing before', async () => {
    const db = await getDb();
    const linked = await db.select().from(contactLinks).where(and(eq(contactLinks.syncId, env.syncId), eq(contactLinks.state, 'linked')));
    const victims = linked.slice(0, Math.max(DELETE_BRAKE_MIN_DELETES, Math.floor(linked.length * 0.2) + 2));
    for (const v of victims) env.app.sandbox.microsoft.deleteContact(OLIVIA, v.remoteId!);
    expect((await env.app.runSync(env.syncId)).status).toBe('paused');
    expect((await syncRow(env)).status).toBe('paused_deletes');
    for (const v of victims) expect(alive(env, v.crmId!)).toBe(true);
    await resolvePendingDeletes(env.tenant, env.syncId, true);
    expect((await env.app.runSync(env.syncId, 'confirm')).status).toBe('succeeded');
    for (const v of victims) expect(alive(env, v.crmId!)).toBe(false);
  });

  it('R2: a revoked Microsoft grant puts the sync in needs-reconnect and deletes nothing', async () => {
    const before = persons(env).length;
    env.app.sandbox.microsoft.revokeAll(OLIVIA);
    env.app.sandbox.microsoft.expireAccessTokens(); // the current access token runs out too: the refresh must fail
    const db = await getDb();
    await db.update(providerAccounts).set({ accessTokenExpiresAt: new Date(0) }).where(eq(providerAccounts.crmUserId, env.tenant.crmUserId));
    expect((await env.app.runSync(env.syncId)).status).toBe('failed');
    const s = await syncRow(env);
    expect(s.status).toBe('needs_reconnect');
    expect(persons(env).length).toBe(before);
  });
});

describe('Outlook ↔ Pipedrive two-way (C4, B5)', () => {
  let env: Env;
  beforeAll(async () => {
    env = await setup('two_way', 'crm');
  });
  afterAll(async () => env?.app.close());

  const pair = async (email: string) => {
    const c = outlookByEmail(env, email)!;
    const link = await linkByRemote(env, c.immutableId);
    return { c, crmId: Number(link!.crmId) };
  };

  it('C4: an Outlook edit reaches the CRM and a CRM edit reaches Outlook', async () => {
    const laura = await pair('laura@adventure-works.com');
    env.app.sandbox.microsoft.updateContact(OLIVIA, laura.c.immutableId, { jobTitle: 'Sales Coordinator' });
    const yoshi = await pair('yoshi@wingtiptoys.jp');
    env.app.sandbox.pipedrive.updatePerson(CO, yoshi.crmId, { last_name: 'Tannamuri-San' });
    expect((await env.app.runSync(env.syncId)).status).toBe('succeeded');
    expect((env.app.sandbox.pipedrive.getPerson(CO, laura.crmId) as unknown as PdPerson).job_title).toBe('Sales Coordinator');
    expect(env.app.sandbox.microsoft.getContact(OLIVIA, yoshi.c.immutableId)!.fields.surname).toBe('Tannamuri-San');
  });

  it('B5: the same field edited on both sides is a conflict resolved by the policy (CRM wins) and logged', async () => {
    const robert = await pair('robert.king@litware.com');
    env.app.sandbox.pipedrive.updatePerson(CO, robert.crmId, { last_name: 'FromCrm' });
    env.app.sandbox.microsoft.updateContact(OLIVIA, robert.c.immutableId, { surname: 'FromOutlook' });
    expect((await env.app.runSync(env.syncId)).status).toBe('succeeded');
    expect((env.app.sandbox.pipedrive.getPerson(CO, robert.crmId) as unknown as PdPerson).last_name).toBe('FromCrm');
    expect(env.app.sandbox.microsoft.getContact(OLIVIA, robert.c.immutableId)!.fields.surname).toBe('FromCrm');
    const db = await getDb();
    const conflicts = await db.select().from(activity).where(and(eq(activity.connectionId, env.syncId), eq(activity.action, 'conflict'), eq(activity.crmId, String(robert.crmId))));
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0]!.detail).toMatchObject({ field: 'lastName', winner: 'crm' });
  });

  it('C4: a delete on each side reaches the other', async () => {
    const anne = await pair('anne.dodsworth@woodgrovebank.com');
    const laura = await pair('laura@adventure-works.com');
    env.app.sandbox.microsoft.deleteContact(OLIVIA, anne.c.immutableId);
    env.app.sandbox.pipedrive.deletePerson(CO, laura.crmId);
    expect((await env.app.runSync(env.syncId)).status).toBe('succeeded');
    expect(alive(env, anne.crmId)).toBe(false);
    expect(env.app.sandbox.microsoft.getContact(OLIVIA, laura.c.immutableId)).toBeFalsy();
  });
});

describe('Outlook → Pipedrive first import over several delta pages (Performance: the next page is read ahead)', () => {
  it('Performance: each delta page is read once although the next one is read while the current one is written; every contact is created once', async () => {
    const app = await createTestApp();
    try {
      const tenant = await app.installPipedrive(NORTHWIND.admin);
      const accountId = await app.linkMicrosoft(tenant, OLIVIA);
      await prepareCrmFields(tenant);
      const clients = app.sandbox.microsoft.folders(OLIVIA).find((f) => f.displayName === 'Clients')!;
      app.sandbox.microsoft.generateContacts(OLIVIA, clients.id, 2 * GRAPH_DELTA_PAGE_SIZE + 50);
      const inFolder = app.sandbox.microsoft.contacts(OLIVIA, clients.id);
      const before = app.sandbox.microsoft.requestCounts(OLIVIA);
      const { syncId } = await startSync(tenant, { accountId, direction: 'provider_to_crm', groupId: clients.id, groupName: 'Clients' });
      expect((await app.runSync(syncId, 'start')).status).toBe('succeeded');
      const after = app.sandbox.microsoft.requestCounts(OLIVIA);
      // Delta pages only (photos are read with POST $batch): one read per page, none twice.
      expect((after.GET ?? 0) - (before.GET ?? 0)).toBe(Math.ceil(inFolder.length / GRAPH_DELTA_PAGE_SIZE));
      const live = (app.sandbox.pipedrive.persons(CO) as unknown as PdPerson[]).filter((p) => !p.is_deleted);
      for (const c of inFolder) expect(live.filter((p) => p.emails.some((e) => e.value === c.fields.emailAddresses[0]?.address))).toHaveLength(1);
    } finally {
      await app.close();
    }
  });
});
