/**
 * C4/C5/C13 deletes from a complete CRM listing, recorded per listed page (contact_sweep_pages) instead of
 * a mark on every link: a full sweep of unchanged contacts writes no link row, a person listed on any page
 * of the sweep is never taken for gone, a sweep resumed after a crash keeps the pages listed before it,
 * and an old sweep's pages never count. Real app code, the Pipedrive/Google emulators, real Postgres.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { createTestApp, NORTHWIND, type TestApp } from '../support/harness';
import { getDb } from '@/db/client';
import { contactLinks, contactSweepPages, contactSyncs } from '@/db/schema';
import { startSync } from '@/lib/contacts/service';
import type { CrmPerson } from '@/lib/crm/port';
import { CLIENT_DATA_KEY, CRM_PAGE_SIZE } from '@/lib/sync/contacts/constants';
import { loadSyncContext, type SyncContext } from '@/lib/sync/contacts/context';
import { applyExportDeletes, exportPage, planExportDeletes } from '@/lib/sync/contacts/export-sweep';
import { clearSweepPages } from '@/lib/sync/contacts/sweep-pages';

const OLIVIA = 'olivia.northwind@gmail.com';
let app: TestApp;
let syncId: string;

const ours = () =>
  (app.sandbox.google.contacts(OLIVIA) as unknown as { resourceName: string; clientData?: { key: string; value: string }[] }[])
    .map((c) => ({ resourceName: c.resourceName, ref: c.clientData?.find((d) => d.key === CLIENT_DATA_KEY)?.value }))
    .filter((c) => c.ref?.startsWith(`${syncId}:`));
const hasContact = (crmId: string) => ours().some((c) => c.ref === `${syncId}:${crmId}`);
/** Row version of every link of the sync: a row written (updated or re-inserted) gets a new xmin. */
async function linkVersions(): Promise<Map<string, string>> {
  const db = await getDb();
  const res = (await db.execute(sql`select id::text as id, xmin::text as xmin from contact_links where sync_id = ${syncId}`)) as unknown as { rows: { id: string; xmin: string }[] };
  return new Map(res.rows.map((r) => [r.id, r.xmin]));
}
async function pageRows() {
  const db = await getDb();
  return db.select().from(contactSweepPages).where(eq(contactSweepPages.syncId, syncId));
}
/** Exported persons (a linked contact we created), in CRM listing order (Pipedrive lists by id). */
async function exportedIds(): Promise<string[]> {
  const db = await getDb();
  const rows = await db.select({ crmId: contactLinks.crmId }).from(contactLinks).where(and(eq(contactLinks.syncId, syncId), eq(contactLinks.state, 'linked'), eq(contactLinks.createdBy, 'sync_to_provider')));
  return rows.map((r) => r.crmId!).sort((a, b) => Number(a) - Number(b));
}

beforeAll(async () => {
  app = await createTestApp();
  app.sandbox.google.config({ readQuotaPerMinute: 1_000_000, writeQuotaPerMinute: 1_000_000 });
  app.sandbox.pipedrive.config({ burstLimit: 1_000_000 });
  // Persons that existed well before the runs (no same-second re-check obligations).
  app.sandbox.advanceClock(-10 * 60_000);
  app.sandbox.pipedrive.generatePersons(NORTHWIND.companyId, NORTHWIND.admin, 1_200);
  app.sandbox.advanceClock(10 * 60_000);
  const tenant = await app.installPipedrive(NORTHWIND.admin);
  const accountId = await app.linkGoogle(tenant, OLIVIA);
  ({ syncId } = await startSync(tenant, { accountId, direction: 'crm_to_provider' }));
  expect((await app.runSync(syncId, 'start')).status).toBe('succeeded');
}, 120_000);
afterAll(async () => app?.close());

describe('C4/C13 full sweep recorded per listed page', () => {
  it('Performance: a full sweep of unchanged contacts rewrites no link row, and leaves no page records behind', async () => {
    const before = await linkVersions();
    expect(before.size).toBeGreaterThan(2 * CRM_PAGE_SIZE);
    app.sandbox.pipedrive.resetRequestCounts();
    expect((await app.runSync(syncId, 'refresh')).status).toBe('succeeded');
    // It was a complete listing (every page read) …
    expect(app.sandbox.pipedrive.requestCounts()['GET /api/v2/persons']).toBeGreaterThanOrEqual(3);
    // … and not one link row got a new version.
    const after = await linkVersions();
    expect(after.size).toBe(before.size);
    const rewritten = [...after].filter(([id, xmin]) => before.get(id) !== xmin);
    expect(rewritten).toEqual([]);
    expect(await pageRows()).toEqual([]);
  }, 60_000);

  it('C4: a person listed on any page of the sweep is never taken for gone — moved to a later page, or missing from a page listed again after a crash', async () => {
    const ctx = await loadSyncContext(syncId);
    // The real listing, page by page, as the sweep reads it.
    const pages: { cursor: string | null; items: CrmPerson[] }[] = [];
    let cursor: string | null = null;
    do {
      const page = await ctx.crm.listPersons({ cursor, updatedSince: null, limit: CRM_PAGE_SIZE, ownerId: ctx.user.crmUserId });
      pages.push({ cursor, items: page.items });
      cursor = page.nextCursor;
    } while (cursor);
    expect(pages.length).toBeGreaterThanOrEqual(3);
    const exported = new Set(await exportedIds());
    const onPage = (i: number) => pages[i]!.items.filter((p) => exported.has(p.id)).map((p) => p.id);
    const [stale, moved] = onPage(0); // listed on the first page before the crash only / moved to the last page
    const gone = onPage(pages.length - 1).at(-1)!; // deleted in the CRM: on no page at all
    const last = pages.length - 1;

    // Listing #1 reads the first page (stale and moved on it), then the step crashes. The resumed sweep
    // lists the first page again without them: `moved` was edited and is now at the end of a listing by
    // update time; `stale` shifted onto a page already read (an offset listing), so no later page has it.
    let relisted = false;
    const listing = (cursor: string | null) => {
      const i = pages.findIndex((p) => p.cursor === cursor);
      let items = pages[i]!.items;
      if (i === 0 && relisted) items = items.filter((p) => p.id !== stale && p.id !== moved);
      if (i === last) items = [...items.filter((p) => p.id !== gone), ...pages[0]!.items.filter((p) => p.id === moved)];
      return { items, invalid: [], nextCursor: pages[i + 1]?.cursor ?? null, serverTime: null };
    };
    const scripted: SyncContext = { ...ctx, crm: Object.assign(Object.create(ctx.crm) as typeof ctx.crm, { listPersons: async (a: { cursor: string | null }) => listing(a.cursor) }) };
    const sweepId = randomUUID();
    const step = (cursor: string | null) => exportPage(scripted, { runId: randomUUID(), sweepId, groupId: ctx.sync.groupId!, cursor });

    await step(null); // listing #1, first page; then the crash
    relisted = true;
    let next: string | null = null;
    do next = (await step(next)).nextCursor; // the resumed sweep, from the first page again
    while (next);

    // `gone` is on no page of the sweep but still in the CRM: the listing skipped it (an offset listing
    // shifts records when one is deleted during the sweep). Asked for once more, it stays.
    expect((await planExportDeletes(ctx, sweepId)).gone).toEqual([]);
    // Deleted in the CRM, it is gone.
    app.sandbox.pipedrive.deletePerson(NORTHWIND.companyId, Number(gone));
    const { gone: absent } = await planExportDeletes(ctx, sweepId);
    expect(absent.map((l) => l.crmId)).toEqual([gone]);
    await applyExportDeletes(ctx, randomUUID(), absent.map((l) => l.id));
    await clearSweepPages(ctx.db, syncId);
  }, 60_000);

  it('C4/C5: a person the listing skipped is asked for once more (100 per call): still the user\'s → kept; another owner\'s → removed (C5); unreadable in the listing → kept', async () => {
    const ctx = await loadSyncContext(syncId);
    const ids = await exportedIds();
    const [skipped, handedOver, unreadable] = [ids[20]!, ids[21]!, ids[22]!];
    app.sandbox.pipedrive.updatePerson(NORTHWIND.companyId, Number(handedOver), { owner_id: 13002 });
    // A listing that leaves out `skipped` and `handedOver` (the user no longer owns it: the owner filter drops
    // it) and answers `unreadable` as a record it cannot read.
    const scripted: SyncContext = {
      ...ctx,
      crm: Object.assign(Object.create(ctx.crm) as typeof ctx.crm, {
        listPersons: async (a: Parameters<typeof ctx.crm.listPersons>[0]) => {
          const page = await ctx.crm.listPersons(a);
          return {
            ...page,
            items: page.items.filter((p) => ![skipped, handedOver, unreadable].includes(p.id)),
            invalid: page.items.some((p) => p.id === unreadable) ? [{ id: unreadable, reason: 'Unreadable person from Pipedrive' }] : page.invalid,
          };
        },
      }),
    };
    const sweepId = randomUUID();
    let next: string | null = null;
    do next = (await exportPage(scripted, { runId: randomUUID(), sweepId, groupId: ctx.sync.groupId!, cursor: next })).nextCursor;
    while (next);
    app.sandbox.pipedrive.resetRequestCounts();
    const { gone } = await planExportDeletes(ctx, sweepId);
    expect(gone.map((l) => l.crmId).filter((id) => [skipped, handedOver, unreadable].includes(id!))).toEqual([handedOver]);
    expect(gone).toHaveLength(1);
    expect(app.sandbox.pipedrive.requestCounts()['GET /api/v2/persons']).toBe(1); // both asked for in one call
    await clearSweepPages(ctx.db, syncId);
    app.sandbox.pipedrive.updatePerson(NORTHWIND.companyId, Number(handedOver), { owner_id: NORTHWIND.admin });
  }, 60_000);

  it('C13: a sweep interrupted and resumed in a later run deletes exactly the persons gone from the listing — nothing the pages before the crash listed', async () => {
    const ids = await exportedIds();
    const early = ids[5]!; // on the first page: listed before the crash, deleted after it
    const late = ids.at(-3)!; // on the last page: deleted before the resumed sweep reaches it
    const contactsBefore = ours().length;
    // The second CRM page fails: the run stops after the first page, the sweep keeps its cursor.
    app.sandbox.pipedrive.faults.add({ method: 'GET', path: 'api/v2/persons\\?', status: 500, skip: 1, times: 1, body: { success: false, error: 'Internal error' } });
    const first = await app.runSync(syncId, 'refresh');
    app.sandbox.pipedrive.faults.clear();
    expect(first.status).toBe('failed');
    const db = await getDb();
    const [midway] = await db.select().from(contactSyncs).where(eq(contactSyncs.id, syncId));
    expect(midway!.sweepId).toBeTruthy();
    expect(midway!.sweepCursor).toBeTruthy();
    expect((await pageRows()).map((p) => p.sweepId)).toEqual([midway!.sweepId]); // the first page, recorded

    app.sandbox.pipedrive.deletePerson(NORTHWIND.companyId, Number(early));
    app.sandbox.pipedrive.deletePerson(NORTHWIND.companyId, Number(late));
    app.sandbox.pipedrive.resetRequestCounts();
    const resumed = await app.runSync(syncId, 'retry');
    expect(resumed.status).toBe('succeeded'); // not paused by the brake: the first page's persons were not taken for gone
    expect(app.sandbox.pipedrive.requestCounts()['GET /api/v2/persons']).toBeLessThan(Math.ceil(ids.length / CRM_PAGE_SIZE) + 1); // resumed, not restarted
    expect(hasContact(late)).toBe(false);
    expect(hasContact(early)).toBe(true); // listed by this sweep before its delete: the next sweep removes it
    expect(ours().length).toBe(contactsBefore - 1);
    expect(await pageRows()).toEqual([]); // the completed sweep's pages are removed

    expect((await app.runSync(syncId, 'refresh')).status).toBe('succeeded');
    expect(hasContact(early)).toBe(false);
    expect(ours().length).toBe(contactsBefore - 2);
  }, 120_000);

  it('C4: an old sweep\'s page records never count for a new sweep, and are removed', async () => {
    const ids = await exportedIds();
    const person = ids[10]!;
    const db = await getDb();
    // Left behind by an abandoned sweep that listed the person.
    await db.insert(contactSweepPages).values({ syncId, sweepId: randomUUID(), side: 'crm', pageKey: 'first', ids: [person] });
    app.sandbox.pipedrive.deletePerson(NORTHWIND.companyId, Number(person));
    expect((await app.runSync(syncId, 'refresh')).status).toBe('succeeded');
    expect(hasContact(person)).toBe(false);
    expect(await pageRows()).toEqual([]);
  }, 60_000);
});
