/**
 * M5/B2: reinstalling Synclane (or stopping and starting the export again) re-adopts the contacts the
 * earlier sync created in the export group instead of creating copies; the preview says so first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, NORTHWIND, type TestApp } from '../support/harness';
import { previewExport, startSync, syncDashboard } from '@/lib/contacts/service';
import { purgeUninstalledData, uninstallCrmUser } from '@/lib/installations';
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { activity } from '@/db/schema';
import { CLIENT_DATA_KEY } from '@/lib/sync/contacts/constants';
import type { people_v1 } from '@googleapis/people';

const OLIVIA = 'olivia.northwind@gmail.com';
let app: TestApp;

type GPerson = people_v1.Schema$Person & { resourceName: string };
const groupContacts = (groupName: string): GPerson[] => {
  const g = app.sandbox.google.groups(OLIVIA).find((x) => x.name === groupName);
  if (!g) return [];
  return (app.sandbox.google.contacts(OLIVIA) as unknown as GPerson[]).filter((p) =>
    (p.memberships ?? []).some((m) => m.contactGroupMembership?.contactGroupResourceName === g.resourceName),
  );
};
const refOf = (p: GPerson) => p.clientData?.find((d) => d.key === CLIENT_DATA_KEY)?.value;

beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => app?.close());

describe('M5/B2 reinstall does not duplicate exported contacts', () => {
  it('M5: after uninstall and reinstall, the new export updates the contacts created before — no copies', async () => {
    const tenant = await app.installPipedrive(NORTHWIND.admin);
    const accountId = await app.linkGoogle(tenant, OLIVIA);
    const first = await startSync(tenant, { accountId, direction: 'crm_to_provider' });
    expect((await app.runSync(first.syncId, 'start')).status).toBe('succeeded');
    const before = groupContacts('Pipedrive');
    expect(before.length).toBeGreaterThan(0);

    await uninstallCrmUser('pipedrive', tenant.companyId, String(NORTHWIND.admin));
    const again = await app.installPipedrive(NORTHWIND.admin);
    const account2 = await app.linkGoogle(again, OLIVIA);

    // B2: the preview says how many are already there and will be updated.
    const preview = await previewExport(again, account2);
    expect(preview.alreadyInProvider).toBe(before.length);

    const second = await startSync(again, { accountId: account2, direction: 'crm_to_provider' });
    expect(second.syncId).not.toBe(first.syncId);
    expect((await app.runSync(second.syncId, 'start')).status).toBe('succeeded');
    const after = groupContacts('Pipedrive');
    expect(after.length).toBe(before.length);
    expect(after.map((p) => p.resourceName).sort()).toEqual(before.map((p) => p.resourceName).sort());
    // Restamped as the new sync's own, so later runs (and deletes) treat them as ours.
    for (const p of after) expect(refOf(p)?.startsWith(`${second.syncId}:`)).toBe(true);

    // Polish: an idle sync is counted as set up, not running; instant updates are a code the UI words.
    const { contactsPillar } = await import('@/lib/sync/contacts/pillar');
    const described = await contactsPillar.describe(again);
    expect(described).toMatchObject({ activeSyncs: 1, runningSyncs: 0 });
    const dash = await syncDashboard(again, second.syncId);
    expect(['webhook', 'webhook_failed', 'hourly']).toContain(dash.instant.reason);
  });

  it('M5: after the purge, only contacts provably this user’s are re-adopted; a foreign stamp and a gone person are left alone and reported', async () => {
    const tenant = await app.installPipedrive(NORTHWIND.admin);
    const accountId = await app.linkGoogle(tenant, OLIVIA);
    const first = await startSync(tenant, { accountId, direction: 'crm_to_provider' });
    expect((await app.runSync(first.syncId, 'start')).status).toBe('succeeded');
    const ours = groupContacts('Pipedrive').filter((p) => refOf(p)?.startsWith(`${first.syncId}:`));
    expect(ours.length).toBeGreaterThan(1);

    await uninstallCrmUser('pipedrive', tenant.companyId, String(NORTHWIND.admin));
    expect(await purgeUninstalledData(new Date(Date.now() + 31 * 86_400_000))).toBeGreaterThanOrEqual(1); // our rows are gone

    // While Synclane was away: Olivia creates a person, and deletes one that had been exported.
    const newcomer = app.sandbox.pipedrive.createPerson(NORTHWIND.companyId, { first_name: 'Nora', last_name: 'Newcomer', emails: [{ value: 'nora.newcomer@northwind.example', primary: true, label: 'work' }], owner_id: NORTHWIND.admin }, NORTHWIND.admin);
    const gone = ours[0]!;
    const goneId = refOf(gone)!.split(':')[1]!;
    app.sandbox.pipedrive.deletePerson(NORTHWIND.companyId, Number(goneId), NORTHWIND.admin);
    // Another company's Synclane (same Google account) left a contact stamped with the newcomer's id.
    const group = app.sandbox.google.groups(OLIVIA).find((g) => g.name === 'Pipedrive')!;
    const foreignStamp = `${randomUUID()}:${newcomer.id}`;
    const foreign = app.sandbox.google.createContact(OLIVIA, {
      names: [{ givenName: 'Fiona', familyName: 'Foreign' }],
      emailAddresses: [{ value: 'fiona@fabrikam.example' }],
      clientData: [{ key: CLIENT_DATA_KEY, value: foreignStamp }],
      memberships: [{ contactGroupMembership: { contactGroupResourceName: group.resourceName } }],
    });

    const again = await app.installPipedrive(NORTHWIND.admin);
    const account2 = await app.linkGoogle(again, OLIVIA);
    const preview = await previewExport(again, account2);
    expect(preview.alreadyInProvider).toBe(ours.length - 1);
    expect(preview.leftAlone).toBe(2); // the foreign contact and the gone person's contact

    const second = await startSync(again, { accountId: account2, direction: 'crm_to_provider' });
    expect((await app.runSync(second.syncId, 'start')).status).toBe('succeeded');
    const after = groupContacts('Pipedrive');
    // The foreign contact is untouched: same stamp, same name.
    const foreignAfter = after.find((p) => p.resourceName === foreign.resourceName)!;
    expect(refOf(foreignAfter)).toBe(foreignStamp);
    expect(foreignAfter.names?.[0]?.familyName).toBe('Foreign');
    // The newcomer got a contact of its own; the gone person's old contact is neither adopted nor deleted.
    expect(after.some((p) => refOf(p) === `${second.syncId}:${newcomer.id}`)).toBe(true);
    expect(refOf(after.find((p) => p.resourceName === gone.resourceName)!)).toBe(refOf(gone));
    // Every other earlier contact was re-adopted (restamped), none copied.
    for (const p of ours.slice(1)) expect(refOf(after.find((a) => a.resourceName === p.resourceName)!)).toMatch(new RegExp(`^${second.syncId}:`));
    expect(after.length).toBe(ours.length + 2);
    // Reported: one activity row per contact left alone, with the reason code the dashboard words.
    const db = await getDb();
    const rows = await db.select().from(activity).where(and(eq(activity.connectionId, second.syncId), eq(activity.reasonCode, 'contacts.stamp_not_ours')));
    expect(rows.map((r) => [r.remoteId, (r.detail as { why: string }).why]).sort()).toEqual(
      [
        [foreign.resourceName, 'not_ours'],
        [gone.resourceName, 'record_missing'],
      ].sort(),
    );
  });
});
