/** C8 photos from Outlook: copied in one-way sync when the CRM person has none; never in two-way. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, NORTHWIND, type TestApp } from '../support/harness';
import { startSync } from '@/lib/contacts/service';
import { prepareCrmFields } from '@/lib/contacts/crm-fields';
import { providerFor } from '@/lib/providers';

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

  it('C8 / Performance: the photos of a one-way import are read 20 per Graph $batch call, not one call per contact', async () => {
    const tenant = await app.installPipedrive(NORTHWIND.regular);
    const email = 'sam.empty@outlook.com';
    const accountId = await app.linkMicrosoft(tenant, email);
    const target = app.sandbox.microsoft.folders(email)[0]!;
    app.sandbox.microsoft.generateContacts(email, target.id, 45);
    // Every third generated contact gets a photo (a real PNG, as the Graph endpoints serve).
    const png = app.sandbox.microsoft.contacts(OUTLOOK).find((c) => c.photo)!.photo!;
    const mailbox = app.sandbox.microsoft.getState().mailboxes[email]!;
    const inFolder = () => app.sandbox.microsoft.contacts(email, target.id).filter((c) => emailOf(c));
    inFolder().forEach((c, i) => {
      if (i % 3 === 0 && !c.photo) mailbox.contacts[c.immutableId]!.photo = { ...png };
    });
    const contacts = inFolder();
    const withPhoto = contacts.filter((c) => mailbox.contacts[c.immutableId]?.photo);
    expect(withPhoto.length).toBeGreaterThanOrEqual(15);
    const { syncId } = await startSync(tenant, { accountId, direction: 'provider_to_crm', groupId: target.id, groupName: target.displayName });
    const before = app.sandbox.microsoft.requestCounts(email);
    expect((await app.runSync(syncId, 'start')).status).toBe('succeeded');
    const after = app.sandbox.microsoft.requestCounts(email);
    const calls = (m: string) => (after[m] ?? 0) - (before[m] ?? 0);
    // Today: one GET photo/$value per new contact. Batched: ⌈contacts / 20⌉ POST $batch, a few delta GETs,
    // plus the one POST /subscriptions the first run makes for change notifications (B1).
    expect(calls('POST')).toBeLessThanOrEqual(Math.ceil(contacts.length / 20) + 1);
    expect(calls('GET')).toBeLessThan(10);
    for (const c of withPhoto) expect(crmPersonFor(emailOf(c)!)?.picture_id).not.toBeNull();
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

describe('C8 photos (Google)', () => {
  const GOOGLE = 'olivia.northwind@gmail.com';
  const group = (name: string) => app.sandbox.google.groups(GOOGLE).find((g) => g.name === name)!;
  const photoUrlOf = (c: { photos?: { url?: string; default?: boolean }[] }) => c.photos?.find((p) => p.url && !p.default)?.url;

  it('C8 / Performance: a one-way Google import copies photos from the URL the listing gave, without asking for the contact again (no people.get)', async () => {
    const tenant = await app.installPipedrive(NORTHWIND.admin);
    const accountId = await app.linkGoogle(tenant, GOOGLE);
    const clients = group('Clients');
    const all = app.sandbox.google.contacts(GOOGLE) as { resourceName: string; emailAddresses?: { value: string }[]; photos?: { url?: string; default?: boolean }[]; memberships?: { contactGroupMembership?: { contactGroupResourceName?: string } }[] }[];
    const inClients = all.filter((c) => (c.memberships ?? []).some((m) => m.contactGroupMembership?.contactGroupResourceName === clients.resourceName));
    const withPhoto = inClients.filter((c) => photoUrlOf(c) && c.emailAddresses?.length);
    expect(withPhoto.length).toBeGreaterThan(0);
    app.sandbox.google.resetRequestCounts(GOOGLE);
    const { syncId } = await startSync(tenant, { accountId, direction: 'provider_to_crm', groupId: clients.resourceName, groupName: 'Clients' });
    expect((await app.runSync(syncId, 'start')).status).toBe('succeeded');
    for (const c of withPhoto) expect(crmPersonFor(c.emailAddresses![0]!.value)?.picture_id).not.toBeNull();
    expect(app.sandbox.google.requestCounts(GOOGLE)['people.get'] ?? 0).toBe(0);
  });

  it('C8: when the listed photo URL no longer answers, the photo is read from the contact again', async () => {
    const tenant = await app.installPipedrive(NORTHWIND.regular);
    const accountId = await app.linkGoogle(tenant, GOOGLE);
    const contact = (app.sandbox.google.contacts(GOOGLE) as { resourceName: string; photos?: { url?: string; default?: boolean }[] }[]).find((c) => photoUrlOf(c))!;
    const url = photoUrlOf(contact)!;
    const provider = providerFor({ id: accountId, provider: 'google' });
    app.sandbox.google.resetRequestCounts(GOOGLE);
    const direct = await provider.getPhoto!(contact.resourceName, url);
    expect(direct?.bytes.length).toBeGreaterThan(0);
    expect(app.sandbox.google.requestCounts(GOOGLE)['people.get'] ?? 0).toBe(0);
    const stale = `${url.replace(/\/[^/]*$/, '')}/gone-${Date.now()}`;
    const again = await provider.getPhoto!(contact.resourceName, stale);
    expect(Buffer.from(again!.bytes).equals(Buffer.from(direct!.bytes))).toBe(true);
    expect(app.sandbox.google.requestCounts(GOOGLE)['people.get']).toBe(1);
  });
});
