/**
 * C13 no cap: a 20,000-person company exports completely, paged and resumable — a failure mid-export is
 * picked up where it stopped, without duplicates — and the run reports progress against the known total.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestApp, NORTHWIND, type TestApp } from '../support/harness';
import { getDb } from '@/db/client';
import { contactSyncs, syncRuns } from '@/db/schema';
import { previewExport, startSync, syncDashboard } from '@/lib/contacts/service';
import { CLIENT_DATA_KEY, CRM_PAGE_SIZE } from '@/lib/sync/contacts/constants';

const OLIVIA = 'olivia.northwind@gmail.com';
let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
  app.sandbox.google.config({ readQuotaPerMinute: 1_000_000, writeQuotaPerMinute: 1_000_000 });
  app.sandbox.pipedrive.config({ burstLimit: 1_000_000 });
});
afterAll(async () => app?.close());

describe('C13 no cap on the first export', () => {
  it('C13: 20,000 persons export completely; a failure halfway resumes from the cursor without duplicates', async () => {
    app.sandbox.pipedrive.generatePersons(NORTHWIND.companyId, NORTHWIND.admin, 20_000);
    const tenant = await app.installPipedrive(NORTHWIND.admin);
    const accountId = await app.linkGoogle(tenant, OLIVIA);
    const preview = await previewExport(tenant);
    expect(preview.total).toBeGreaterThan(20_000);
    const { syncId } = await startSync(tenant, { accountId, direction: 'crm_to_provider', expectedTotal: preview.total });

    // Google fails one batch create about halfway through (after 50 batches of 200).
    app.sandbox.google.faults.add({ method: 'POST', path: 'people:batchCreateContacts', status: 503, skip: 50, times: 1, body: { error: { code: 503, message: 'Backend Error', status: 'UNAVAILABLE' } } });
    const first = await app.runSync(syncId, 'start');
    expect(first.status).toBe('failed');
    const db = await getDb();
    const [midway] = await db.select().from(contactSyncs).where(eq(contactSyncs.id, syncId));
    expect(midway!.sweepCursor).toBeTruthy(); // where the next run resumes
    const exportedBefore = app.sandbox.google.contacts(OLIVIA).length;

    app.sandbox.pipedrive.resetRequestCounts();
    const second = await app.runSync(syncId, 'retry');
    expect(second.status).toBe('succeeded');
    // Resumed: the second run did not list the pages the first one had finished.
    const pages = Math.ceil(preview.total / CRM_PAGE_SIZE);
    expect(app.sandbox.pipedrive.requestCounts()['GET /api/v2/persons']).toBeLessThan(pages);

    const refs = (app.sandbox.google.contacts(OLIVIA) as unknown as { clientData?: { key: string; value: string }[] }[])
      .map((c) => c.clientData?.find((d) => d.key === CLIENT_DATA_KEY)?.value)
      .filter(Boolean);
    expect(refs.length).toBe(preview.toExport);
    expect(new Set(refs).size).toBe(refs.length); // no duplicates
    expect(exportedBefore).toBeLessThan(preview.toExport);
    const dash = await syncDashboard(tenant, syncId);
    expect(dash.inSync).toBe(preview.toExport);
    const runs = await db.select().from(syncRuns).where(eq(syncRuns.connectionId, syncId));
    expect(runs.find((r) => r.trigger === 'start')!.progressTotal).toBe(preview.total);
  }, 240_000);
});
