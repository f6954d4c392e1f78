/**
 * Performance: a first export writes Google batches that span CRM pages — ⌈contacts ÷ 200⌉ batch creates
 * for any number of 500-person CRM pages (before: 3 per page, a partial one on every page).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, NORTHWIND, type TestApp } from '../support/harness';
import { previewExport, startSync } from '@/lib/contacts/service';
import { CRM_PAGE_SIZE, GOOGLE_BATCH_CREATE_MAX } from '@/lib/sync/contacts/constants';

const RAHUL = 'rahul.northwind@gmail.com';
let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
  app.sandbox.google.config({ readQuotaPerMinute: 1_000_000, writeQuotaPerMinute: 1_000_000 });
  app.sandbox.pipedrive.config({ burstLimit: 1_000_000 });
});
afterAll(async () => app?.close());

describe('Performance: export batches span CRM pages', () => {
  it('Performance: 2,400 persons on 5 CRM pages go to Google in ⌈exported ÷ 200⌉ batch creates', async () => {
    app.sandbox.pipedrive.generatePersons(NORTHWIND.companyId, NORTHWIND.regular, 2_400);
    const tenant = await app.installPipedrive(NORTHWIND.regular);
    const accountId = await app.linkGoogle(tenant, RAHUL);
    const preview = await previewExport(tenant);
    expect(Math.ceil(preview.total / CRM_PAGE_SIZE)).toBeGreaterThanOrEqual(5);
    const { syncId } = await startSync(tenant, { accountId, direction: 'crm_to_provider', expectedTotal: preview.total });
    expect((await app.runSync(syncId, 'start')).status).toBe('succeeded');

    const exported = app.sandbox.google.contacts(RAHUL).filter((c) => (c as { memberships?: unknown[] }).memberships?.length);
    expect(exported.length).toBeGreaterThanOrEqual(preview.toExport);
    const creates = app.sandbox.google.requestCounts(RAHUL)['people.batchCreateContacts'] ?? 0;
    expect(creates).toBe(Math.ceil(preview.toExport / GOOGLE_BATCH_CREATE_MAX));
  }, 240_000);
});
