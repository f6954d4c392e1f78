/** The files pillar's registry entry: how the runtime runs, schedules, wakes and describes Dropbox file sync. */
import { and, eq, inArray, sql } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { fileSyncs, providerAccounts, recordFolders, syncConnections } from '@/db/schema';
import type { Pillar } from '@/lib/sync/runtime/pillar';
import { runFilesSync } from './run';
import { FILES_KIND, filesRunRequest, ZFilesRunRequest, type FilesRunRequest } from './requests';

/** Webhook entity names that differ from the CRM port's module names (Teamleader's current projects). */
const ENTITY_MODULE: Record<string, string> = { nextgenProject: 'project' };

export const filesPillar: Pillar<FilesRunRequest> = {
  kind: FILES_KIND,
  event: ZFilesRunRequest,
  // Dropbox counts calls per user and app; writes are the scarce part (providers.md), so stay well below.
  throttle: { limit: 60, period: '1m', burst: 10 },
  run: runFilesSync,

  async requestsFor(connections, trigger) {
    if (!connections.length) return [];
    const db = await getDb();
    const rows = await db.select({ id: fileSyncs.id }).from(fileSyncs).where(inArray(fileSyncs.id, connections.map((c) => c.id)));
    const known = new Set(rows.map((r) => r.id));
    return connections.filter((c) => known.has(c.id)).map((c) => filesRunRequest(c, trigger));
  },

  /**
   * CRMs send no file events: a change to a synced record (any user's edit, rename, note) is the cue to
   * check that record's files, for every connection of the company that syncs it.
   */
  async onCrmChange(change) {
    if (!change.recordId) return [];
    const db = await getDb();
    const rows = await db
      .select({ folderId: recordFolders.id, id: fileSyncs.id, installationId: fileSyncs.installationId, crmUserId: fileSyncs.crmUserId })
      .from(recordFolders)
      .innerJoin(fileSyncs, eq(fileSyncs.id, recordFolders.connectionId))
      .innerJoin(syncConnections, eq(syncConnections.id, fileSyncs.id))
      .where(
        and(
          eq(recordFolders.installationId, change.installationId),
          eq(recordFolders.crmModule, ENTITY_MODULE[change.entity] ?? change.entity),
          eq(recordFolders.recordId, change.recordId),
          eq(syncConnections.status, 'active'),
        ),
      );
    return rows.map((r) => filesRunRequest(r, 'webhook', [r.folderId]));
  },

  async describe(tenant) {
    const db = await getDb();
    const accounts = await db
      .select({ email: providerAccounts.email, status: providerAccounts.status })
      .from(providerAccounts)
      .where(and(eq(providerAccounts.installationId, tenant.installationId), eq(providerAccounts.crmUserId, tenant.crmUserId), eq(providerAccounts.provider, 'dropbox')));
    const [{ n }] = (await db
      .select({ n: sql<number>`count(*)::int` })
      .from(syncConnections)
      .where(and(eq(syncConnections.crmUserId, tenant.crmUserId), eq(syncConnections.kind, FILES_KIND), sql`${syncConnections.startedAt} is not null`, sql`${syncConnections.status} <> 'disabled'`))) as [{ n: number }];
    const live = accounts.filter((a) => a.status !== 'disconnected');
    return {
      id: 'dropbox',
      available: true,
      state: live.some((a) => a.status === 'needs_reconnect') ? 'needs_reconnect' : live.length ? 'connected' : 'not_connected',
      accounts: live.map((a) => a.email),
      activeSyncs: n,
    };
  },
};
