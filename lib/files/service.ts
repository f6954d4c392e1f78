/**
 * The files pillar's user-facing operations (F2, F3, F7, B4): choose a record to sync, stop syncing it,
 * and the dashboard data. Everything is scoped to the verified tenant; a record is checked against the
 * CRM (it must exist and its module must sync files) before a folder is planned for it.
 */
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { fileLinks, fileSyncs, providerAccounts, recordFolders, syncConnections, syncRuns } from '@/db/schema';
import { crmClientFor } from '@/lib/crm';
import { ensureRecordWebhook } from '@/lib/crm/webhooks';
import type { CrmRecordModule } from '@/lib/crm/port';
import { SyncError } from '@/lib/errors';
import { jobQueue } from '@/lib/jobs/queue';
import { recentActivity } from '@/lib/sync/runtime/activity';
import { loadFilesContext, syncableModules } from '@/lib/sync/files/context';
import { gatherAndPlan } from '@/lib/sync/files/apply';
import { requestRunNow, resumeAfterDeletes } from '@/lib/sync/runtime/connections';
import { filesRunRequest } from '@/lib/sync/files/requests';
import type { Tenant } from '@/lib/tenant';

export { recordIdFromInput } from './record-input';

type TenantRef = Pick<Tenant, 'installationId' | 'crmUserId' | 'crm' | 'apiDomain'>;

/** The user's live files connection (one per linked Dropbox account; the newest when several). */
export async function ownFilesConnection(tenant: Pick<Tenant, 'installationId' | 'crmUserId'>) {
  const db = await getDb();
  const [row] = await db
    .select({ settings: fileSyncs, connection: syncConnections, account: providerAccounts })
    .from(fileSyncs)
    .innerJoin(syncConnections, eq(syncConnections.id, fileSyncs.id))
    .innerJoin(providerAccounts, eq(providerAccounts.id, fileSyncs.providerAccountId))
    .where(and(eq(fileSyncs.installationId, tenant.installationId), eq(fileSyncs.crmUserId, tenant.crmUserId), eq(providerAccounts.status, 'connected')))
    .orderBy(desc(fileSyncs.createdAt))
    .limit(1);
  return row ?? null;
}

/**
 * F3: start syncing a record's files. The record folder `<Module>/<Record name> (<id>)` is created by the
 * run requested here, at once, even when the record has no files. Idempotent.
 */
export async function syncRecordFiles(tenant: TenantRef, input: { module: string; recordId: string }): Promise<{ recordFolderId: string; connectionId: string }> {
  if (!syncableModules(tenant.crm).includes(input.module as CrmRecordModule)) throw new SyncError('validation', `Files of ${input.module} records do not sync.`);
  const own = await ownFilesConnection(tenant);
  if (!own || own.connection.status === 'disabled') throw new SyncError('not_found', 'Link a Dropbox account first.');
  const crm = crmClientFor({ id: tenant.crmUserId, crm: tenant.crm, apiDomain: tenant.apiDomain });
  const record = await crm.files.getRecordRef(input.module as CrmRecordModule, input.recordId);
  if (!record) throw new SyncError('not_found', 'That record does not exist (any more).');
  const db = await getDb();
  await db
    .insert(recordFolders)
    .values({ installationId: tenant.installationId, connectionId: own.settings.id, crmModule: input.module, recordId: record.id, recordName: record.name })
    .onConflictDoNothing();
  const [folder] = await db
    .select({ id: recordFolders.id })
    .from(recordFolders)
    .where(and(eq(recordFolders.connectionId, own.settings.id), eq(recordFolders.crmModule, input.module), eq(recordFolders.recordId, record.id)));
  // F8: CRMs send no file events; the record's own change webhooks are the cue to check its files. Without the
  // rights to register them (non-admins on Pipedrive) the record syncs hourly and on Refresh; the reason is kept.
  await ensureRecordWebhook({ crm: tenant.crm, crmUserId: tenant.crmUserId, apiDomain: tenant.apiDomain }, [input.module as CrmRecordModule]).catch(() => undefined);
  await jobQueue().request([filesRunRequest(own.settings, 'start', [folder!.id])]);
  return { recordFolderId: folder!.id, connectionId: own.settings.id };
}

/** Stop syncing a record: the folder and every file stay on both sides (F7); only our bookkeeping row goes. */
export async function stopRecordFiles(tenant: Pick<Tenant, 'installationId' | 'crmUserId'>, recordFolderId: string): Promise<void> {
  const own = await ownFilesConnection(tenant);
  if (!own) throw new SyncError('not_found', 'No files connection.');
  const db = await getDb();
  await db.delete(recordFolders).where(and(eq(recordFolders.id, recordFolderId), eq(recordFolders.connectionId, own.settings.id)));
}

/** Whether this record syncs for the user (record panel button state). */
export async function recordFilesStatus(tenant: Pick<Tenant, 'installationId' | 'crmUserId'>, module: string, recordId: string) {
  const own = await ownFilesConnection(tenant);
  if (!own) return { linked: false as const };
  const db = await getDb();
  const [folder] = await db
    .select()
    .from(recordFolders)
    .where(and(eq(recordFolders.connectionId, own.settings.id), eq(recordFolders.crmModule, module), eq(recordFolders.recordId, recordId)));
  return { linked: true as const, syncing: !!folder, path: folder?.pathDisplay ?? null, recordFolderId: folder?.id ?? null };
}

/**
 * F2 on Teamleader (no record panel): records of a module to choose from, matching a search term (the CRM's
 * own `<module>.list` filter), each saying whether its files already sync for this user.
 */
export async function searchFileRecords(tenant: TenantRef, input: { module: string; term: string }) {
  const own = await ownFilesConnection(tenant);
  if (!own || own.connection.status === 'disabled') throw new SyncError('not_found', 'Link a Dropbox account first.');
  const crm = crmClientFor({ id: tenant.crmUserId, crm: tenant.crm, apiDomain: tenant.apiDomain });
  const module = input.module as CrmRecordModule;
  if (!crm.files.searchableModules.includes(module)) throw new SyncError('validation', `Records of this kind are added by link or id.`);
  const found = await crm.files.searchRecords(module, input.term, 20);
  const db = await getDb();
  const synced = found.length
    ? new Set(
        (
          await db
            .select({ recordId: recordFolders.recordId })
            .from(recordFolders)
            .where(and(eq(recordFolders.connectionId, own.settings.id), eq(recordFolders.crmModule, module), inArray(recordFolders.recordId, found.map((r) => r.id))))
        ).map((r) => r.recordId),
      )
    : new Set<string>();
  return { records: found.map((r) => ({ ...r, synced: synced.has(r.id) })) };
}

/** Dashboard data for the settings section (F8, B4). */
export async function filesOverview(tenant: TenantRef) {
  const own = await ownFilesConnection(tenant);
  if (!own) return { linked: false as const, modules: syncableModules(tenant.crm) };
  const db = await getDb();
  const folders = await db.select().from(recordFolders).where(eq(recordFolders.connectionId, own.settings.id)).orderBy(recordFolders.crmModule, recordFolders.recordName);
  const files = await db.select({ accounts: fileLinks.accounts }).from(fileLinks).where(eq(fileLinks.installationId, tenant.installationId));
  const fileCount = files.filter((f) => f.accounts[own.account.id] && !f.accounts[own.account.id]!.deletedInDropbox).length;
  const [run] = await db.select().from(syncRuns).where(eq(syncRuns.connectionId, own.settings.id)).orderBy(desc(syncRuns.queuedAt)).limit(1);
  return {
    linked: true as const,
    modules: syncableModules(tenant.crm),
    connection: { id: own.settings.id, status: own.connection.status, stage: own.connection.stage, lastSuccessAt: own.connection.lastSuccessAt, pendingDeletes: own.connection.pendingDeletes, lastErrorCode: own.connection.lastErrorCode },
    account: { email: own.account.email, displayName: own.account.displayName },
    records: folders.map((f) => ({ id: f.id, module: f.crmModule, recordId: f.recordId, name: f.recordName, path: f.pathDisplay, lastSyncedAt: f.lastSyncedAt })),
    searchableModules: crmClientFor({ id: tenant.crmUserId, crm: tenant.crm, apiDomain: tenant.apiDomain }).files.searchableModules,
    files: fileCount,
    run: run ?? null,
    activity: await recentActivity(own.settings.id, ['added', 'updated', 'deleted', 'conflict', 'restored']),
    skipped: await recentActivity(own.settings.id, ['skipped']),
  };
}

/** Refresh: run now (or once more after the running one). */
export async function refreshFiles(tenant: Pick<Tenant, 'installationId' | 'crmUserId'>): Promise<{ alreadyRunning: boolean }> {
  const own = await ownFilesConnection(tenant);
  if (!own || own.connection.status !== 'active') throw new SyncError('not_found', 'No active files connection.');
  const result = await requestRunNow(own.settings.id);
  await jobQueue().request([filesRunRequest(own.settings, 'refresh')]);
  return result;
}

/**
 * B3 answer. Approve: a `confirm` run applies the held deletes. Keep everything: this Dropbox's copies of
 * the files removed from the CRM stop being that CRM file's copies, so the next run treats them as files
 * added in Dropbox and brings them back to the CRM (nothing is deleted anywhere).
 */
export async function answerFileDeletes(tenant: Pick<Tenant, 'installationId' | 'crmUserId'>, approve: boolean): Promise<void> {
  const own = await ownFilesConnection(tenant);
  if (!own || own.connection.status !== 'paused_deletes') throw new SyncError('not_found', 'No deletes are waiting for an answer.');
  const id = own.settings.id;
  if (approve) {
    await resumeAfterDeletes(id, true);
    await jobQueue().request([filesRunRequest(own.settings, 'confirm')]);
    return;
  }
  const folderIds = (own.connection.pendingDeletes ?? []).flatMap((p) => p.ids);
  const ctx = await loadFilesContext(id);
  for (const folderId of folderIds) {
    const [folder] = await ctx.db.select().from(recordFolders).where(and(eq(recordFolders.id, folderId), eq(recordFolders.connectionId, id)));
    if (!folder) continue;
    const planned = await gatherAndPlan(ctx, folder);
    for (const action of planned.actions) {
      if (action.type !== 'dropbox.delete') continue;
      await ctx.db
        .update(fileLinks)
        .set({ accounts: sql`${fileLinks.accounts} - ${ctx.accountKey}::text`, updatedAt: new Date() })
        .where(and(eq(fileLinks.installationId, ctx.installationId), eq(fileLinks.crmModule, folder.crmModule), eq(fileLinks.recordId, folder.recordId), eq(fileLinks.linkId, action.linkId)));
    }
  }
  await resumeAfterDeletes(id, false);
  await jobQueue().request([filesRunRequest(own.settings, 'refresh')]);
}
