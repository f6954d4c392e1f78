/**
 * The files run body (F3–F9, B3): every synced record folder of the connection, one step each. Deletes
 * are held on the first pass and counted; when the run's total trips the brake (B3) the run pauses and
 * asks, otherwise the folders with deletes are planned again and applied with them. A Dropbox change
 * that reached the CRM asks the other connections syncing the same record to run (F5).
 */
import { and, eq, inArray, ne, sql } from 'drizzle-orm';
import { fileSyncs, recordFileLeases, recordFolders, syncConnections } from '@/db/schema';
import { SyncError } from '@/lib/errors';
import { getDb } from '@/db/client';
import { jobQueue } from '@/lib/jobs/queue';
import type { RunContext, RunOutcome } from '@/lib/sync/runtime/pillar';
import { applyRecordFolder, gatherAndPlan, type FolderOutcome } from './apply';
import { loadFilesContext } from './context';
import { mayTakeShortcut } from './quiet';
import { planDeleteBrake, type FileAction } from './plan';
import { filesRunRequest, type FilesRunRequest } from './requests';
import type { ApiCallCounter } from '@/lib/crm/http';

async function folderIds(request: FilesRunRequest): Promise<string[]> {
  const db = await getDb();
  const rows = await db
    .select({ id: recordFolders.id })
    .from(recordFolders)
    .where(and(eq(recordFolders.connectionId, request.connectionId), request.recordFolderIds?.length ? inArray(recordFolders.id, request.recordFolderIds) : undefined))
    .orderBy(recordFolders.createdAt);
  return rows.map((r) => r.id);
}

/** F5: other users' connections syncing this record check it now (their Dropbox gets the change). */
async function fanOutToOtherAccounts(folder: typeof recordFolders.$inferSelect): Promise<void> {
  const db = await getDb();
  const others = await db
    .select({ folderId: recordFolders.id, id: fileSyncs.id, installationId: fileSyncs.installationId, crmUserId: fileSyncs.crmUserId })
    .from(recordFolders)
    .innerJoin(fileSyncs, eq(fileSyncs.id, recordFolders.connectionId))
    .innerJoin(syncConnections, eq(syncConnections.id, fileSyncs.id))
    .where(
      and(
        eq(recordFolders.installationId, folder.installationId),
        eq(recordFolders.crmModule, folder.crmModule),
        eq(recordFolders.recordId, folder.recordId),
        ne(recordFolders.connectionId, folder.connectionId),
        eq(syncConnections.status, 'active'),
      ),
    );
  if (others.length) await jobQueue().request(others.map((o) => filesRunRequest(o, 'webhook', [o.folderId])));
}

/** How long one record's lease lasts: well above a folder pass, below the watchdog's stuck-run limit. */
const RECORD_LEASE_MS = 10 * 60 * 1000;
const LEASE_WAIT_MS = 30_000;

/**
 * Serializes work on one record across connections (the shared links are read-modify-write, F5). Waits
 * a little for another user's run; past that the step fails `temporary` and the retry policy tries again.
 */
async function withRecordLease<T>(folder: typeof recordFolders.$inferSelect, holder: string, fn: () => Promise<T>): Promise<T> {
  const db = await getDb();
  const key = { installationId: folder.installationId, crmModule: folder.crmModule, recordId: folder.recordId };
  const deadline = Date.now() + LEASE_WAIT_MS;
  for (;;) {
    const expiresAt = new Date(Date.now() + RECORD_LEASE_MS);
    const got = await db
      .insert(recordFileLeases)
      .values({ ...key, holder, expiresAt })
      .onConflictDoUpdate({
        target: [recordFileLeases.installationId, recordFileLeases.crmModule, recordFileLeases.recordId],
        set: { holder, expiresAt },
        setWhere: sql`${recordFileLeases.expiresAt} < now() or ${recordFileLeases.holder} = ${holder}`,
      })
      .returning({ holder: recordFileLeases.holder });
    if (got.length) break;
    if (Date.now() > deadline) throw new SyncError('temporary', 'Another sync is working on this record; trying again shortly.');
    await new Promise((r) => setTimeout(r, 500));
  }
  try {
    return await fn();
  } finally {
    await db
      .delete(recordFileLeases)
      .where(and(eq(recordFileLeases.installationId, key.installationId), eq(recordFileLeases.crmModule, key.crmModule), eq(recordFileLeases.recordId, key.recordId), eq(recordFileLeases.holder, holder)));
  }
}

async function syncFolder(ctx: RunContext<FilesRunRequest>, id: string, allowDeletes: boolean, done: number): Promise<FolderOutcome | null> {
  const counter: ApiCallCounter = { count: 0 };
  const files = await loadFilesContext(ctx.request.connectionId, counter);
  const [folder] = await files.db.select().from(recordFolders).where(eq(recordFolders.id, id));
  if (!folder) return null;
  const outcome = await withRecordLease(folder, `${ctx.runId}:${folder.id}`, async () => {
    const planned = await gatherAndPlan(files, folder, undefined, { shortcut: !allowDeletes && mayTakeShortcut(folder, ctx.request.trigger) });
    return applyRecordFolder(files, folder, planned, { runId: ctx.runId, allowDeletes });
  });
  if (outcome.crmChanged) await fanOutToOtherAccounts(folder);
  const { added, updated, deleted, skipped, conflicts } = outcome;
  await ctx.progress(done, { added, updated, deleted, skipped, conflicts, apiCalls: counter.count }, allowDeletes ? 'removing_deleted' : 'sending_crm_changes');
  await ctx.heartbeat();
  return outcome;
}

export async function runFilesSync(ctx: RunContext<FilesRunRequest>): Promise<RunOutcome> {
  const { step, request } = ctx;
  const ids = await step.run('load', () => folderIds(request));
  await ctx.setTotal(ids.length);
  // After the user confirmed deletes (B3), one pass applies everything.
  const confirmed = request.trigger === 'confirm';

  const withDeletes: string[] = [];
  let deletes = 0;
  let linked = 0;
  for (const [i, id] of ids.entries()) {
    await ctx.assertActive();
    const r = await step.run(`folder-${i}`, async () => {
      const o = await syncFolder(ctx, id, confirmed, 1);
      return { deletes: o?.deletes ?? 0, linked: o?.linked ?? 0 };
    });
    deletes += r.deletes;
    linked += r.linked;
    if (r.deletes > 0) withDeletes.push(id);
  }
  if (confirmed || !withDeletes.length) return { status: 'succeeded' };

  const brake = planDeleteBrake(Array.from({ length: deletes }, () => ({ type: 'dropbox.delete' }) as FileAction), { linked });
  if (brake.shouldPause) {
    await ctx.pauseForDeletes([{ side: 'provider', ids: withDeletes }]);
    return { status: 'paused' };
  }
  for (const [i, id] of withDeletes.entries()) {
    await ctx.assertActive();
    await step.run(`deletes-${i}`, async () => {
      await syncFolder(ctx, id, true, 0);
      return null;
    });
  }
  return { status: 'succeeded' };
}
