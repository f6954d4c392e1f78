/**
 * What the settings page and the record panel do with the Dropbox Sign archive (S1–S3, B4, B7): overview,
 * activate, refresh, unlink, and the record's documents. Connection state changes go through the runtime's
 * named transitions only.
 */
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { getDb, type Db } from '@/db/client';
import { crmUsers, providerAccounts, signatureArchives, signatureDocuments, syncConnections } from '@/db/schema';
import { SyncError } from '@/lib/errors';
import { resolveLocale } from '@/lib/i18n';
import { messagesFor } from '@/lib/i18n/catalogues';
import { jobQueue } from '@/lib/jobs/queue';
import type { ArchiveFolders } from '@/lib/sync/signatures/apply';
import { SIGNATURES_KIND, type SignatureRunRequest } from '@/lib/sync/signatures/run';
import { recentActivity } from '@/lib/sync/runtime/activity';
import { activate, createConnection, disable, requestRunNow } from '@/lib/sync/runtime/connections';
import { lastRuns } from '@/lib/sync/runtime/runs';
import type { Trigger } from '@/lib/sync/runtime/events';
import type { Tenant } from '@/lib/tenant';

type Owner = { installationId: string; crmUserId: string };

export function signatureRunRequest(a: { id: string; installationId: string; crmUserId: string }, trigger: Trigger, signatureRequestId?: string): SignatureRunRequest {
  return { kind: SIGNATURES_KIND, connectionId: a.id, installationId: a.installationId, crmUserId: a.crmUserId, trigger, throttleKey: 'dropbox-sign', ...(signatureRequestId ? { signatureRequestId } : {}) };
}

async function linkedAccounts(owner: Owner, db: Db) {
  const rows = await db
    .select({ id: providerAccounts.id, provider: providerAccounts.provider, email: providerAccounts.email, status: providerAccounts.status, updatedAt: providerAccounts.updatedAt })
    .from(providerAccounts)
    .where(and(eq(providerAccounts.installationId, owner.installationId), eq(providerAccounts.crmUserId, owner.crmUserId), inArray(providerAccounts.provider, ['dropbox', 'dropbox_sign'])))
    .orderBy(desc(providerAccounts.updatedAt));
  const live = rows.filter((r) => r.status !== 'disconnected');
  return { sign: live.find((r) => r.provider === 'dropbox_sign') ?? null, dropbox: live.find((r) => r.provider === 'dropbox' && r.status === 'connected') ?? live.find((r) => r.provider === 'dropbox') ?? null };
}

/** The user's current (not disabled) archive of their own documents, with its connection (a team archive is lib/signatures/team.ts). */
async function currentArchive(owner: Owner, db: Db) {
  const [row] = await db
    .select({ archive: signatureArchives, connection: syncConnections })
    .from(signatureArchives)
    .innerJoin(syncConnections, eq(syncConnections.id, signatureArchives.id))
    .where(and(eq(signatureArchives.installationId, owner.installationId), eq(signatureArchives.crmUserId, owner.crmUserId), eq(signatureArchives.scope, 'user'), sql`${syncConnections.status} <> 'disabled'`))
    .orderBy(desc(signatureArchives.createdAt))
    .limit(1);
  return row ?? null;
}

/**
 * S1/S3: starts archiving now (documents completed from this moment on). Needs a linked Dropbox Sign and a
 * connected Dropbox of the same CRM user; `ifReady` returns null instead of refusing when one is missing.
 */
export async function activateArchive(owner: Owner, opts: { ifReady?: boolean } = {}): Promise<string | null> {
  const db = await getDb();
  const existing = await currentArchive(owner, db);
  if (existing) return existing.archive.id;
  const { sign, dropbox } = await linkedAccounts(owner, db);
  if (!sign || sign.status !== 'connected' || !dropbox || dropbox.status !== 'connected') {
    if (opts.ifReady) return null;
    throw new SyncError('validation', !sign ? 'Link Dropbox Sign first.' : 'Link a Dropbox account first: the archive files documents there.');
  }
  const [user] = await db.select({ locale: crmUsers.locale }).from(crmUsers).where(eq(crmUsers.id, owner.crmUserId));
  const t = messagesFor(resolveLocale(user?.locale)).signatures.folders;
  // Names in the user's language at activation; ids are filled in by the first run and kept from then on.
  const folders: ArchiveFolders = {
    received: { id: null, name: t.received },
    signatureRequested: { id: null, name: t.signatureRequested },
    sent: { id: null, name: t.sent },
    signedAndReturned: { id: null, name: t.signedAndReturned },
  };
  const id = await db.transaction(async (tx) => {
    const connectionId = await createConnection({ ...owner, kind: SIGNATURES_KIND, accountIds: [sign.id, dropbox.id] }, tx as unknown as Db);
    await tx.insert(signatureArchives).values({ id: connectionId, ...owner, signAccountId: sign.id, dropboxAccountId: dropbox.id, activatedAt: new Date(), folders, rootFolder: { id: null, name: t.root } });
    return connectionId;
  });
  await activate(id);
  await jobQueue().request([signatureRunRequest({ id, ...owner }, 'start')]);
  return id;
}

export async function signaturesOverview(tenant: Tenant) {
  const db = await getDb();
  const { sign, dropbox } = await linkedAccounts(tenant, db);
  const current = await currentArchive(tenant, db);
  if (!current) return { sign, dropbox, archive: null };
  const id = current.archive.id;
  const counts = await db
    .select({ state: signatureDocuments.state, n: sql<number>`count(*)::int` })
    .from(signatureDocuments)
    .where(eq(signatureDocuments.archiveId, id))
    .groupBy(signatureDocuments.state);
  const failed = await db
    .select({ id: signatureDocuments.id, title: signatureDocuments.title, requestId: signatureDocuments.signatureRequestId, code: signatureDocuments.lastErrorCode, detail: signatureDocuments.lastError, attachState: signatureDocuments.attachState })
    .from(signatureDocuments)
    .where(and(eq(signatureDocuments.archiveId, id), sql`(${signatureDocuments.state} = 'failed' or ${signatureDocuments.attachState} in ('no_record', 'ambiguous', 'failed') or ${signatureDocuments.lastErrorCode} is not null)`))
    .orderBy(desc(signatureDocuments.updatedAt))
    .limit(50);
  const runs = await lastRuns(id);
  return {
    sign,
    dropbox,
    archive: {
      id,
      status: current.connection.status,
      stage: current.connection.stage,
      lastErrorCode: current.connection.lastErrorCode,
      activatedAt: current.archive.activatedAt,
      lastSuccessAt: current.connection.lastSuccessAt,
      folders: current.archive.folders,
      counts: Object.fromEntries(counts.map((c) => [c.state, c.n])) as Partial<Record<'waiting' | 'archived' | 'failed', number>>,
      problems: failed,
      lastRun: runs.last,
      activity: await recentActivity(id, ['added', 'skipped'], 30),
    },
  };
}

/** The id of the user's current archive, or null. */
export async function currentArchiveId(owner: Owner): Promise<string | null> {
  return (await currentArchive(owner, await getDb()))?.archive.id ?? null;
}

export async function refreshArchive(tenant: Tenant): Promise<{ alreadyRunning: boolean }> {
  const db = await getDb();
  const current = await currentArchive(tenant, db);
  if (!current) throw new SyncError('not_found', 'The archive is not active.');
  const r = await requestRunNow(current.archive.id);
  await jobQueue().request([signatureRunRequest({ id: current.archive.id, ...tenant }, 'refresh')]);
  return r;
}

/** Stops the archive and forgets the Dropbox Sign link. Files in Dropbox and on CRM records stay (like F7). */
export async function unlinkSignatures(tenant: Tenant): Promise<void> {
  const db = await getDb();
  const signRows = await db
    .select({ id: providerAccounts.id })
    .from(providerAccounts)
    .where(and(eq(providerAccounts.installationId, tenant.installationId), eq(providerAccounts.crmUserId, tenant.crmUserId), eq(providerAccounts.provider, 'dropbox_sign')));
  const archives = await db.select({ id: signatureArchives.id }).from(signatureArchives).where(and(eq(signatureArchives.installationId, tenant.installationId), eq(signatureArchives.crmUserId, tenant.crmUserId)));
  const ids = archives.map((a) => a.id);
  if (ids.length) {
    await disable({ ids });
    await jobQueue().cancel(ids);
  }
  if (signRows.length)
    await db
      .update(providerAccounts)
      .set({ status: 'disconnected', accessTokenEnc: null, refreshTokenEnc: null, updatedAt: new Date() })
      .where(inArray(providerAccounts.id, signRows.map((r) => r.id)));
}

/** B9: the record panel's signature documents (same installation; small). */
export async function recordSignatureDocuments(tenant: Tenant, module: string, recordId: string) {
  const db = await getDb();
  return db
    .select({ title: signatureDocuments.title, state: signatureDocuments.state, isComplete: signatureDocuments.isComplete, attachState: signatureDocuments.attachState, updatedAt: signatureDocuments.updatedAt })
    .from(signatureDocuments)
    .innerJoin(signatureArchives, eq(signatureArchives.id, signatureDocuments.archiveId))
    .where(and(eq(signatureDocuments.installationId, tenant.installationId), eq(signatureArchives.crmUserId, tenant.crmUserId), eq(signatureDocuments.crmModule, module), eq(signatureDocuments.crmRecordId, recordId)))
    .orderBy(desc(signatureDocuments.updatedAt))
    .limit(20);
}
