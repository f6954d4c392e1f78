/**
 * S4 team administration: a Dropbox Sign organization (team) admin turns on the team archive (retroactive, every
 * member's documents, into team folders in that admin's Dropbox), sees where it stands, switches the admin account
 * used for archiving (another team admin takes it over) and unlinks it. Only a team admin may do any of it: the
 * linked Dropbox Sign account is asked at every call (its role can change in Dropbox Sign at any time).
 */
import { and, desc, eq, inArray, ne, sql } from 'drizzle-orm';
import { getDb, type Db } from '@/db/client';
import { crmUsers, providerAccounts, signatureArchives, signatureDocuments, syncConnections } from '@/db/schema';
import { withAccessToken } from '@/lib/auth/token-manager';
import { SyncError } from '@/lib/errors';
import { resolveLocale } from '@/lib/i18n';
import { messagesFor } from '@/lib/i18n/catalogues';
import { jobQueue } from '@/lib/jobs/queue';
import { createDropboxSignClient, type SignAccountInfo } from '@/lib/providers/dropbox-sign/client';
import { isDropboxSignUnauthorized } from '@/lib/providers/dropbox-sign/errors';
import { refreshDropboxSignToken } from '@/lib/providers/dropbox-sign/oauth';
import type { ArchiveFolders } from '@/lib/sync/signatures/apply';
import { SIGNATURES_KIND } from '@/lib/sync/signatures/run';
import { recentActivity } from '@/lib/sync/runtime/activity';
import { activate, createConnection, disable, requestRunNow } from '@/lib/sync/runtime/connections';
import type { Tenant } from '@/lib/tenant';
import { signatureRunRequest } from './service';

type Owner = { installationId: string; crmUserId: string };

async function linked(owner: Owner, db: Db) {
  const rows = await db
    .select({ id: providerAccounts.id, provider: providerAccounts.provider, email: providerAccounts.email, status: providerAccounts.status })
    .from(providerAccounts)
    .where(and(eq(providerAccounts.installationId, owner.installationId), eq(providerAccounts.crmUserId, owner.crmUserId), inArray(providerAccounts.provider, ['dropbox', 'dropbox_sign']), eq(providerAccounts.status, 'connected')))
    .orderBy(desc(providerAccounts.updatedAt));
  return { sign: rows.find((r) => r.provider === 'dropbox_sign') ?? null, dropbox: rows.find((r) => r.provider === 'dropbox') ?? null };
}

/** The linked Dropbox Sign account as Dropbox Sign sees it now (role and team). */
async function signAccountInfo(signAccountRowId: string): Promise<SignAccountInfo> {
  const owner = { kind: 'provider_account' as const, id: signAccountRowId };
  const client = createDropboxSignClient({ auth: { withToken: (call) => withAccessToken(owner, refreshDropboxSignToken, call, isDropboxSignUnauthorized) } });
  return client.getAccount();
}

const teamKeyOf = (account: SignAccountInfo) => account.teamId ?? null;

/** Refuses (403) unless the caller's linked Dropbox Sign account is a team admin; returns the account and team key. */
async function requireTeamAdmin(owner: Owner, db: Db) {
  const { sign, dropbox } = await linked(owner, db);
  if (!sign) throw new SyncError('validation', 'Link Dropbox Sign first.');
  const account = await signAccountInfo(sign.id);
  const teamKey = teamKeyOf(account);
  if (!account.isTeamAdmin || !teamKey) throw new SyncError('insufficient_permission', 'Only an admin of a Dropbox Sign team can archive the team.');
  return { sign, dropbox, account, teamKey };
}

/** The installation's live team archive of that team (at most one: a switch disables the previous one). */
async function liveTeamArchive(installationId: string, teamKey: string, db: Db) {
  const [row] = await db
    .select({ archive: signatureArchives, connection: syncConnections, signEmail: providerAccounts.email })
    .from(signatureArchives)
    .innerJoin(syncConnections, eq(syncConnections.id, signatureArchives.id))
    .innerJoin(providerAccounts, eq(providerAccounts.id, signatureArchives.signAccountId))
    .where(and(eq(signatureArchives.installationId, installationId), eq(signatureArchives.scope, 'team'), eq(signatureArchives.teamKey, teamKey), ne(syncConnections.status, 'disabled')))
    .orderBy(desc(signatureArchives.createdAt))
    .limit(1);
  return row ?? null;
}

async function stop(ids: string[]) {
  if (!ids.length) return;
  await disable({ ids });
  await jobQueue().cancel(ids);
}

/**
 * Turns on the team archive with the caller's accounts. `takeOver`: another admin's team archive is stopped and the
 * caller's starts (the switch of the admin account used for archiving); without it that case is refused.
 */
export async function activateTeamArchive(tenant: Owner, opts: { takeOver?: boolean } = {}): Promise<string> {
  const db = await getDb();
  const { sign, dropbox, teamKey } = await requireTeamAdmin(tenant, db);
  if (!dropbox) throw new SyncError('validation', 'Link a Dropbox account first: the team archive files documents there.');
  const existing = await liveTeamArchive(tenant.installationId, teamKey, db);
  if (existing && existing.archive.crmUserId === tenant.crmUserId && existing.archive.signAccountId === sign.id && existing.archive.dropboxAccountId === dropbox.id) return existing.archive.id;
  if (existing && !opts.takeOver) throw new SyncError('validation', `${existing.signEmail} archives this team already. Choose “Switch to my account” to archive it with yours.`);
  if (existing) await stop([existing.archive.id]);

  const [user] = await db.select({ locale: crmUsers.locale }).from(crmUsers).where(eq(crmUsers.id, tenant.crmUserId));
  const t = messagesFor(resolveLocale(user?.locale)).signatures;
  const folders: ArchiveFolders = {
    received: { id: null, name: t.folders.received },
    signatureRequested: { id: null, name: t.folders.signatureRequested },
    sent: { id: null, name: t.folders.sent },
    signedAndReturned: { id: null, name: t.folders.signedAndReturned },
  };
  const id = await db.transaction(async (tx) => {
    const connectionId = await createConnection({ ...tenant, kind: SIGNATURES_KIND, accountIds: [sign.id, dropbox.id] }, tx as unknown as Db);
    await tx.insert(signatureArchives).values({
      id: connectionId,
      ...tenant,
      signAccountId: sign.id,
      dropboxAccountId: dropbox.id,
      activatedAt: new Date(),
      folders,
      rootFolder: { id: null, name: t.team.rootFolder },
      scope: 'team',
      teamKey,
    });
    return connectionId;
  });
  await activate(id);
  await jobQueue().request([signatureRunRequest({ id, ...tenant }, 'start')]);
  return id;
}

/** Stops the team archive (the owner, or any team admin of the same team). Everything filed stays in Dropbox. */
export async function unlinkTeamArchive(tenant: Owner): Promise<void> {
  const db = await getDb();
  const mine = await db
    .select({ id: signatureArchives.id })
    .from(signatureArchives)
    .innerJoin(syncConnections, eq(syncConnections.id, signatureArchives.id))
    .where(and(eq(signatureArchives.installationId, tenant.installationId), eq(signatureArchives.crmUserId, tenant.crmUserId), eq(signatureArchives.scope, 'team'), ne(syncConnections.status, 'disabled')));
  if (mine.length) return stop(mine.map((r) => r.id));
  const { teamKey } = await requireTeamAdmin(tenant, db);
  const existing = await liveTeamArchive(tenant.installationId, teamKey, db);
  if (!existing) throw new SyncError('not_found', 'The team archive is not active.');
  await stop([existing.archive.id]);
}

export async function refreshTeamArchive(tenant: Owner): Promise<void> {
  const db = await getDb();
  const [row] = await db
    .select({ id: signatureArchives.id })
    .from(signatureArchives)
    .innerJoin(syncConnections, eq(syncConnections.id, signatureArchives.id))
    .where(and(eq(signatureArchives.installationId, tenant.installationId), eq(signatureArchives.crmUserId, tenant.crmUserId), eq(signatureArchives.scope, 'team'), ne(syncConnections.status, 'disabled')));
  if (!row) throw new SyncError('not_found', 'The team archive is not active.');
  await requestRunNow(row.id);
  await jobQueue().request([signatureRunRequest({ id: row.id, ...tenant }, 'refresh')]);
}

/**
 * What the settings page shows about the team archive. `role`: 'admin' may turn it on / switch / unlink;
 * 'member' sees that only an admin can; 'none' when no Dropbox Sign team (or no link).
 */
export async function teamArchiveOverview(tenant: Tenant) {
  const db = await getDb();
  const { sign, dropbox } = await linked(tenant, db);
  let account: SignAccountInfo | null = null;
  if (sign) account = await signAccountInfo(sign.id).catch(() => null);
  const teamKey = account ? teamKeyOf(account) : null;
  const role: 'admin' | 'member' | 'none' = !account || !teamKey ? 'none' : account.isTeamAdmin ? 'admin' : 'member';
  if (role !== 'admin' || !teamKey) return { role, dropboxLinked: !!dropbox, archive: null };
  const live = await liveTeamArchive(tenant.installationId, teamKey, db);
  if (!live) return { role, dropboxLinked: !!dropbox, archive: null };
  const id = live.archive.id;
  const counts = await db
    .select({ state: signatureDocuments.state, n: sql<number>`count(*)::int` })
    .from(signatureDocuments)
    .where(eq(signatureDocuments.archiveId, id))
    .groupBy(signatureDocuments.state);
  const teamFolders = live.archive.teamFolders;
  // The current team folder first, then the earlier ones (jsonb does not keep key order).
  const teams = teamFolders
    ? Object.entries(teamFolders.teams)
        .map(([teamName, f]) => ({ teamName, folder: f.name, current: teamName === teamFolders.current, sharing: f.sharing, members: Object.keys(f.members).length }))
        .sort((a, b) => Number(b.current) - Number(a.current) || a.teamName.localeCompare(b.teamName))
    : [];
  return {
    role,
    dropboxLinked: !!dropbox,
    archive: {
      id,
      mine: live.archive.crmUserId === tenant.crmUserId,
      archivedBy: live.signEmail,
      status: live.connection.status,
      stage: live.connection.stage,
      lastErrorCode: live.connection.lastErrorCode,
      activatedAt: live.archive.activatedAt,
      lastSuccessAt: live.connection.lastSuccessAt,
      rootFolder: live.archive.rootFolder?.name ?? null,
      teams,
      counts: Object.fromEntries(counts.map((c) => [c.state, c.n])) as Partial<Record<'waiting' | 'archived' | 'failed', number>>,
      activity: live.archive.crmUserId === tenant.crmUserId ? await recentActivity(id, ['added', 'skipped'], 20) : [],
    },
  };
}
