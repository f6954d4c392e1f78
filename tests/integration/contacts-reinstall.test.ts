/**
 * M5/B2: reinstalling Synclane (or stopping and starting the export again) re-adopts the contacts the
 * earlier sync created in the export group instead of creating copies; the preview says so first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, NORTHWIND, type TestApp } from '../support/harness';
import { previewExport, startSync, syncDashboard } from '@/lib/contacts/service';
import { uninstallCrmUser } from '@/lib/installations';
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
});
