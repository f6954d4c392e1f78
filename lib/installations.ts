/**
 * Install, re-install, uninstall and tenant resolution for both CRMs (M1, M2, M5).
 * Identity always comes from the CRM (`users/me`, `users.me`) keyed by company + user, never e-mail.
 */
import { and, eq, lt, sql } from 'drizzle-orm';
import { getDb, type Db } from '@/db/client';
import { activity, crmUsers, installations, linkFlows, providerAccounts, syncConnections, webhookEvents } from '@/db/schema';
import { jobQueue } from '@/lib/jobs/queue';
import { disable as disableConnections, markReconnected } from '@/lib/sync/runtime/connections';
import { encryptOptional } from '@/lib/auth/token-vault';
import { forgetCachedToken } from '@/lib/auth/token-manager';
import { createPipedriveClient } from '@/lib/crm/pipedrive/client';
import { exchangePipedriveCode } from '@/lib/crm/pipedrive/oauth';
import { createTeamleaderClient } from '@/lib/crm/teamleader/client';
import { exchangeTeamleaderCode } from '@/lib/crm/teamleader/oauth';
import { env } from '@/lib/env';
import { SyncError } from '@/lib/errors';

export type InstalledUser = {
  installationId: string;
  crmUserId: string;
  crm: 'pipedrive' | 'teamleader';
  companyId: string;
  companyName: string;
  companyDomain: string | null;
  apiDomain: string | null;
  userExternalId: string;
  userName: string;
  /** The CRM user's language as the CRM reports it (`en_US`, `nl-BE`, `nl`); the UI follows it (B8). */
  locale: string | null;
  isAdmin: boolean;
};

/** Days an uninstalled user's sync data is kept before the purge job removes it. */
export const PURGE_AFTER_DAYS = 30;

async function upsertInstall(args: {
  crm: 'pipedrive' | 'teamleader';
  companyId: string;
  companyName: string;
  companyDomain: string | null;
  apiDomain: string | null;
  user: { id: string; name: string; email: string | null; locale: string | null; isAdmin: boolean };
  tokens: { accessToken: string; refreshToken?: string | null; expiresAt: Date | null; scope?: string | null };
}): Promise<InstalledUser> {
  const db = await getDb();
  return db.transaction(async (tx) => {
    const [inst] = await tx
      .insert(installations)
      .values({ crm: args.crm, companyId: args.companyId, companyName: args.companyName, companyDomain: args.companyDomain, apiDomain: args.apiDomain })
      .onConflictDoUpdate({
        target: [installations.crm, installations.companyId],
        set: {
          companyName: sql`coalesce(nullif(excluded.company_name, ''), ${installations.companyName})`,
          companyDomain: args.companyDomain,
          apiDomain: args.apiDomain,
          updatedAt: new Date(),
        },
      })
      .returning();
    const tokenColumns = {
      accessTokenEnc: encryptOptional(args.tokens.accessToken),
      refreshTokenEnc: encryptOptional(args.tokens.refreshToken),
      accessTokenExpiresAt: args.tokens.expiresAt,
      scope: args.tokens.scope ?? null,
    };
    const [user] = await tx
      .insert(crmUsers)
      .values({
        installationId: inst!.id,
        crmUserId: args.user.id,
        name: args.user.name,
        email: args.user.email,
        locale: args.user.locale,
        isAdmin: args.user.isAdmin,
        status: 'installed',
        ...tokenColumns,
      })
      .onConflictDoUpdate({
        target: [crmUsers.installationId, crmUsers.crmUserId],
        set: {
          name: args.user.name,
          email: args.user.email,
          locale: args.user.locale,
          isAdmin: args.user.isAdmin,
          status: 'installed',
          ...tokenColumns,
          tokenVersion: sql`${crmUsers.tokenVersion} + 1`,
          lastAuthError: null,
          uninstalledAt: null,
          purgeAfter: null,
          installedAt: new Date(),
          updatedAt: new Date(),
        },
      })
      .returning();
    forgetCachedToken({ kind: 'crm_user', id: user!.id });
    // A re-install repairs connections that were waiting for new CRM tokens.
    await markReconnected({ crmUserId: user!.id }, tx as unknown as Db);
    return {
      installationId: inst!.id,
      crmUserId: user!.id,
      crm: args.crm,
      companyId: inst!.companyId,
      companyName: inst!.companyName,
      companyDomain: inst!.companyDomain,
      apiDomain: inst!.apiDomain,
      userExternalId: user!.crmUserId,
      userName: user!.name,
      locale: user!.locale,
      isAdmin: user!.isAdmin,
    };
  });
}

export async function completePipedriveInstall(code: string): Promise<InstalledUser> {
  const tokens = await exchangePipedriveCode(code);
  if (!tokens.apiDomain) throw new SyncError('validation', 'Pipedrive did not return an api_domain.');
  // Identity straight from Pipedrive with the fresh token (not yet stored).
  const client = createPipedriveClient({ apiDomain: tokens.apiDomain, withToken: (call) => call(tokens.accessToken) });
  const me = await client.getMe();
  return upsertInstall({
    crm: 'pipedrive',
    companyId: me.companyId,
    companyName: me.companyName,
    companyDomain: me.companyDomain,
    apiDomain: tokens.apiDomain,
    user: { id: me.userId, name: me.name, email: me.email, locale: me.locale, isAdmin: me.isAdmin },
    tokens,
  });
}

export async function completeTeamleaderInstall(code: string): Promise<InstalledUser> {
  const tokens = await exchangeTeamleaderCode(code);
  const client = createTeamleaderClient({ withToken: (call) => call(tokens.accessToken) });
  const me = await client.getMe();
  // users.me carries the account id but not its name; the first company-level call that can read it is
  // the account's departments, which needs an extra scope — fall back to a stored/previous name.
  let companyName = '';
  try {
    const dep = await client.call('departments.list');
    companyName = dep?.data?.[0]?.name ?? '';
  } catch {
    companyName = '';
  }
  return upsertInstall({
    crm: 'teamleader',
    companyId: me.companyId,
    companyName: companyName || `Teamleader account ${me.companyId.slice(0, 8)}`,
    companyDomain: null,
    apiDomain: env().teamleader.apiUrl,
    user: { id: me.userId, name: me.name, email: me.email, locale: me.locale, isAdmin: me.isAdmin },
    tokens,
  });
}

/**
 * M5 uninstall: purge the user's CRM and provider tokens at once, stop their syncs, schedule data purge.
 * Files and contacts already synced stay where they are on both sides.
 */
export async function uninstallCrmUser(
  crm: 'pipedrive' | 'teamleader',
  companyId: string,
  userId: string,
  hooks: { beforeTokensPurged?: (crmUserId: string) => Promise<unknown> } = {},
): Promise<{ installationId: string; crmUserId: string; connectionIds: string[] } | null> {
  const db = await getDb();
  const [inst] = await db.select().from(installations).where(and(eq(installations.crm, crm), eq(installations.companyId, companyId)));
  if (!inst) return null;
  const [user] = await db.select().from(crmUsers).where(and(eq(crmUsers.installationId, inst.id), eq(crmUsers.crmUserId, userId)));
  if (!user) return null;
  const purgeAfter = new Date(Date.now() + PURGE_AFTER_DAYS * 86_400_000);
  // Clean-up that needs the user's provider tokens (B1: Graph subscriptions) runs before they are purged below.
  await hooks.beforeTokensPurged?.(user.id);
  await db.transaction(async (tx) => {
    await tx
      .update(crmUsers)
      .set({ status: 'uninstalled', accessTokenEnc: null, refreshTokenEnc: null, accessTokenExpiresAt: null, uninstalledAt: new Date(), purgeAfter, updatedAt: new Date() })
      .where(eq(crmUsers.id, user.id));
    await tx
      .update(providerAccounts)
      .set({ status: 'disconnected', accessTokenEnc: null, refreshTokenEnc: null, updatedAt: new Date() })
      .where(eq(providerAccounts.crmUserId, user.id));
    await disableConnections({ crmUserId: user.id }, tx as unknown as Db);
    // Pending link flows may hold consented tokens: gone with the install (S1, M5).
    await tx.delete(linkFlows).where(eq(linkFlows.crmUserId, user.id));
  });
  const syncs = await db.select({ id: syncConnections.id }).from(syncConnections).where(eq(syncConnections.crmUserId, user.id));
  forgetCachedToken({ kind: 'crm_user', id: user.id });
  for (const a of await db.select({ id: providerAccounts.id }).from(providerAccounts).where(eq(providerAccounts.crmUserId, user.id)))
    forgetCachedToken({ kind: 'provider_account', id: a.id });
  // Stop this user's running syncs only (colleagues keep theirs).
  await jobQueue()
    .cancelUser(user.id, syncs.map((s) => s.id))
    .catch((e) => console.error('[uninstall] could not cancel jobs', e));
  return { installationId: inst.id, crmUserId: user.id, connectionIds: syncs.map((s) => s.id) };
}

/** Resolves a verified CRM identity to the stored install; null when not installed (or uninstalled). */
export async function findInstalledUser(crm: 'pipedrive' | 'teamleader', companyId: string, userId: string): Promise<(InstalledUser & { status: string }) | null> {
  const db = await getDb();
  const rows = await db
    .select({ inst: installations, user: crmUsers })
    .from(crmUsers)
    .innerJoin(installations, eq(crmUsers.installationId, installations.id))
    .where(and(eq(installations.crm, crm), eq(installations.companyId, companyId), eq(crmUsers.crmUserId, userId)));
  const row = rows[0];
  if (!row || row.user.status === 'uninstalled') return null;
  return {
    installationId: row.inst.id,
    crmUserId: row.user.id,
    crm,
    companyId: row.inst.companyId,
    companyName: row.inst.companyName,
    companyDomain: row.inst.companyDomain,
    apiDomain: row.inst.apiDomain,
    userExternalId: row.user.crmUserId,
    userName: row.user.name,
    locale: row.user.locale,
    isAdmin: row.user.isAdmin,
    status: row.user.status,
  };
}


/**
 * M5 scheduled purge: the data of users who uninstalled more than PURGE_AFTER_DAYS ago (their syncs, links,
 * runs, activity and provider accounts cascade). Installations left without users go too.
 */
export async function purgeUninstalledData(now = new Date()): Promise<number> {
  const db = await getDb();
  const purged = await db
    .delete(crmUsers)
    .where(and(eq(crmUsers.status, 'uninstalled'), sql`${crmUsers.purgeAfter} < ${now}`))
    .returning({ id: crmUsers.id });
  if (purged.length) {
    await db.execute(sql`delete from installations i where not exists (select 1 from crm_users u where u.installation_id = i.id)`);
  }
  // Housekeeping: the per-record activity log and webhook delivery ids are kept for ACTIVITY_RETENTION_DAYS.
  const cutoff = new Date(now.getTime() - ACTIVITY_RETENTION_DAYS * 86_400_000);
  await db.delete(activity).where(lt(activity.at, cutoff));
  await db.delete(webhookEvents).where(lt(webhookEvents.receivedAt, cutoff));
  return purged.length;
}

/** How long the dashboard's per-record history (added / updated / deleted / skipped) is kept. */
export const ACTIVITY_RETENTION_DAYS = 90;
