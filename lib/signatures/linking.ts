/**
 * Linking Dropbox Sign to one CRM user (S1). The settings page asks for an authorize URL and opens it in a
 * popup; Dropbox Sign sends the user back to /api/dropbox-sign/oauth/callback with `code` and our `state`.
 * The state is signed (its own key purpose), expires after 10 minutes, names the CRM user it was made for,
 * and is single-use: its nonce is recorded on first use, so a replayed callback URL links nothing.
 */
import { and, eq } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { providerAccounts, webhookEvents } from '@/db/schema';
import { encryptOptional } from '@/lib/auth/token-vault';
import { forgetCachedToken } from '@/lib/auth/token-manager';
import { InvalidSignedPayload, signPayload, verifyPayload } from '@/lib/auth/signed-payload';
import { env } from '@/lib/env';
import { SyncError } from '@/lib/errors';
import { createDropboxSignClient } from '@/lib/providers/dropbox-sign/client';
import { dropboxSignAuthorizeUrl, exchangeDropboxSignCode } from '@/lib/providers/dropbox-sign/oauth';
import { markReconnected } from '@/lib/sync/runtime/connections';
import type { Tenant } from '@/lib/tenant';
import { activateArchive } from './service';

export const SIGN_STATE_TTL_SECONDS = 10 * 60;

type SignState = { installationId: string; crmUserId: string; nonce: string };

/** The URL the settings page opens in a popup. */
export function startSignLink(tenant: Tenant): { url: string } {
  const state = signPayload('dropbox-sign-state', { installationId: tenant.installationId, crmUserId: tenant.crmUserId }, SIGN_STATE_TTL_SECONDS);
  return { url: dropboxSignAuthorizeUrl(state) };
}

/** The callback URL Dropbox Sign posts account events to (set on the linked account). */
export const signCallbackUrl = () => `${env().appUrl}/api/dropbox-sign/callback`;

export class SignLinkError extends Error {
  constructor(public reason: 'expired' | 'replayed' | 'denied' | 'exchange_failed') {
    super(`Dropbox Sign link failed: ${reason}`);
  }
}

/** Verifies the state and burns its nonce; throws SignLinkError('expired' | 'replayed'). */
export async function consumeSignState(state: string | null): Promise<SignState> {
  let parsed: SignState;
  try {
    parsed = verifyPayload<SignState>('dropbox-sign-state', state);
  } catch (error) {
    if (error instanceof InvalidSignedPayload) throw new SignLinkError('expired');
    throw error;
  }
  if (!parsed.installationId || !parsed.crmUserId || !parsed.nonce) throw new SignLinkError('expired');
  const db = await getDb();
  const fresh = await db
    .insert(webhookEvents)
    .values({ id: `dropbox-sign-state:${parsed.nonce}`, source: 'dropbox-sign-state' })
    .onConflictDoNothing()
    .returning({ id: webhookEvents.id });
  if (!fresh.length) throw new SignLinkError('replayed');
  return parsed;
}

export type SignLinkResult = { accountRowId: string; email: string; activated: boolean };

/**
 * The OAuth callback: exchange the code, store the tokens encrypted for the CRM user named in the state,
 * point the account's callbacks at us, and resume or start the archive through the runtime's transitions.
 */
export async function completeSignLink(input: { code: string | null; state: string | null; error?: string | null }): Promise<SignLinkResult> {
  const flow = await consumeSignState(input.state);
  if (input.error || !input.code) throw new SignLinkError('denied');
  let tokens;
  try {
    tokens = await exchangeDropboxSignCode(input.code, input.state!);
  } catch {
    throw new SignLinkError('exchange_failed');
  }
  const client = createDropboxSignClient({ auth: { withToken: (call) => call(tokens.accessToken) } });
  const account = await client.getAccount();
  if (!account.accountId) throw new SyncError('validation', 'Dropbox Sign returned no account.');

  const db = await getDb();
  const values = {
    email: account.email,
    status: 'connected' as const,
    accessTokenEnc: encryptOptional(tokens.accessToken),
    accessTokenExpiresAt: tokens.expiresAt,
    lastAuthError: null,
    updatedAt: new Date(),
  };
  const [existing] = await db
    .select({ id: providerAccounts.id, refreshTokenEnc: providerAccounts.refreshTokenEnc })
    .from(providerAccounts)
    .where(and(eq(providerAccounts.crmUserId, flow.crmUserId), eq(providerAccounts.provider, 'dropbox_sign'), eq(providerAccounts.accountId, account.accountId)));
  let rowId: string;
  if (existing) {
    rowId = existing.id;
    await db
      .update(providerAccounts)
      .set({ ...values, refreshTokenEnc: tokens.refreshToken ? encryptOptional(tokens.refreshToken) : existing.refreshTokenEnc })
      .where(eq(providerAccounts.id, rowId));
    forgetCachedToken({ kind: 'provider_account', id: rowId });
  } else {
    const [row] = await db
      .insert(providerAccounts)
      .values({ ...values, installationId: flow.installationId, crmUserId: flow.crmUserId, provider: 'dropbox_sign', accountId: account.accountId, refreshTokenEnc: encryptOptional(tokens.refreshToken) })
      .returning({ id: providerAccounts.id });
    rowId = row!.id;
  }

  // Account callbacks are hints only (they cannot be verified for OAuth users) but make archiving near-real-time (B1).
  await client.setCallbackUrl(signCallbackUrl()).catch((error) => console.warn('[dropbox-sign] could not set the callback URL', error));

  // A reconnect resumes the paused archive; a first link starts it when a Dropbox is linked too.
  const resumed = await markReconnected({ accountId: rowId });
  let activated = resumed.length > 0;
  if (!activated) {
    const started = await activateArchive({ installationId: flow.installationId, crmUserId: flow.crmUserId }, { ifReady: true });
    activated = started !== null;
  }
  return { accountRowId: rowId, email: account.email, activated };
}
