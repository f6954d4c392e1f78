/**
 * The contact sync job body (R1), written once against StepTools so it runs under Inngest and under
 * the in-process runner. Steps return only ids, counts and cursors.
 */
import { and, desc, eq, inArray, isNotNull, lt, notInArray, or, sql } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { contactSyncs, syncRuns } from '@/db/schema';
import { env } from '@/lib/env';
import { ERROR_CODES, SyncError, toSyncError } from '@/lib/errors';
import { RetryLaterError, type ContactSyncEventData, type StepTools } from '@/lib/jobs/step';
import { FAILING_AFTER_RUNS, FULL_SWEEP_INTERVAL_MS, HOURLY_INTERVAL_MS, STUCK_RUN_MS, WATERMARK_OVERLAP_MS } from './constants';
import { loadSyncContext } from './context';
import { applyExportDeletes, exportPage, planExportDeletes, prepareExportGroup, recoverPendingCreates } from './export-sweep';
import { shouldPauseDeletes } from './export-rules';
import { runImportPass } from './import-pass';

type RunCounts = { added: number; updated: number; deleted: number; skipped: number; conflicts: number; apiCalls?: number };

export type JobOptions = { signal?: AbortSignal; attempt?: number };

/** Creates (or adopts) the run row and moves the connection to stage `running`. */
type Begin = { runId: string | null; reason?: string; sweepId?: string | null; sweepCursor?: string | null; direction?: string; updatedSince?: string | null; startedAt?: string };

/** Full sweep (sees deletes) or incremental pass (`updated_since` watermark)? */
function chooseFullSweep(sync: typeof contactSyncs.$inferSelect, data: ContactSyncEventData, now: number): boolean {
  if (sync.sweepId) return true; // resume an unfinished sweep
  if (!sync.firstSweepDone || !sync.crmCursor || !sync.lastFullSweepAt) return true;
  if (data.fullSweep || data.trigger === 'start' || data.trigger === 'refresh' || data.trigger === 'confirm') return true;
  return now - sync.lastFullSweepAt.getTime() >= FULL_SWEEP_INTERVAL_MS;
}

async function beginRun(data: ContactSyncEventData, attempt: number): Promise<Begin> {
  const db = await getDb();
  const [sync] = await db.select().from(contactSyncs).where(eq(contactSyncs.id, data.syncId));
  if (!sync) return { runId: null, reason: 'connection deleted' };
  if (!sync.startedAt || sync.status === 'disabled' || sync.status === 'draft') return { runId: null, reason: `connection is ${sync.status}` };
  if (sync.status === 'paused_deletes' && data.trigger !== 'confirm') return { runId: null, reason: 'waiting for the user to confirm deletes' };
  const startedAt = new Date();
  const full = chooseFullSweep(sync, data, startedAt.getTime());
  // A retry (or a restart after a crash) continues the run that was left `running`, not a new one.
  const [unfinished] = data.runId
    ? []
    : await db.select({ id: syncRuns.id }).from(syncRuns).where(and(eq(syncRuns.syncId, sync.id), eq(syncRuns.status, 'running'))).orderBy(desc(syncRuns.queuedAt)).limit(1);
  let runId = data.runId ?? unfinished?.id ?? null;
  if (runId) {
    await db.update(syncRuns).set({ status: 'running', startedAt, attempt }).where(eq(syncRuns.id, runId));
  } else {
    const [run] = await db
      .insert(syncRuns)
      .values({ installationId: sync.installationId, syncId: sync.id, trigger: data.trigger, status: 'running', startedAt, attempt, progressTotal: full ? sync.crmTotal : null })
      .returning({ id: syncRuns.id });
    runId = run!.id;
  }
  const sweepId = full ? (sync.sweepId ?? runId) : null;
  await db
    .update(contactSyncs)
    .set({ stage: 'running', stageStartedAt: startedAt, lastRunAt: startedAt, sweepId, updatedAt: startedAt })
    .where(eq(contactSyncs.id, sync.id));
  return {
    runId,
    sweepId,
    sweepCursor: full && sync.sweepId ? sync.sweepCursor : null,
    direction: sync.direction,
    // Incremental passes list persons changed since the watermark (which already includes the overlap).
    updatedSince: full ? null : sync.crmCursor,
    startedAt: startedAt.toISOString(),
  };
}

async function addRunProgress(runId: string, done: number, counts: Partial<RunCounts>, phase: string) {
  const db = await getDb();
  await db
    .update(syncRuns)
    .set({
      phase,
      progressDone: sql`${syncRuns.progressDone} + ${done}`,
      counts: sql`jsonb_build_object(
        'added', coalesce((${syncRuns.counts}->>'added')::int, 0) + ${counts.added ?? 0},
        'updated', coalesce((${syncRuns.counts}->>'updated')::int, 0) + ${counts.updated ?? 0},
        'deleted', coalesce((${syncRuns.counts}->>'deleted')::int, 0) + ${counts.deleted ?? 0},
        'skipped', coalesce((${syncRuns.counts}->>'skipped')::int, 0) + ${counts.skipped ?? 0},
        'conflicts', coalesce((${syncRuns.counts}->>'conflicts')::int, 0) + ${counts.conflicts ?? 0},
        'apiCalls', coalesce((${syncRuns.counts}->>'apiCalls')::int, 0) + ${counts.apiCalls ?? 0})`,
    })
    .where(eq(syncRuns.id, runId));
}

async function assertStillActive(syncId: string, signal?: AbortSignal) {
  if (signal?.aborted) throw new SyncError('uninstalled', 'The run was cancelled.');
  const db = await getDb();
  const [s] = await db.select({ status: contactSyncs.status }).from(contactSyncs).where(eq(contactSyncs.id, syncId));
  if (!s || s.status === 'disabled') throw new SyncError('uninstalled', 'The connection was disconnected or the app uninstalled.');
}

export async function runContactSyncJob(step: StepTools, data: ContactSyncEventData, opts: JobOptions = {}) {
  const begin = await step.run('begin', () => beginRun(data, opts.attempt ?? 1));
  if (!begin.runId) return { status: 'skipped' as const, reason: begin.reason };
  const runId = begin.runId;
  const sweepId = begin.sweepId ?? null;
  const updatedSince = begin.updatedSince ?? null;
  const exports = begin.direction === 'crm_to_provider' || begin.direction === 'two_way';
  const imports = begin.direction === 'provider_to_crm' || begin.direction === 'two_way';

  try {
    if (imports) {
      // Provider → CRM first in two-way, so a provider edit is merged before the CRM sweep looks at it.
      let pageCursor: string | null = null;
      let n = 0;
      let importPaused = false;
      do {
        await assertStillActive(data.syncId, opts.signal);
        const r: { nextPageCursor: string | null; processed: number; counts: Partial<RunCounts>; apiCalls: number; paused?: boolean } = await step.run(`import-page-${n}`, async () => {
          const counter = { count: 0 };
          const ctx = await loadSyncContext(data.syncId, counter);
          const result = await runImportPass(ctx, { runId, pageCursor });
          await addRunProgress(runId, result.processed, { ...result.counts, apiCalls: counter.count }, 'Reading changes from the provider');
          return { ...result, apiCalls: counter.count };
        });
        pageCursor = r.nextPageCursor;
        importPaused = importPaused || !!r.paused;
        n++;
      } while (pageCursor);
      // B3: the mass-delete brake tripped on provider deletes: stop here and wait for the user's answer.
      if (importPaused) return await step.run('finish', () => finishRun(data.syncId, runId, 'paused', { full: false, exported: false, startedAt: begin.startedAt! }));
    }

    if (exports) {
      const groupId = await step.run('prepare', async () => {
        const counter = { count: 0 };
        const ctx = await loadSyncContext(data.syncId, counter);
        const id = ctx.sync.direction === 'crm_to_provider' ? await prepareExportGroup(ctx) : ctx.sync.groupId!;
        await recoverPendingCreates(ctx, id);
        await addRunProgress(runId, 0, { apiCalls: counter.count }, 'Preparing');
        return id;
      });

      let cursor = begin.sweepCursor ?? null;
      let page = 0;
      do {
        await assertStillActive(data.syncId, opts.signal);
        const r = await step.run(`export-page-${page}`, async () => {
          const counter = { count: 0 };
          const ctx = await loadSyncContext(data.syncId, counter);
          const res = await exportPage(ctx, { runId, sweepId, groupId, cursor, updatedSince });
          await addRunProgress(runId, res.processed, { added: res.added, updated: res.updated, skipped: res.skipped, apiCalls: counter.count }, 'Sending CRM changes');
          const db = await getDb();
          await db.update(contactSyncs).set({ ...(sweepId ? { sweepCursor: res.nextCursor } : {}), stageStartedAt: new Date() }).where(eq(contactSyncs.id, data.syncId));
          return { nextCursor: res.nextCursor };
        });
        cursor = r.nextCursor;
        page++;
      } while (cursor);

      // Deletes and lost ownership are only visible in a complete listing: incremental passes stop here.
      if (!sweepId) return await step.run('finish', () => finishRun(data.syncId, runId, 'succeeded', { full: false, exported: true, startedAt: begin.startedAt! }));

      const outcome = await step.run('reconcile-deletes', async () => {
        const counter = { count: 0 };
        const ctx = await loadSyncContext(data.syncId, counter);
        const { gone, linked } = await planExportDeletes(ctx, sweepId);
        // One-way export removes only contacts it created; two-way mirrors every CRM delete of a linked pair.
        const twoWay = ctx.sync.direction === 'two_way';
        const removable = gone.filter((g) => g.remoteId && (twoWay || g.createdBy === 'sync_to_provider'));
        if (removable.length && data.trigger !== 'confirm' && shouldPauseDeletes(removable.length, linked, env().deleteBrake)) {
          await ctx.db
            .update(contactSyncs)
            .set({ status: 'paused_deletes', pendingDeletes: [{ side: 'provider', ids: gone.map((g) => g.id) }], updatedAt: new Date() })
            .where(eq(contactSyncs.id, data.syncId));
          return { paused: true, deleted: 0, pending: removable.length };
        }
        const r = await applyExportDeletes(ctx, runId, gone.map((g) => g.id), twoWay);
        await addRunProgress(runId, 0, { deleted: r.deleted, apiCalls: counter.count }, 'Removing deleted contacts');
        return { paused: false, deleted: r.deleted, pending: 0 };
      });

      return await step.run('finish', () => finishRun(data.syncId, runId, outcome.paused ? 'paused' : 'succeeded', { full: true, exported: true, startedAt: begin.startedAt! }));
    }
    return await step.run('finish', () => finishRun(data.syncId, runId, 'succeeded', { full: false, exported: false, startedAt: begin.startedAt! }));
  } catch (error) {
    const e = toSyncError(error);
    if (e.code === 'rate_limited') throw new RetryLaterError(e.message, e.options.retryAfterMs ?? 30_000);
    throw e;
  }
}

/** `pass.exported`: the CRM listing ran to its end in this run, so the watermark may advance. */
async function finishRun(syncId: string, runId: string, status: 'succeeded' | 'paused', pass: { full: boolean; exported: boolean; startedAt: string }) {
  const db = await getDb();
  const now = new Date();
  const [run] = await db
    .update(syncRuns)
    .set({ status, finishedAt: now, phase: status === 'paused' ? 'Waiting for you to confirm deletes' : 'Done' })
    .where(eq(syncRuns.id, runId))
    .returning();
  // A big first sync leaves the planner's statistics stale, and it then scans every link of the sync per
  // page (docs/BENCHMARKS.md). Refresh them when a run changed many rows; autovacuum is too slow to notice.
  const changed = (run?.counts.added ?? 0) + (run?.counts.updated ?? 0) + (run?.counts.deleted ?? 0);
  if (changed >= 1000) await db.execute(sql`analyze contact_links`).catch(() => undefined);
  await db
    .update(contactSyncs)
    .set({
      stage: 'idle',
      stageStartedAt: null,
      sweepId: null,
      sweepCursor: null,
      // The next incremental pass lists everything changed since this pass began (minus the overlap).
      ...(pass.exported ? { crmCursor: new Date(Date.parse(pass.startedAt) - WATERMARK_OVERLAP_MS).toISOString().replace(/\.\d{3}Z$/, 'Z') } : {}),
      ...(pass.full && pass.exported ? { crmTotal: run?.progressDone ?? null, lastFullSweepAt: new Date(pass.startedAt), firstSweepDone: true } : {}),
      consecutiveFailures: 0,
      lastErrorCode: null,
      lastErrorMessage: null,
      lastSuccessAt: now,
      nextRunAt: new Date(now.getTime() + HOURLY_INTERVAL_MS),
      ...(status === 'succeeded' ? { status: 'active' as const, pendingDeletes: null } : {}),
      updatedAt: now,
    })
    .where(eq(contactSyncs.id, syncId));
  return { status, runId, counts: run?.counts };
}

/** Records a failed run on the connection's state machine (error code → user-facing status). */
export async function recordRunFailure(data: ContactSyncEventData, error: unknown) {
  const e = toSyncError(error instanceof RetryLaterError ? new SyncError('rate_limited', error.message, { retryAfterMs: error.retryAfterMs }) : error);
  const db = await getDb();
  const now = new Date();
  const [running] = await db
    .select({ id: syncRuns.id })
    .from(syncRuns)
    .where(and(eq(syncRuns.syncId, data.syncId), inArray(syncRuns.status, ['queued', 'running'])))
    .orderBy(desc(syncRuns.queuedAt))
    .limit(1);
  if (running)
    await db
      .update(syncRuns)
      .set({ status: e.code === 'uninstalled' ? 'cancelled' : 'failed', errorCode: e.code, errorMessage: e.message, finishedAt: now })
      .where(eq(syncRuns.id, running.id));
  const status = e.action === 'reconnect' ? 'needs_reconnect' : e.code === 'uninstalled' ? undefined : e.action === 'stop' ? 'error' : undefined;
  await db
    .update(contactSyncs)
    .set({
      stage: 'idle',
      stageStartedAt: null,
      consecutiveFailures: sql`${contactSyncs.consecutiveFailures} + 1`,
      lastErrorCode: e.code,
      lastErrorMessage: `${e.message} ${ERROR_CODES[e.code].message}`.trim(),
      nextRunAt: new Date(now.getTime() + HOURLY_INTERVAL_MS),
      // B10: a connection that keeps failing (even on errors we retry) shows the `error` state with the
      // last message instead of retrying silently forever; the next successful run sets it active again.
      ...(status
        ? { status }
        : e.code !== 'uninstalled'
          ? { status: sql`case when ${contactSyncs.consecutiveFailures} + 1 >= ${FAILING_AFTER_RUNS} and ${contactSyncs.status} = 'active' then 'error' else ${contactSyncs.status} end` }
          : {}),
      updatedAt: now,
    })
    .where(and(eq(contactSyncs.id, data.syncId), sql`${contactSyncs.status} <> 'disabled'`));
}

/** Connections due for their hourly run (C16). */
export async function listSyncsForHourlyRun(now = new Date()) {
  const db = await getDb();
  const rows = await db
    .select({ syncId: contactSyncs.id, installationId: contactSyncs.installationId, provider: contactSyncs.provider })
    .from(contactSyncs)
    .where(
      and(
        isNotNull(contactSyncs.startedAt),
        inArray(contactSyncs.status, ['active', 'error']),
        eq(contactSyncs.stage, 'idle'),
        or(sql`${contactSyncs.nextRunAt} is null`, lt(contactSyncs.nextRunAt, now)),
      ),
    );
  return rows;
}

/** Watchdog: runs stuck in `running` longer than STUCK_RUN_MS (and not running here) are reset. */
export async function resetStuckSyncs(runningHere: string[]) {
  const db = await getDb();
  const cutoff = new Date(Date.now() - STUCK_RUN_MS);
  const conds = [eq(contactSyncs.stage, 'running'), lt(contactSyncs.stageStartedAt, cutoff)];
  if (runningHere.length) conds.push(notInArray(contactSyncs.id, runningHere));
  const stuck = await db.update(contactSyncs).set({ stage: 'idle', stageStartedAt: null, lastErrorCode: 'temporary', lastErrorMessage: 'A run stopped responding and was reset; the next run resumes where it left off.' }).where(and(...conds)).returning({ id: contactSyncs.id });
  if (stuck.length)
    await db
      .update(syncRuns)
      .set({ status: 'failed', errorCode: 'temporary', errorMessage: 'Run stopped responding (watchdog).', finishedAt: new Date() })
      .where(and(inArray(syncRuns.syncId, stuck.map((s) => s.id)), eq(syncRuns.status, 'running')));
  return stuck.length;
}
