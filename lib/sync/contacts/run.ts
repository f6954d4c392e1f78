/**
 * The contact sync run body (R1), written once against the runtime's step tools so it runs under Inngest
 * and under the in-process runner. Run rows, connection status and retries belong to lib/sync/runtime; this
 * file decides only what a contact pass does: provider changes first, then the CRM listing, then deletes
 * seen by a complete listing. Steps return only ids, counts and cursors.
 */
import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { getDb } from '@/db/client';
import { contactSyncs, syncRuns } from '@/db/schema';
import { env } from '@/lib/env';
import { ZRunRequest } from '@/lib/sync/runtime/events';
import type { RunContext, RunOutcome } from '@/lib/sync/runtime/pillar';
import { FULL_SWEEP_INTERVAL_MS, WATERMARK_OVERLAP_MS } from './constants';
import { loadSyncContext } from './context';
import { applyExportDeletes, exportPage, planExportDeletes, prepareExportGroup, recoverPendingCreates } from './export-sweep';
import { shouldPauseDeletes } from './export-rules';
import { adoptEarlierExports } from './adopt-earlier';
import { runImportPass } from './import-pass';
import { clearSweepPages } from './sweep-pages';

export const ZContactRunRequest = ZRunRequest.extend({
  kind: z.literal('contacts'),
  provider: z.enum(['google', 'microsoft']),
  /** Ask for a complete CRM listing (e.g. a CRM delete event): deletes are only inferred from one. */
  fullSweep: z.boolean().optional(),
});
export type ContactRunRequest = z.infer<typeof ZContactRunRequest>;

type Pass = { full: boolean; sweepId: string | null; sweepCursor: string | null; updatedSince: string | null; direction: string; startedAt: string };

/** Full sweep (sees deletes) or incremental pass (`updated_since` watermark)? */
function chooseFullSweep(sync: typeof contactSyncs.$inferSelect, request: ContactRunRequest, now: number): boolean {
  if (sync.sweepId) return true; // resume an unfinished sweep
  if (!sync.firstSweepDone || !sync.crmCursor || !sync.lastFullSweepAt) return true;
  if (request.fullSweep || request.trigger === 'start' || request.trigger === 'refresh' || request.trigger === 'confirm') return true;
  return now - sync.lastFullSweepAt.getTime() >= FULL_SWEEP_INTERVAL_MS;
}

async function planPass(ctx: RunContext<ContactRunRequest>): Promise<Pass> {
  const db = await getDb();
  const [sync] = await db.select().from(contactSyncs).where(eq(contactSyncs.id, ctx.request.connectionId));
  if (!sync) throw new Error('contact sync settings missing for connection');
  const startedAt = new Date();
  const full = chooseFullSweep(sync, ctx.request, startedAt.getTime());
  // A sweep may span runs: a retry resumes the same sweep at its stored cursor.
  const sweepId = full ? (sync.sweepId ?? ctx.runId) : null;
  await db.update(contactSyncs).set({ sweepId, updatedAt: startedAt }).where(eq(contactSyncs.id, sync.id));
  // Pages of other sweeps (left by failed runs) never count for this one (they carry another sweep id); a
  // full sweep clears them so they do not pile up. Incremental passes leave that to the next sweep.
  if (full) await clearSweepPages(db, sync.id, { crm: sweepId, provider: ctx.runId });
  if (full) await ctx.setTotal(sync.crmTotal);
  return {
    full,
    sweepId,
    sweepCursor: full && sync.sweepId ? sync.sweepCursor : null,
    // Incremental passes list persons changed since the watermark (which already includes the overlap).
    updatedSince: full ? null : sync.crmCursor,
    direction: sync.direction,
    startedAt: startedAt.toISOString(),
  };
}

/** `exported`: the CRM listing ran to its end in this run, so the watermark may advance. */
async function finishPass(connectionId: string, runId: string, pass: Pass, exported: boolean) {
  const db = await getDb();
  const [run] = await db.select({ progressDone: syncRuns.progressDone, counts: syncRuns.counts }).from(syncRuns).where(eq(syncRuns.id, runId));
  // A big first sync leaves the planner's statistics stale, and it then scans every link of the sync per
  // page (docs/BENCHMARKS.md). Refresh them when a run changed many rows; autovacuum is too slow to notice.
  const changed = (run?.counts.added ?? 0) + (run?.counts.updated ?? 0) + (run?.counts.deleted ?? 0);
  if (changed >= 1000) await db.execute(sql`analyze contact_links`).catch(() => undefined);
  await db
    .update(contactSyncs)
    .set({
      sweepId: null,
      sweepCursor: null,
      // The next incremental pass lists everything changed since this pass began (minus the overlap).
      ...(exported ? { crmCursor: new Date(Date.parse(pass.startedAt) - WATERMARK_OVERLAP_MS).toISOString().replace(/\.\d{3}Z$/, 'Z') } : {}),
      ...(pass.full && exported ? { crmTotal: run?.progressDone ?? null, lastFullSweepAt: new Date(pass.startedAt), firstSweepDone: true } : {}),
      updatedAt: new Date(),
    })
    .where(eq(contactSyncs.id, connectionId));
  // The sweep is complete (or abandoned: sweepId is cleared either way): its page records have served.
  await clearSweepPages(db, connectionId);
}

export async function runContactSync(ctx: RunContext<ContactRunRequest>): Promise<RunOutcome> {
  const { step, request, runId } = ctx;
  const connectionId = request.connectionId;
  const pass = await step.run('plan', () => planPass(ctx));
  const exports = pass.direction === 'crm_to_provider' || pass.direction === 'two_way';
  const imports = pass.direction === 'provider_to_crm' || pass.direction === 'two_way';

  if (imports) {
    // Provider → CRM first in two-way, so a provider edit is merged before the CRM sweep looks at it.
    let pageCursor: string | null = null;
    let n = 0;
    let importPaused = false;
    do {
      await ctx.assertActive();
      const r: { nextPageCursor: string | null; paused: boolean } = await step.run(`import-page-${n}`, async () => {
        const counter = { count: 0 };
        const sync = await loadSyncContext(connectionId, counter);
        const result = await runImportPass(sync, { runId, pageCursor });
        await ctx.progress(result.processed, { ...result.counts, apiCalls: counter.count }, 'reading_provider');
        return { nextPageCursor: result.nextPageCursor, paused: result.paused };
      });
      pageCursor = r.nextPageCursor;
      importPaused = importPaused || r.paused;
      n++;
    } while (pageCursor);
    // B3: the mass-delete brake tripped on provider deletes: stop here and wait for the user's answer.
    if (importPaused) {
      await step.run('finish-pass', () => finishPass(connectionId, runId, pass, false));
      return { status: 'paused' };
    }
  }

  if (!exports) {
    await step.run('finish-pass', () => finishPass(connectionId, runId, pass, false));
    return { status: 'succeeded' };
  }

  const groupId = await step.run('prepare', async () => {
    const counter = { count: 0 };
    const sync = await loadSyncContext(connectionId, counter);
    const id = sync.sync.direction === 'crm_to_provider' ? await prepareExportGroup(sync) : sync.sync.groupId!;
    await recoverPendingCreates(sync, id);
    await adoptEarlierExports(sync, id);
    await ctx.progress(0, { apiCalls: counter.count }, 'preparing');
    return id;
  });

  let cursor = pass.sweepCursor;
  let page = 0;
  do {
    await ctx.assertActive();
    const r = await step.run(`export-page-${page}`, async () => {
      const counter = { count: 0 };
      const sync = await loadSyncContext(connectionId, counter);
      const res = await exportPage(sync, { runId, sweepId: pass.sweepId, groupId, cursor, updatedSince: pass.updatedSince });
      await ctx.progress(res.processed, { added: res.added, updated: res.updated, skipped: res.skipped, apiCalls: counter.count }, 'sending_crm_changes');
      if (pass.sweepId) await sync.db.update(contactSyncs).set({ sweepCursor: res.nextCursor }).where(eq(contactSyncs.id, connectionId));
      await ctx.heartbeat();
      return { nextCursor: res.nextCursor };
    });
    cursor = r.nextCursor;
    page++;
  } while (cursor);

  // Deletes and lost ownership are only visible in a complete listing: incremental passes stop here.
  if (!pass.sweepId) {
    await step.run('finish-pass', () => finishPass(connectionId, runId, pass, true));
    return { status: 'succeeded' };
  }

  const outcome = await step.run('reconcile-deletes', async () => {
    const counter = { count: 0 };
    const sync = await loadSyncContext(connectionId, counter);
    const { gone, linked } = await planExportDeletes(sync, pass.sweepId!);
    // One-way export removes only contacts it created; two-way mirrors every CRM delete of a linked pair.
    const twoWay = sync.sync.direction === 'two_way';
    const removable = gone.filter((g) => g.remoteId && (twoWay || g.createdBy === 'sync_to_provider'));
    if (removable.length && request.trigger !== 'confirm' && shouldPauseDeletes(removable.length, linked, env().deleteBrake)) {
      await ctx.pauseForDeletes([{ side: 'provider', ids: gone.map((g) => g.id) }]);
      return { paused: true };
    }
    const res = await applyExportDeletes(sync, runId, gone.map((g) => g.id), twoWay);
    await ctx.progress(0, { deleted: res.deleted, apiCalls: counter.count }, 'removing_deleted');
    return { paused: false };
  });

  await step.run('finish-pass', () => finishPass(connectionId, runId, pass, true));
  return { status: outcome.paused ? 'paused' : 'succeeded' };
}
