/**
 * Linking a Dropbox account to one CRM user (F1, M3): authorization code + PKCE. The verifier never leaves
 * the server: it is stored encrypted in `dropbox_link_states`, bound to the verified CRM user who started
 * the flow, for ten minutes. The `state` sent to Dropbox is a signed reference to that row; the callback
 * deletes the row as it reads it, so a state works once. Tokens are stored through the token vault, and
 * the user's files connection is created (or resumed) through the runtime's transitions.
 */
import { randomUUID } from 'node:crypto';
import { and, eq, gt, lt, sql } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { dropboxLinkStates, fileSyncs, providerAccounts, syncConnections } from '@/db/schema';
import { env } from '@/lib/env';
import { SyncError } from '@/lib/errors';
import { decryptSecret, encryptOptional, encryptSecret } from '@/lib/auth/token-vault';
import { forgetCachedToken } from '@/lib/auth/token-manager';
import { InvalidSignedPayload, signPayload, verifyPayload } from '@/lib/auth/signed-payload';
import { createDropboxAuthorization, exchangeDropboxCode, revokeDropboxToken } from '@/lib/providers/dropbox';
import { activate, createConnection, disable, markReconnected } from '@/lib/sync/runtime/connections';
import { jobQueue } from '@/lib/jobs/queue';
import type { Tenant } from '@/lib/tenant';
import { filesRunRequest } from '@/lib/sync/files/requests';

export const DROPBOX_LINK_TTL_SECONDS = 10 * 60;
const STATE_KIND = 'dropbox-link';

export const dropboxRedirectUri = () => `${env().appUrl}/api/connect/dropbox/callback`;

type LinkState = { kind: string; sid: string; user: string };

/** Starts a link for the verified CRM user: the authorize URL to open in a popup. */
export async function startDropboxLink(tenant: Pick<Tenant, 'installationId' | 'crmUserId'>): Promise<{ url: string }> {
  const db = await getDb();
  // Expired flows are useless; drop them while we are here.
  await db.delete(dropboxLinkStates).where(lt(dropboxLinkStates.expiresAt, new Date()));
  const sid = randomUUID();
  const state = signPayload('oauth-state', { kind: STATE_KIND, sid, user: tenant.crmUserId }, DROPBOX_LINK_TTL_SECONDS);
  const { url, codeVerifier } = await createDropboxAuthorization({ redirectUri: dropboxRedirectUri(), state });
  await db.insert(dropboxLinkStates).values({
    id: sid,
    installationId: tenant.installationId,
    crmUserId: tenant.crmUserId,
    codeVerifierEnc: encryptSecret(codeVerifier),
    expiresAt: new Date(Date.now() + DROPBOX_LINK_TTL_SECONDS * 1000),
  });
  return { url };
}

export type DropboxLinkResult = { accountId: string; connectionId: string; email: string };

/**
 * The callback: verifies and consumes the state, exchanges the code, stores the account and starts (or
 * resumes) the files connection. Throws SyncError `validation` for a forged, reused or expired state and
 * `auth_revoked` when the user declined.
 */
export async function completeDropboxLink(input: { state: string | null; code: string | null; error?: string | null }): Promise<DropboxLinkResult> {
  let claims: LinkState;
  try {
    claims = verifyPayload<LinkState>('oauth-state', input.state);
  } catch (error) {
    if (error instanceof InvalidSignedPayload) throw new SyncError('validation', `This Dropbox link request is not valid (${error.reason}). Start again from the settings page.`);
    throw error;
  }
  if (claims.kind !== STATE_KIND) throw new SyncError('validation', 'This Dropbox link request is not valid. Start again from the settings page.');
  const db = await getDb();
  // Single use: whoever deletes the row owns the flow; a replayed state finds nothing.
  const [flow] = await db
    .delete(dropboxLinkStates)
    .where(and(eq(dropboxLinkStates.id, claims.sid), eq(dropboxLinkStates.crmUserId, claims.user), gt(dropboxLinkStates.expiresAt, new Date())))
    .returning();
  if (!flow) throw new SyncError('validation', 'This Dropbox link request was already used or has expired. Start again from the settings page.');
  if (input.error || !input.code) throw new SyncError('auth_revoked', `Dropbox access was not granted${input.error ? ` (${input.error})` : ''}.`);

  const link = await exchangeDropboxCode({ code: input.code, redirectUri: dropboxRedirectUri(), codeVerifier: decryptSecret(flow.codeVerifierEnc) });
  const tokens = {
    accessTokenEnc: encryptOptional(link.tokens.accessToken),
    refreshTokenEnc: encryptOptional(link.tokens.refreshToken),
    accessTokenExpiresAt: link.tokens.expiresAt,
    scope: link.tokens.scope ?? null,
  };
  const [account] = await db
    .insert(providerAccounts)
    .values({ installationId: flow.installationId, crmUserId: flow.crmUserId, provider: 'dropbox', accountId: link.accountId, email: link.email, displayName: link.displayName, status: 'connected', ...tokens })
    .onConflictDoUpdate({
      target: [providerAccounts.crmUserId, providerAccounts.provider, providerAccounts.accountId],
      set: { ...tokens, email: link.email, displayName: link.displayName, status: 'connected', lastAuthError: null, tokenVersion: sql`${providerAccounts.tokenVersion} + 1`, updatedAt: new Date() },
    })
    .returning({ id: providerAccounts.id });
  forgetCachedToken({ kind: 'provider_account', id: account!.id });
  await markReconnected({ accountId: account!.id }, db);

  const connectionId = await ensureFilesConnection({ installationId: flow.installationId, crmUserId: flow.crmUserId, providerAccountId: account!.id, dropboxAccountId: link.accountId });
  await jobQueue().request([filesRunRequest({ id: connectionId, installationId: flow.installationId, crmUserId: flow.crmUserId }, 'start')]);
  return { accountId: account!.id, connectionId, email: link.email };
}

/** The user's files connection for this Dropbox account: created on the first link, re-activated after an unlink. */
async function ensureFilesConnection(input: { installationId: string; crmUserId: string; providerAccountId: string; dropboxAccountId: string }): Promise<string> {
  const db = await getDb();
  const [existing] = await db
    .select({ id: fileSyncs.id, status: syncConnections.status })
    .from(fileSyncs)
    .innerJoin(syncConnections, eq(syncConnections.id, fileSyncs.id))
    .where(and(eq(fileSyncs.crmUserId, input.crmUserId), eq(fileSyncs.providerAccountId, input.providerAccountId)));
  if (existing) {
    if (existing.status === 'disabled' || existing.status === 'draft') await activate(existing.id, db);
    return existing.id;
  }
  const id = await createConnection({ installationId: input.installationId, crmUserId: input.crmUserId, kind: 'files', accountIds: [input.providerAccountId] }, db);
  await db.insert(fileSyncs).values({ id, ...input });
  await activate(id, db);
  return id;
}

/**
 * F7: unlinking stops syncing and forgets the tokens; every file stays where it is on both sides, and the
 * bookkeeping stays too, so linking the same Dropbox again resumes without duplicating anything.
 */
export async function unlinkDropbox(tenant: Pick<Tenant, 'installationId' | 'crmUserId'>): Promise<{ unlinked: number }> {
  const db = await getDb();
  const accounts = await db
    .select()
    .from(providerAccounts)
    .where(and(eq(providerAccounts.installationId, tenant.installationId), eq(providerAccounts.crmUserId, tenant.crmUserId), eq(providerAccounts.provider, 'dropbox')));
  for (const account of accounts) {
    const ids = await disable({ accountId: account.id }, db);
    await jobQueue().cancel(ids);
    if (account.accessTokenEnc) {
      // Best effort: an expired token cannot be revoked, and the refresh token dies with the app link anyway.
      await revokeDropboxToken(decryptSecret(account.accessTokenEnc)).catch(() => undefined);
    }
    await db
      .update(providerAccounts)
      .set({ status: 'disconnected', accessTokenEnc: null, refreshTokenEnc: null, accessTokenExpiresAt: null, updatedAt: new Date() })
      .where(eq(providerAccounts.id, account.id));
    forgetCachedToken({ kind: 'provider_account', id: account.id });
  }
  return { unlinked: accounts.length };
}
