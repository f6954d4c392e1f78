/**
 * The connection state machine (ARCHITECTURE §7) and its named transitions. This module is the only code
 * that writes sync_connections' status, stage, failures, errors, run times and pending deletes; pillars and
 * routes call these transitions instead (the shape of Twenty's channel sync-status service).
 *
 *   draft ──activate──▶ active ──pauseForDeletes──▶ paused_deletes ──resumeAfterDeletes──▶ active
 *     active/error ──markNeedsReconnect──▶ needs_reconnect ──markReconnected──▶ active
 *     any ──disable──▶ disabled (final: unlink, stop, uninstall)
 *   stage: idle ──markRunning──▶ running ──markRunSucceeded / markRunFailed / resetStuckRuns──▶ idle
 */
import { and, eq, inArray, isNotNull, lt, notInArray, or, sql, type SQL } from 'drizzle-orm';
import { getDb, type Db } from '@/db/client';
import { syncConnections, syncRuns } from '@/db/schema';
import type { ErrorCode } from '@/lib/errors';
import { statusAfterFinalError } from './retry-policy';

export type Connection = typeof syncConnections.$inferSelect;
export type ConnectionStatus = Connection['status'];
export type PendingDeletes = NonNullable<Connection['pendingDeletes']>;

export const HOURLY_INTERVAL_MS = 60 * 60 * 1000;
/** A run whose stage started longer ago than this and is not running in this process is reset by the watchdog. */
export const STUCK_RUN_MS = 15 * 60 * 1000;

const now = () => new Date();

export async function loadConnection(id: string, db?: Db): Promise<Connection | null> {
  const d = db ?? (await getDb());
  const [row] = await d.select().from(syncConnections).where(eq(syncConnections.id, id));
  return row ?? null;
}

/** A new connection (status `draft`): the pillar stores its settings under the returned id. */
/** `id` lets a pillar choose its connection's id (contacts: one that names its owner); random otherwise. */
export async function createConnection(input: { id?: string; installationId: string; crmUserId: string; kind: string; accountIds: string[] }, db?: Db): Promise<string> {
  const d = db ?? (await getDb());
  const [row] = await d.insert(syncConnections).values({ ...input, status: 'draft' }).returning({ id: syncConnections.id });
  return row!.id;
}

/** Start (or restart) syncing: the first run is due at once. */
export async function activate(id: string, db?: Db): Promise<void> {
  const d = db ?? (await getDb());
  const at = now();
  await d
    .update(syncConnections)
    .set({ status: 'active', startedAt: at, nextRunAt: at, pendingDeletes: null, consecutiveFailures: 0, lastErrorCode: null, lastErrorMessage: null, updatedAt: at })
    .where(eq(syncConnections.id, id));
}

/** Refresh: the next run is due now. Says whether a run is already going (the runner then runs once more after it). */
export async function requestRunNow(id: string): Promise<{ alreadyRunning: boolean }> {
  const db = await getDb();
  const [c] = await db.select({ stage: syncConnections.stage }).from(syncConnections).where(eq(syncConnections.id, id));
  if (c?.stage === 'running') return { alreadyRunning: true };
  await db.update(syncConnections).set({ nextRunAt: now(), updatedAt: now() }).where(eq(syncConnections.id, id));
  return { alreadyRunning: false };
}

export async function markRunning(id: string, at = now()): Promise<void> {
  const db = await getDb();
  await db.update(syncConnections).set({ stage: 'running', stageStartedAt: at, lastRunAt: at, updatedAt: at }).where(eq(syncConnections.id, id));
}

/** A heartbeat from a long run, so the watchdog leaves it alone. */
export async function touchRunning(id: string): Promise<void> {
  const db = await getDb();
  await db.update(syncConnections).set({ stageStartedAt: now() }).where(and(eq(syncConnections.id, id), eq(syncConnections.stage, 'running')));
}

/** A run ended well (or paused for the user's answer on deletes, which is not a failure). */
export async function markRunSucceeded(id: string, outcome: 'succeeded' | 'paused'): Promise<void> {
  const db = await getDb();
  const at = now();
  await db
    .update(syncConnections)
    .set({
      stage: 'idle',
      stageStartedAt: null,
      consecutiveFailures: 0,
      lastErrorCode: null,
      lastErrorMessage: null,
      lastSuccessAt: at,
      nextRunAt: new Date(at.getTime() + HOURLY_INTERVAL_MS),
      // A paused run keeps `paused_deletes` (set by pauseForDeletes); a finished one is active again.
      ...(outcome === 'succeeded' ? { status: sql`case when ${syncConnections.status} in ('error', 'paused_deletes') then 'active' else ${syncConnections.status} end`, pendingDeletes: null } : {}),
      updatedAt: at,
    })
    .where(and(eq(syncConnections.id, id), sql`${syncConnections.status} <> 'disabled'`));
}

/** A run failed for good: count it, remember why, and let the policy decide what the user sees. */
export async function markRunFailed(id: string, code: ErrorCode, detail: string): Promise<void> {
  const db = await getDb();
  const at = now();
  const [c] = await db
    .update(syncConnections)
    .set({
      stage: 'idle',
      stageStartedAt: null,
      consecutiveFailures: sql`${syncConnections.consecutiveFailures} + 1`,
      lastErrorCode: code,
      lastErrorMessage: detail.slice(0, 2000),
      nextRunAt: new Date(at.getTime() + HOURLY_INTERVAL_MS),
      updatedAt: at,
    })
    .where(and(eq(syncConnections.id, id), sql`${syncConnections.status} <> 'disabled'`))
    .returning({ failures: syncConnections.consecutiveFailures, status: syncConnections.status });
  if (!c) return;
  const status = statusAfterFinalError(code, c.failures);
  // needs_reconnect and paused_deletes wait for the user; they are not overwritten by a generic error.
  if (status && !(status === 'error' && (c.status === 'paused_deletes' || c.status === 'needs_reconnect')))
    await db.update(syncConnections).set({ status }).where(eq(syncConnections.id, id));
}

/** B3: the mass-delete brake tripped — wait for the user's answer. */
export async function pauseForDeletes(id: string, pending: PendingDeletes, db?: Db): Promise<void> {
  const d = db ?? (await getDb());
  await d.update(syncConnections).set({ status: 'paused_deletes', pendingDeletes: pending, updatedAt: now() }).where(eq(syncConnections.id, id));
}

/** B3: the user answered. Approve keeps the pending list for the confirming run; keep clears it. */
export async function resumeAfterDeletes(id: string, approved: boolean, db?: Db): Promise<void> {
  const d = db ?? (await getDb());
  await d
    .update(syncConnections)
    .set({ status: 'active', ...(approved ? {} : { pendingDeletes: null }), updatedAt: now() })
    .where(eq(syncConnections.id, id));
}

function ownedBy(filter: { accountId?: string; crmUserId?: string; ids?: string[] }): SQL {
  const conds: SQL[] = [];
  if (filter.accountId) conds.push(sql`${filter.accountId}::uuid = any(${syncConnections.accountIds})`);
  if (filter.crmUserId) conds.push(eq(syncConnections.crmUserId, filter.crmUserId));
  if (filter.ids) conds.push(filter.ids.length ? inArray(syncConnections.id, filter.ids) : sql`false`);
  if (!conds.length) throw new Error('connection filter is empty');
  return and(...conds)!;
}

/** R2: a revoked grant pauses the connections that use it; nothing is deleted. */
export async function markNeedsReconnect(filter: { accountId?: string; crmUserId?: string }, detail: string, db?: Db): Promise<string[]> {
  const d = db ?? (await getDb());
  const rows = await d
    .update(syncConnections)
    .set({ status: 'needs_reconnect', lastErrorCode: 'auth_revoked', lastErrorMessage: detail.slice(0, 2000), updatedAt: now() })
    .where(and(ownedBy(filter), sql`${syncConnections.status} not in ('disabled', 'draft')`))
    .returning({ id: syncConnections.id });
  return rows.map((r) => r.id);
}

/** The account or CRM user was authorized again: its paused, started connections resume at once. */
export async function markReconnected(filter: { accountId?: string; crmUserId?: string }, db?: Db): Promise<string[]> {
  const d = db ?? (await getDb());
  const rows = await d
    .update(syncConnections)
    .set({ status: 'active', consecutiveFailures: 0, lastErrorCode: null, lastErrorMessage: null, nextRunAt: now(), updatedAt: now() })
    .where(and(ownedBy(filter), eq(syncConnections.status, 'needs_reconnect'), isNotNull(syncConnections.startedAt)))
    .returning({ id: syncConnections.id });
  return rows.map((r) => r.id);
}

/** Stop for good (unlink, stop, uninstall). Data on both sides stays where it is (F7, M5). */
export async function disable(filter: { accountId?: string; crmUserId?: string; ids?: string[] }, db?: Db): Promise<string[]> {
  const d = db ?? (await getDb());
  const rows = await d
    .update(syncConnections)
    .set({ status: 'disabled', stage: 'idle', stageStartedAt: null, updatedAt: now() })
    .where(ownedBy(filter))
    .returning({ id: syncConnections.id });
  return rows.map((r) => r.id);
}

/** Connections due for their hourly run (C16, F8), any pillar. */
export async function listDueConnections(at = now()): Promise<Pick<Connection, 'id' | 'kind' | 'installationId' | 'crmUserId'>[]> {
  const db = await getDb();
  return db
    .select({ id: syncConnections.id, kind: syncConnections.kind, installationId: syncConnections.installationId, crmUserId: syncConnections.crmUserId })
    .from(syncConnections)
    .where(
      and(
        isNotNull(syncConnections.startedAt),
        inArray(syncConnections.status, ['active', 'error']),
        eq(syncConnections.stage, 'idle'),
        or(sql`${syncConnections.nextRunAt} is null`, lt(syncConnections.nextRunAt, at)),
      ),
    );
}

/**
 * One page of due connections in id order (keyset: `afterId` is the previous page's last id), so the hourly
 * fan-out holds one page in memory at a time however many connections there are.
 */
export async function listDueConnectionsPage(at: Date, afterId: string | null, limit: number): Promise<Pick<Connection, 'id' | 'kind' | 'installationId' | 'crmUserId'>[]> {
  const db = await getDb();
  return db
    .select({ id: syncConnections.id, kind: syncConnections.kind, installationId: syncConnections.installationId, crmUserId: syncConnections.crmUserId })
    .from(syncConnections)
    .where(
      and(
        isNotNull(syncConnections.startedAt),
        inArray(syncConnections.status, ['active', 'error']),
        eq(syncConnections.stage, 'idle'),
        or(sql`${syncConnections.nextRunAt} is null`, lt(syncConnections.nextRunAt, at)),
        afterId ? sql`${syncConnections.id} > ${afterId}` : undefined,
      ),
    )
    .orderBy(syncConnections.id)
    .limit(limit);
}

/** Watchdog: runs stuck in `running` longer than STUCK_RUN_MS (and not running in this process) are reset. */
export async function resetStuckRuns(runningHere: string[], at = now()): Promise<number> {
  const db = await getDb();
  const cutoff = new Date(at.getTime() - STUCK_RUN_MS);
  const conds = [eq(syncConnections.stage, 'running'), lt(syncConnections.stageStartedAt, cutoff)];
  if (runningHere.length) conds.push(notInArray(syncConnections.id, runningHere));
  const stuck = await db
    .update(syncConnections)
    .set({ stage: 'idle', stageStartedAt: null, lastErrorCode: 'temporary', lastErrorMessage: 'A run stopped responding and was reset; the next run resumes where it left off.' })
    .where(and(...conds))
    .returning({ id: syncConnections.id });
  if (stuck.length)
    await db
      .update(syncRuns)
      .set({ status: 'failed', errorCode: 'temporary', errorMessage: 'run_reset_by_watchdog', finishedAt: at })
      .where(and(inArray(syncRuns.connectionId, stuck.map((s) => s.id)), eq(syncRuns.status, 'running')));
  return stuck.length;
}

/** B3: approved deletes were applied; what is left of the confirmed list (or nothing). */
export async function settlePendingDeletes(id: string, rest: PendingDeletes | null, db?: Db): Promise<void> {
  const d = db ?? (await getDb());
  await d.update(syncConnections).set({ pendingDeletes: rest && rest.length ? rest : null, updatedAt: now() }).where(eq(syncConnections.id, id));
}
