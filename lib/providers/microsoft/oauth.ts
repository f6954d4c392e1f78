/**
 * Microsoft identity platform v2 token refresh: a plain form POST to the configured authority (real
 * login.microsoftonline.com or the sandbox), so no MSAL metadata/knownAuthorities dance is needed.
 * Refresh tokens rotate on every use: the new one is returned and must replace the old one.
 */
import { env } from '@/lib/env';
import { SyncError, parseRetryAfter, toSyncError } from '@/lib/errors';
import { InvalidGrantError, type TokenSet } from '@/lib/auth/token-manager';

export const MICROSOFT_SCOPES = 'offline_access Contacts.ReadWrite User.Read';

type TokenResponse = { access_token?: string; refresh_token?: string; expires_in?: number | string; scope?: string; error?: string; error_description?: string };

export async function refreshMicrosoftToken(refreshToken: string): Promise<TokenSet> {
  const m = env().microsoft;
  let response: Response;
  try {
    response = await fetch(`${m.authority}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        client_id: m.clientId,
        client_secret: m.clientSecret,
        scope: MICROSOFT_SCOPES,
      }),
    });
  } catch (error) {
    throw toSyncError(error);
  }
  const data = (await response.json().catch(() => ({}))) as TokenResponse;
  if (!response.ok || !data.access_token) {
    if (data.error === 'invalid_grant') throw new InvalidGrantError(`Microsoft: ${data.error_description ?? 'invalid_grant'}`);
    const message = `Microsoft token refresh failed: ${data.error ?? `HTTP ${response.status}`}${data.error_description ? ` (${data.error_description})` : ''}`;
    const opts = { status: response.status, vendor: 'microsoft', detail: { error: data.error } };
    if (response.status === 429) throw new SyncError('rate_limited', message, { ...opts, retryAfterMs: parseRetryAfter(response.headers.get('retry-after')) ?? 30_000 });
    throw new SyncError(response.status >= 500 ? 'temporary' : 'internal', message, opts);
  }
  const expiresIn = Number(data.expires_in);
  return {
    accessToken: data.access_token,
    refreshToken: data.refresh_token ?? null,
    expiresAt: Number.isFinite(expiresIn) && expiresIn > 0 ? new Date(Date.now() + expiresIn * 1000) : null,
    scope: data.scope ?? null,
  };
}
