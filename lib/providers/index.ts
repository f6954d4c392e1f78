/** Registry: the provider client for a linked account, wired to the token manager. */
import { withAccessToken } from '@/lib/auth/token-manager';
import type { ApiCallCounter } from '@/lib/crm/http';
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

export function providerFor(account: { id: string; provider: ProviderKind }, counter?: ApiCallCounter): ContactProvider {
  const owner = { kind: 'provider_account' as const, id: account.id };
  if (account.provider === 'google') {
    return createGoogleProvider({ counter, withToken: (call) => withAccessToken(owner, refreshGoogleToken, call, isGoogleUnauthorized) });
  }
  return createMicrosoftProvider({ counter, withToken: (call) => withAccessToken(owner, refreshMicrosoftToken, call, isGraphUnauthorized) });
}

/** How this account's provider reports changes between runs (Graph subscriptions, Google sync-token checks). */
export function changeFeedFor(account: { id: string; provider: ProviderKind }, counter?: ApiCallCounter): ProviderChangeFeed {
  const owner = { kind: 'provider_account' as const, id: account.id };
  if (account.provider === 'google') {
    const check = createGoogleChangeCheck({ counter, withToken: (call) => withAccessToken(owner, refreshGoogleToken, call, isGoogleUnauthorized) });
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
