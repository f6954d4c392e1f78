/**
 * Run bookkeeping (sync_runs): begin (or continue) a run, add progress as each page lands, finish, fail.
 * Counts are the same five for every pillar (added, updated, deleted, skipped, conflicts) plus API calls.
 */
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { syncRuns } from '@/db/schema';
import type { Phase } from './reasons';

export type RunCounts = { added: number; updated: number; deleted: number; skipped: number; conflicts: number; apiCalls?: number };
export type RunRow = typeof syncRuns.$inferSelect;

/** Opens a run row, or continues the one a retry or a crash left `running` (one history line per run). */
export async function openRun(input: { connectionId: string; installationId: string; kind: string; trigger: string; attempt: number; runId?: string }): Promise<string> {
  const db = await getDb();
  const startedAt = new Date();
  const [unfinished] = input.runId
    ? [{ id: input.runId }]
    : await db
        .select({ id: syncRuns.id })
        .from(syncRuns)
        .where(and(eq(syncRuns.connectionId, input.connectionId), eq(syncRuns.status, 'running')))
        .orderBy(desc(syncRuns.queuedAt))
        .limit(1);
  if (unfinished) {
    const [row] = await db.update(syncRuns).set({ status: 'running', startedAt, attempt: input.attempt }).where(eq(syncRuns.id, unfinished.id)).returning({ id: syncRuns.id });
    if (row) return row.id;
  }
  const [run] = await db
    .insert(syncRuns)
    .values({ installationId: input.installationId, connectionId: input.connectionId, kind: input.kind, trigger: input.trigger, status: 'running', startedAt, attempt: input.attempt, phase: 'starting' })
    .returning({ id: syncRuns.id });
  return run!.id;
}

/** The progress bar's total, when the pillar knows it (C13); null keeps an honest indeterminate bar. */
export async function setRunTotal(runId: string, total: number | null): Promise<void> {
  const db = await getDb();
  await db.update(syncRuns).set({ progressTotal: total }).where(eq(syncRuns.id, runId));
}

/** Adds one page's progress and counts, the moment it is done. */
export async function addRunProgress(runId: string, done: number, counts: Partial<RunCounts>, phase: Phase): Promise<void> {
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

export async function closeRun(runId: string, status: 'succeeded' | 'paused'): Promise<RunRow | null> {
  const db = await getDb();
  const [run] = await db
    .update(syncRuns)
    .set({ status, finishedAt: new Date(), phase: status === 'paused' ? 'waiting_for_deletes' : 'done' })
    .where(eq(syncRuns.id, runId))
    .returning();
  return run ?? null;
}

/** Marks the connection's open run failed (or cancelled); returns its id. */
export async function failOpenRun(connectionId: string, status: 'failed' | 'cancelled', code: string, detail: string): Promise<string | null> {
  const db = await getDb();
  const [open] = await db
    .select({ id: syncRuns.id })
    .from(syncRuns)
    .where(and(eq(syncRuns.connectionId, connectionId), inArray(syncRuns.status, ['queued', 'running'])))
    .orderBy(desc(syncRuns.queuedAt))
    .limit(1);
  if (!open) return null;
  await db.update(syncRuns).set({ status, errorCode: code, errorMessage: detail.slice(0, 2000), finishedAt: new Date() }).where(eq(syncRuns.id, open.id));
  return open.id;
}

export async function lastRuns(connectionId: string) {
  const db = await getDb();
  const [last] = await db.select().from(syncRuns).where(eq(syncRuns.connectionId, connectionId)).orderBy(desc(syncRuns.queuedAt)).limit(1);
  const [lastFinished] = await db
    .select()
    .from(syncRuns)
    .where(and(eq(syncRuns.connectionId, connectionId), inArray(syncRuns.status, ['succeeded', 'paused'])))
    .orderBy(desc(syncRuns.queuedAt))
    .limit(1);
  return { last: last ?? null, lastFinished: lastFinished ?? null };
}
