/**
 * What a complete listing saw (C4/C5 deletes, B10 full provider pass): one row per listed page in
 * contact_sweep_pages instead of a "seen by sweep X" mark on every link. A full sweep of N unchanged
 * contacts then writes N/500 small rows, not N link row versions (each a dead tuple for vacuum). Deletes are
 * the links absent from the union of the sweep's pages: one anti-join (see `notSeenBySweep`).
 */
import { createHash } from 'node:crypto';
import { and, eq, ne, or, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Db } from '@/db/client';
import { contactSweepPages } from '@/db/schema';

export type SweepSide = 'crm' | 'provider';

/** A page is keyed by the cursor it was listed with (hashed: vendor cursors can be long URLs). */
export function sweepPageKey(cursor: string | null): string {
  return cursor === null ? 'first' : createHash('sha256').update(cursor).digest('hex');
}

/**
 * Records the ids one page of a sweep listed. Idempotent: the same page listed again (a step retried after
 * a crash, a sweep resumed at its cursor) adds the ids it did not list before and keeps the others — a
 * record listed by any listing of this sweep was there during it, and the union only ever keeps more.
 * Listing the same ids again writes nothing.
 */
export async function recordSweepPage(db: Db, page: { syncId: string; sweepId: string; side: SweepSide; cursor: string | null; ids: string[] }) {
  if (page.ids.length === 0) return;
  const ids = [...new Set(page.ids)];
  await db
    .insert(contactSweepPages)
    .values({ syncId: page.syncId, sweepId: page.sweepId, side: page.side, pageKey: sweepPageKey(page.cursor), ids })
    .onConflictDoUpdate({
      target: [contactSweepPages.syncId, contactSweepPages.sweepId, contactSweepPages.side, contactSweepPages.pageKey],
      set: { ids: sql`array(select distinct x from unnest(${contactSweepPages.ids} || excluded.ids) as x)` },
      setWhere: sql`not (excluded.ids <@ ${contactSweepPages.ids})`,
    });
}

/**
 * SQL condition: `column` (a link's CRM or provider id) is on no page of the sweep. A `not exists` over the
 * unnested pages, which Postgres runs as one hash anti-join (the sweep's ids hashed once, the links scanned
 * once) — not a per-link search of every page.
 */
export function notSeenBySweep(column: AnyPgColumn, sweep: { syncId: string; sweepId: string; side: SweepSide }): SQL {
  return sql`not exists (
    select 1 from ${contactSweepPages} as p cross join lateral unnest(p.ids) as seen(id)
    where p.sync_id = ${sweep.syncId} and p.sweep_id = ${sweep.sweepId} and p.side = ${sweep.side} and seen.id = ${column}
  )`;
}

/**
 * Removes the page records of every sweep of the sync except the ones still in progress (`keep`: the CRM
 * sweep being resumed, the run whose provider pass is listing): a finished, abandoned or restarted sweep's
 * pages must never count for another one, and must not pile up. Without `keep`, removes them all.
 */
export async function clearSweepPages(db: Db, syncId: string, keep: { crm?: string | null; provider?: string | null } = {}) {
  const stale = (side: SweepSide, id: string | null | undefined) => and(eq(contactSweepPages.side, side), id ? ne(contactSweepPages.sweepId, id) : undefined);
  await db.delete(contactSweepPages).where(and(eq(contactSweepPages.syncId, syncId), or(stale('crm', keep.crm), stale('provider', keep.provider))));
}
