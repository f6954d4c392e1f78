/**
 * Linking a Google or Microsoft account to one CRM user (C1, M3, S1). The flow is bound to the CRM user
 * who is looking and to the browser they use:
 * 1. their verified settings page starts a flow (a link_flows row) and gets a popup URL with a short,
 *    single-use ticket naming only the flow;
 * 2. /api/connect/<provider> spends the ticket (a second open is refused), stores a signed flow cookie
 *    in the popup's browser and hands over to Auth.js (PKCE, state, nonce);
 * 3. Auth.js' signIn callback keeps the consent result on the flow, encrypted, and issues a one-time code
 *    that the popup hands to its opener only (postMessage to our own origin);
 * 4. the opener redeems the code with its verified credentials: only the CRM user who started the flow,
 *    still installed, can attach the account. Whoever else opens the URL gets consent but links nothing.
 */
import { createHash, randomBytes } from 'node:crypto';
import { and, eq, gt, sql } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { crmUsers, linkFlows, providerAccounts } from '@/db/schema';
import { markReconnected } from '@/lib/sync/runtime/connections';
import { decryptSecret, encryptOptional, encryptSecret } from './token-vault';
import { forgetCachedToken } from './token-manager';
import { signPayload, verifyPayload } from './signed-payload';
import { env } from '@/lib/env';
import { SyncError } from '@/lib/errors';

export const LINK_FLOW_COOKIE = 'synclane_link';
/** Carries the one-time code from the Auth.js callback to the popup's last page, never in a URL. */
export const LINK_CODE_COOKIE = 'synclane_link_code';
export const LINK_CODE_PATH = '/connect/done';
export const LINK_CODE_TTL_SECONDS = 5 * 60;
export const LINK_TTL_SECONDS = 15 * 60;
export const LINK_TICKET_TTL_SECONDS = 5 * 60;
export const AUTHJS_PROVIDER_ID = { google: 'google', microsoft: 'microsoft-entra-id' } as const;

export type LinkProvider = 'google' | 'microsoft';
export type LinkFlow = { installationId: string; crmUserId: string; provider: LinkProvider; email: string };
type ConsentAccount = { providerAccountId: string; access_token?: string; refresh_token?: string; expires_at?: number; scope?: string };
type ConsentProfile = { email?: string | null; name?: string | null };

const hashCode = (code: string) => createHash('sha256').update(code).digest('base64url');

/** Step 1: a verified CRM user starts linking; returns the popup URL. */
export async function startLinkFlow(flow: LinkFlow): Promise<{ url: string; flowId: string }> {
  const db = await getDb();
  await db.delete(linkFlows).where(sql`${linkFlows.expiresAt} < now() - interval '1 day'`);
  const [row] = await db
    .insert(linkFlows)
    .values({ ...flow, email: flow.email.trim().toLowerCase(), expiresAt: new Date(Date.now() + LINK_TTL_SECONDS * 1000) })
    .returning({ id: linkFlows.id });
  const ticket = signPayload('link-ticket', { flowId: row!.id }, LINK_TICKET_TTL_SECONDS);
  return { url: connectUrl(ticket, flow.provider), flowId: row!.id };
}

export function connectUrl(ticket: string, provider: LinkProvider): string {
  return `${env().appUrl}/api/connect/${provider}?ticket=${encodeURIComponent(ticket)}`;
}

export class LinkRefused extends Error {
  constructor(public reason: 'expired' | 'used' | 'uninstalled' | 'provider_mismatch') {
    super(`Link refused: ${reason}`);
  }
}

async function assertInstalled(crmUserId: string) {
  const db = await getDb();
  const [user] = await db.select({ status: crmUsers.status }).from(crmUsers).where(eq(crmUsers.id, crmUserId));
  if (!user || user.status === 'uninstalled') throw new LinkRefused('uninstalled');
}

/** Step 2: spends the ticket (once) and returns the flow cookie value plus what the consent screen needs. */
export async function openLinkFlow(ticket: string | null, provider: string): Promise<{ cookie: string; provider: LinkProvider; email: string }> {
  let flowId: string;
  try {
    flowId = String(verifyPayload<{ flowId: string }>('link-ticket', ticket).flowId);
  } catch {
    throw new LinkRefused('expired');
  }
  const db = await getDb();
  const [flow] = await db.select().from(linkFlows).where(eq(linkFlows.id, flowId));
  if (!flow) throw new LinkRefused('expired');
  if (flow.provider !== provider) throw new LinkRefused('provider_mismatch');
  await assertInstalled(flow.crmUserId);
  const [opened] = await db
    .update(linkFlows)
    .set({ status: 'opened', updatedAt: new Date() })
    .where(and(eq(linkFlows.id, flow.id), eq(linkFlows.status, 'started'), gt(linkFlows.expiresAt, new Date())))
    .returning({ id: linkFlows.id });
  if (!opened) throw new LinkRefused('used');
  return { cookie: signPayload('link-flow', { flowId: flow.id }, LINK_TTL_SECONDS), provider: flow.provider, email: flow.email };
}

export type ConsentOutcome = { status: 'consented'; code: string; provider: LinkProvider } | { status: 'email_mismatch'; expected: string; got: string; provider: LinkProvider };

/** Step 3 (Auth.js signIn callback): keeps the consent result on the flow and issues the one-time code. */
export async function recordConsent(cookie: string | undefined, provider: LinkProvider, account: ConsentAccount, profile: ConsentProfile): Promise<ConsentOutcome> {
  let flowId: string;
  try {
    flowId = String(verifyPayload<{ flowId: string }>('link-flow', cookie).flowId);
  } catch {
    throw new LinkRefused('expired');
  }
  const db = await getDb();
  const [flow] = await db.select().from(linkFlows).where(eq(linkFlows.id, flowId));
  if (!flow || flow.expiresAt.getTime() < Date.now()) throw new LinkRefused('expired');
  if (flow.provider !== provider) throw new LinkRefused('provider_mismatch');
  await assertInstalled(flow.crmUserId);
  const email = (profile.email ?? '').trim().toLowerCase();
  if (email !== flow.email) return { status: 'email_mismatch', expected: flow.email, got: email || 'an account without e-mail', provider };
  const code = randomBytes(32).toString('base64url');
  const [consented] = await db
    .update(linkFlows)
    .set({ status: 'consented', codeHash: hashCode(code), resultEnc: encryptSecret(JSON.stringify({ account, profile: { email, name: profile.name ?? null } })), updatedAt: new Date() })
    .where(and(eq(linkFlows.id, flow.id), eq(linkFlows.status, 'opened')))
    .returning({ id: linkFlows.id });
  if (!consented) throw new LinkRefused('used');
  return { status: 'consented', code, provider };
}

/**
 * Step 4: the opener's verified CRM user redeems the code. Only the user who started the flow can, once,
 * while installed (the tenant resolution refuses uninstalled users) and before the flow expires.
 */
export async function redeemLinkCode(owner: { installationId: string; crmUserId: string }, code: string): Promise<{ accountId: string; email: string; provider: LinkProvider }> {
  const db = await getDb();
  const flow = await db.transaction(async (tx) => {
    const [row] = await tx
      .select()
      .from(linkFlows)
      .where(
        and(
          eq(linkFlows.codeHash, hashCode(code)),
          eq(linkFlows.status, 'consented'),
          eq(linkFlows.crmUserId, owner.crmUserId),
          eq(linkFlows.installationId, owner.installationId),
          gt(linkFlows.expiresAt, new Date()),
        ),
      )
      .for('update');
    if (!row) return null;
    // Spent before anything is stored: a second redeem of the same code finds nothing.
    await tx.update(linkFlows).set({ status: 'redeemed', codeHash: null, resultEnc: null, updatedAt: new Date() }).where(eq(linkFlows.id, row.id));
    return row;
  });
  // The same answer for unknown, used, expired and someone else's codes: nothing to learn by probing.
  if (!flow?.resultEnc) throw new SyncError('not_found', 'This link code is not valid for your user (used, expired or started by someone else). Connect the account again.');
  const { account, profile } = JSON.parse(decryptSecret(flow.resultEnc)) as { account: ConsentAccount; profile: ConsentProfile };
  const outcome = await saveLinkedAccount({ installationId: flow.installationId, crmUserId: flow.crmUserId, provider: flow.provider, email: flow.email }, account, profile);
  if (outcome.status !== 'linked') throw new SyncError('validation', `The authorized account is ${outcome.got}, not ${outcome.expected}.`);
  return { accountId: outcome.accountId, email: flow.email, provider: flow.provider };
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
  // M5: nothing is stored for a CRM user who uninstalled meanwhile.
  await assertInstalled(flow.crmUserId).catch(() => {
    throw new SyncError('uninstalled', 'Synclane was uninstalled for this CRM user; install it again before linking accounts.');
  });
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
