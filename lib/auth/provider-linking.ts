/**
 * Linking a Google or Microsoft account to one CRM user (C1, M3). The settings page asks for a short-lived
 * signed ticket (bound to the verified CRM user and the e-mail they typed), opens /api/connect/<provider>
 * in a popup (consent screens refuse to render in iframes), which stores a signed flow cookie and starts
 * Auth.js sign-in. Auth.js' signIn callback then stores the tokens, encrypted, for that CRM user — only
 * if the authorized account is the one the user named.
 */
import { and, eq, sql } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { providerAccounts } from '@/db/schema';
import { markReconnected } from '@/lib/sync/runtime/connections';
import { encryptOptional } from './token-vault';
import { forgetCachedToken } from './token-manager';
import { signPayload, verifyPayload } from './signed-payload';
import { env } from '@/lib/env';

export const LINK_FLOW_COOKIE = 'synclane_link';
export const LINK_TTL_SECONDS = 15 * 60;
export const AUTHJS_PROVIDER_ID = { google: 'google', microsoft: 'microsoft-entra-id' } as const;

export type LinkFlow = { installationId: string; crmUserId: string; provider: 'google' | 'microsoft'; email: string };

export function createLinkTicket(flow: LinkFlow): string {
  return signPayload('link-ticket', flow, 5 * 60);
}
export const readLinkTicket = (ticket: string | null) => verifyPayload<LinkFlow>('link-ticket', ticket);
export const linkFlowCookieValue = (flow: LinkFlow) => signPayload('link-flow', flow, LINK_TTL_SECONDS);
export const readLinkFlowCookie = (value: string | undefined) => verifyPayload<LinkFlow>('link-flow', value);

export function connectUrl(ticket: string, provider: 'google' | 'microsoft'): string {
  return `${env().appUrl}/api/connect/${provider}?ticket=${encodeURIComponent(ticket)}`;
}

export type LinkOutcome = { status: 'linked'; accountId: string } | { status: 'email_mismatch'; expected: string; got: string };

/** Stores (or refreshes) the linked account. Re-consent replaces the tokens and repairs *needs reconnect*. */
export async function saveLinkedAccount(
  flow: LinkFlow,
  account: { providerAccountId: string; access_token?: string; refresh_token?: string; expires_at?: number; scope?: string },
  profile: { email?: string | null; name?: string | null },
): Promise<LinkOutcome> {
  const email = (profile.email ?? '').trim().toLowerCase();
  if (email !== flow.email.trim().toLowerCase()) return { status: 'email_mismatch', expected: flow.email, got: email || 'an account without e-mail' };
  const db = await getDb();
  const tokens = {
    accessTokenEnc: encryptOptional(account.access_token),
    accessTokenExpiresAt: account.expires_at ? new Date(account.expires_at * 1000) : null,
    scope: account.scope ?? null,
  };
  const [row] = await db
    .insert(providerAccounts)
    .values({
      installationId: flow.installationId,
      crmUserId: flow.crmUserId,
      provider: flow.provider,
      accountId: account.providerAccountId,
      email,
      displayName: profile.name ?? null,
      status: 'connected',
      refreshTokenEnc: encryptOptional(account.refresh_token),
      ...tokens,
    })
    .onConflictDoUpdate({
      target: [providerAccounts.crmUserId, providerAccounts.provider, providerAccounts.accountId],
      set: {
        ...tokens,
        // Google only re-issues a refresh token on consent; keep the old one if none came back.
        refreshTokenEnc: account.refresh_token ? encryptOptional(account.refresh_token) : sql`${providerAccounts.refreshTokenEnc}`,
        email,
        displayName: profile.name ?? null,
        status: 'connected',
        lastAuthError: null,
        tokenVersion: sql`${providerAccounts.tokenVersion} + 1`,
        updatedAt: new Date(),
      },
    })
    .returning({ id: providerAccounts.id });
  forgetCachedToken({ kind: 'provider_account', id: row!.id });
  await markReconnected({ accountId: row!.id }, db);
  return { status: 'linked', accountId: row!.id };
}
