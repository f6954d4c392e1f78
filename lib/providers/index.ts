/** Registry: the provider client for a linked account, wired to the token manager. */
import { withAccessToken } from '@/lib/auth/token-manager';
import type { ApiCallCounter } from '@/lib/crm/http';
import { createGoogleProvider } from './google/client';
import { isGoogleUnauthorized } from './google/errors';
import { refreshGoogleToken } from './google/oauth';
import { createMicrosoftProvider } from './microsoft/client';
import { isGraphUnauthorized } from './microsoft/errors';
import { refreshMicrosoftToken } from './microsoft/oauth';
import type { ContactProvider, ProviderKind } from './port';
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

/** The Dropbox Sign client for a linked Dropbox Sign account (OAuth tokens from the token vault). */
export function dropboxSignFor(account: { id: string }, counter?: ApiCallCounter): DropboxSignClient {
  const owner = { kind: 'provider_account' as const, id: account.id };
  return createDropboxSignClient({ counter, auth: { withToken: (call) => withAccessToken(owner, refreshDropboxSignToken, call, isDropboxSignUnauthorized) } });
}
