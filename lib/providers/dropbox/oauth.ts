/**
 * Linking a Dropbox account (F1): authorization-code flow with PKCE and `token_access_type=offline`
 * (short-lived access tokens + a refresh token that never rotates), through the SDK's DropboxAuth on the
 * configured hosts. The authorize URL is a browser redirect, so only its origin comes from configuration.
 */
import { env } from '@/lib/env';
import { SyncError, parseRetryAfter, toSyncError } from '@/lib/errors';
import { InvalidGrantError, type TokenSet } from '@/lib/auth/token-manager';
import { dropboxAuth, dropboxSdk } from './sdk';
import { ZAccount, ZTokenResult } from './schemas';
import { dropboxStatus, mapDropboxError } from './errors';

/** App-folder app; these scopes are enough to list, read and write inside Apps/<app folder>. */
export const DROPBOX_SCOPES = ['account_info.read', 'files.metadata.read', 'files.metadata.write', 'files.content.read', 'files.content.write'] as const;

export type DropboxAuthorization = {
  url: string;
  /** Keep server-side (signed state / cookie) until the callback: the code exchange needs it. */
  codeVerifier: string;
};

export async function createDropboxAuthorization(input: { redirectUri: string; state: string }): Promise<DropboxAuthorization> {
  const auth = dropboxAuth({ withSecret: false });
  // The SDK concatenates values into the query string without encoding them.
  const sdkUrl = await auth.getAuthenticationUrl(encodeURIComponent(input.redirectUri), encodeURIComponent(input.state), 'code', 'offline', [...DROPBOX_SCOPES], 'none', true);
  const query = new URL(String(sdkUrl)).search;
  return { url: `${env().dropbox.authorizeUrl}${query}`, codeVerifier: auth.getCodeVerifier() };
}

export type DropboxLink = { tokens: TokenSet; accountId: string; email: string; displayName: string };

/** Exchanges the callback's code (PKCE) and reads who linked: key the account by `account_id`, never e-mail. */
export async function exchangeDropboxCode(input: { code: string; redirectUri: string; codeVerifier: string }): Promise<DropboxLink> {
  const auth = dropboxAuth({ withSecret: false });
  auth.setCodeVerifier(input.codeVerifier);
  let result: unknown;
  try {
    result = (await auth.getAccessTokenFromCode(encodeURIComponent(input.redirectUri), encodeURIComponent(input.code))).result;
  } catch (error) {
    throw tokenError(error, 'code exchange');
  }
  const token = ZTokenResult.parse(result);
  if (!token.refresh_token) throw new SyncError('auth_revoked', 'Dropbox returned no refresh token; authorize again.');
  let account;
  try {
    account = ZAccount.parse((await dropboxSdk(token.access_token).usersGetCurrentAccount()).result);
  } catch (error) {
    throw mapDropboxError(error);
  }
  return {
    tokens: { accessToken: token.access_token, refreshToken: token.refresh_token, expiresAt: expiry(token.expires_in), scope: token.scope ?? null },
    accountId: account.account_id,
    email: account.email,
    displayName: account.name.display_name,
  };
}

/** Token-manager refresher. Dropbox refresh tokens do not rotate, so none comes back. */
export async function refreshDropboxToken(refreshToken: string): Promise<TokenSet> {
  const auth = dropboxAuth({ withSecret: true, refreshToken });
  try {
    await auth.refreshAccessToken();
  } catch (error) {
    throw tokenError(error, 'token refresh');
  }
  const expiresAt = auth.getAccessTokenExpiresAt();
  return { accessToken: auth.getAccessToken(), refreshToken: null, expiresAt: expiresAt instanceof Date ? expiresAt : null, scope: null };
}

/** Unlink (F7): revokes the access token and, with it, the refresh token. Files stay where they are. */
export async function revokeDropboxToken(accessToken: string): Promise<void> {
  try {
    await dropboxSdk(accessToken).authTokenRevoke();
  } catch (error) {
    if (dropboxStatus(error) === 401) return; // already revoked or expired
    throw mapDropboxError(error);
  }
}

function expiry(expiresIn: number | undefined): Date | null {
  return expiresIn && Number.isFinite(expiresIn) && expiresIn > 0 ? new Date(Date.now() + expiresIn * 1000) : null;
}

function tokenError(error: unknown, what: string): Error {
  const status = dropboxStatus(error);
  if (!status) return toSyncError(error);
  const body = (error as { error?: { error?: string; error_description?: string } | string }).error;
  const code = typeof body === 'object' ? body?.error : undefined;
  const description = typeof body === 'object' ? body?.error_description : body;
  if (code === 'invalid_grant') return new InvalidGrantError(`Dropbox: ${description ?? 'invalid_grant'}`);
  const message = `Dropbox ${what} failed: ${code ?? `HTTP ${status}`}${description ? ` (${description})` : ''}`;
  const opts = { status, vendor: 'dropbox', detail: { error: code } };
  if (status === 429) {
    const headers = (error as { headers?: Headers }).headers;
    return new SyncError('rate_limited', message, { ...opts, retryAfterMs: parseRetryAfter(headers?.get?.('retry-after')) ?? 30_000 });
  }
  return new SyncError(status >= 500 ? 'temporary' : 'internal', message, opts);
}
