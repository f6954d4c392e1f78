/** C8 photos from Outlook: copied in one-way sync when the CRM person has none; never in two-way. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, NORTHWIND, type TestApp } from '../support/harness';
import { startSync } from '@/lib/contacts/service';
import { prepareCrmFields } from '@/lib/contacts/crm-fields';

const OUTLOOK = 'olivia.northwind@outlook.com';
let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => app?.close());

const folder = (name: string) => app.sandbox.microsoft.folders(OUTLOOK).find((f) => f.displayName === name)!;
const emailOf = (c: { fields: Record<string, unknown> }) => ((c.fields.emailAddresses as { address: string }[] | undefined) ?? [])[0]?.address;
const crmPersonFor = (email: string) => app.sandbox.pipedrive.persons(NORTHWIND.companyId).filter((p) => !p.is_deleted && p.emails.some((e) => e.value === email)).at(-1);

describe('C8 photos (Outlook)', () => {
  it('C8: one-way Outlook → Pipedrive copies the photo of a contact into a new person without a picture', async () => {
    const tenant = await app.installPipedrive(NORTHWIND.admin);
    const accountId = await app.linkMicrosoft(tenant, OUTLOOK);
    const clients = folder('Clients');
    const withPhoto = app.sandbox.microsoft.contacts(OUTLOOK, clients.id).filter((c) => c.photo && emailOf(c));
    const without = app.sandbox.microsoft.contacts(OUTLOOK, clients.id).filter((c) => !c.photo && emailOf(c));
    expect(withPhoto.length).toBeGreaterThan(0);
    const { syncId } = await startSync(tenant, { accountId, direction: 'provider_to_crm', groupId: clients.id, groupName: 'Clients' });
    expect((await app.runSync(syncId, 'start')).status).toBe('succeeded');
    for (const c of withPhoto) expect(crmPersonFor(emailOf(c)!)?.picture_id).not.toBeNull();
    for (const c of without) expect(crmPersonFor(emailOf(c)!)?.picture_id ?? null).toBeNull();
  });

  it('C8: two-way never copies photos', async () => {
    const tenant = await app.installPipedrive(NORTHWIND.regular);
    const accountId = await app.linkMicrosoft(tenant, 'lotte.bruggebikes@outlook.com');
    const contactsFolder = app.sandbox.microsoft.folders('lotte.bruggebikes@outlook.com');
    const target = contactsFolder.find((f) => app.sandbox.microsoft.contacts('lotte.bruggebikes@outlook.com', f.id).some((c) => c.photo))!;
    const { syncId } = await startSync(tenant, { accountId, direction: 'two_way', groupId: target.id, groupName: target.displayName });
    expect((await app.runSync(syncId, 'start')).status).toBe('succeeded');
    const photoed = app.sandbox.microsoft.contacts('lotte.bruggebikes@outlook.com', target.id).filter((c) => c.photo && emailOf(c));
    expect(photoed.length).toBeGreaterThan(0);
    for (const c of photoed) expect(crmPersonFor(emailOf(c)!)?.picture_id ?? null).toBeNull();
  });
});
