/** Registry: the provider client for a linked account, wired to the token manager. */
import { withAccessToken } from '@/lib/auth/token-manager';
import type { ApiCallCounter } from '@/lib/crm/http';
import { env } from '@/lib/env';
import { GOOGLE_PEOPLE_READS, GOOGLE_PEOPLE_WRITES, GRAPH_MAILBOX_REQUESTS, pacerFor } from '@/lib/crm/rate-pacer';
import { createGoogleProvider } from './google/client';
import { isGoogleUnauthorized } from './google/errors';
import { refreshGoogleToken } from './google/oauth';
import { createMicrosoftProvider } from './microsoft/client';
import { isGraphUnauthorized } from './microsoft/errors';
import { refreshMicrosoftToken } from './microsoft/oauth';
import type { ContactProvider, ProviderChangeFeed, ProviderKind } from './port';
import { createGoogleChangeCheck } from './google/changes';
import { GRAPH_SUBSCRIPTION_LIFETIME_MS, createGraphSubscriptions } from './microsoft/subscriptions';
import { createDropboxSignClient, type DropboxSignClient } from './dropbox-sign/client';
import { isDropboxSignUnauthorized } from './dropbox-sign/errors';
import { refreshDropboxSignToken } from './dropbox-sign/oauth';

/** The account's quotas, one pacer per account shared by its runs and checks in this process. */
const googleReads = (accountId: string) => pacerFor(`google:read:${accountId}`, { ...GOOGLE_PEOPLE_READS, limit: env().quotas.googleReadsPerMinute });
const googleWrites = (accountId: string) => pacerFor(`google:write:${accountId}`, { ...GOOGLE_PEOPLE_WRITES, limit: env().quotas.googleWritesPerMinute });
const graphMailbox = (accountId: string) => pacerFor(`graph:${accountId}`, { ...GRAPH_MAILBOX_REQUESTS, limit: env().quotas.graphRequestsPer10Minutes });

export function providerFor(account: { id: string; provider: ProviderKind }, counter?: ApiCallCounter): ContactProvider {
  const owner = { kind: 'provider_account' as const, id: account.id };
  if (account.provider === 'google') {
    return createGoogleProvider({
      counter,
      withToken: (call) => withAccessToken(owner, refreshGoogleToken, call, isGoogleUnauthorized),
      pacers: { read: googleReads(account.id), write: googleWrites(account.id) },
    });
  }
  return createMicrosoftProvider({ counter, withToken: (call) => withAccessToken(owner, refreshMicrosoftToken, call, isGraphUnauthorized), pacer: graphMailbox(account.id) });
}

/** How this account's provider reports changes between runs (Graph subscriptions, Google sync-token checks). */
export function changeFeedFor(account: { id: string; provider: ProviderKind }, counter?: ApiCallCounter): ProviderChangeFeed {
  const owner = { kind: 'provider_account' as const, id: account.id };
  if (account.provider === 'google') {
    const check = createGoogleChangeCheck({ counter, withToken: (call) => withAccessToken(owner, refreshGoogleToken, call, isGoogleUnauthorized), readPacer: googleReads(account.id) });
    return { provider: 'google', checkForChanges: check };
  }
  const graph = createGraphSubscriptions({ counter, withToken: (call) => withAccessToken(owner, refreshMicrosoftToken, call, isGraphUnauthorized) });
  const toSubscription = (s: { id: string; expirationDateTime: string }) => ({ id: s.id, expiresAt: new Date(s.expirationDateTime) });
  return {
    provider: 'microsoft',
    maxSubscriptionMs: GRAPH_SUBSCRIPTION_LIFETIME_MS,
    subscribe: async (input) => toSubscription(await graph.create({ ...input, folderId: input.groupId })),
    renewSubscription: async (id, expiresAt) => toSubscription(await graph.renew(id, expiresAt)),
    unsubscribe: (id) => graph.remove(id),
  };
}

/** The Dropbox Sign client for a linked Dropbox Sign account (OAuth tokens from the token vault). */
export function dropboxSignFor(account: { id: string }, counter?: ApiCallCounter): DropboxSignClient {
  const owner = { kind: 'provider_account' as const, id: account.id };
  return createDropboxSignClient({ counter, auth: { withToken: (call) => withAccessToken(owner, refreshDropboxSignToken, call, isDropboxSignUnauthorized) } });
}
