/**
 * Performance (quota-bound, never over): Google People and Microsoft Graph send no rate headers, so every
 * call of a linked account goes through that account's pacer — Google reads and writes against the user's
 * per-minute quotas, Graph requests against the mailbox's 10,000 per 10 minutes, a JSON batch costing one per
 * request in it. Real app code, the emulators, real Postgres.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, NORTHWIND, type TestApp } from '../support/harness';
import { startSync } from '@/lib/contacts/service';
import { GOOGLE_PEOPLE_READS, GOOGLE_PEOPLE_WRITES, GRAPH_MAILBOX_REQUESTS, pacerFor } from '@/lib/crm/rate-pacer';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
  app.sandbox.pipedrive.config({ burstLimit: 1_000_000 });
});
afterAll(async () => app?.close());

/** Calls the pacer let go so far (its send counter). */
const sent = (key: string, defaults: typeof GOOGLE_PEOPLE_READS) => (pacerFor(key, defaults) as unknown as { sends: number }).sends;

describe('Provider pacing (Performance: at, never over, the quotas)', () => {
  it('Google: every People API call of an export goes through the account’s read or write pacer', async () => {
    app.sandbox.advanceClock(-10 * 60_000);
    app.sandbox.pipedrive.generatePersons(NORTHWIND.companyId, NORTHWIND.admin, 450);
    app.sandbox.advanceClock(10 * 60_000);
    const tenant = await app.installPipedrive(NORTHWIND.admin);
    const email = 'olivia.northwind@gmail.com';
    const accountId = await app.linkGoogle(tenant, email);
    app.sandbox.google.resetRequestCounts(email);
    const { syncId } = await startSync(tenant, { accountId, direction: 'crm_to_provider' });
    expect((await app.runSync(syncId, 'start')).status).toBe('succeeded');
    const counts = app.sandbox.google.requestCounts(email);
    const writes = Object.entries(counts).filter(([k]) => /batchCreate|batchUpdate|batchDelete|createContact|updateContact|deleteContact|contactGroups\.create/.test(k)).reduce((n, [, v]) => n + v, 0);
    const total = counts.total ?? 0;
    expect(writes).toBeGreaterThanOrEqual(3); // 450+ persons in batches of 200
    expect(sent(`google:write:${accountId}`, GOOGLE_PEOPLE_WRITES)).toBe(writes);
    expect(sent(`google:read:${accountId}`, GOOGLE_PEOPLE_READS)).toBe(total - writes);
  });

  it('Graph: a JSON batch costs the mailbox one place per request in it', async () => {
    const tenant = await app.installPipedrive(NORTHWIND.regular);
    const email = 'sam.empty@outlook.com';
    const accountId = await app.linkMicrosoft(tenant, email);
    const folder = app.sandbox.microsoft.folders(email)[0]!;
    app.sandbox.microsoft.generateContacts(email, folder.id, 45);
    const { syncId } = await startSync(tenant, { accountId, direction: 'provider_to_crm', groupId: folder.id, groupName: folder.displayName });
    expect((await app.runSync(syncId, 'start')).status).toBe('succeeded');
    // One-way import: delta pages, the photo reads 20 per $batch, one subscription (B1) — each counted.
    const places = sent(`graph:${accountId}`, GRAPH_MAILBOX_REQUESTS);
    expect(places).toBeGreaterThanOrEqual(45); // at least one photo read per new contact, though in ⌈45/20⌉ calls
  });
});
