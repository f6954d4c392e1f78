/**
 * Dropbox Sign OAuth for our API app (vendor OAuth walkthrough; reference §3.1). The authorize page is
 * a browser redirect built from configuration; code exchange and refresh go through the SDK's
 * OAuthApi, whose basePath is the configured OAuth origin (app.hellosign.com, or the sandbox).
 * The `state` parameter is signed by the caller (install flow) and echoed back by Dropbox Sign.
 */
import { OAuthApi, OAuthTokenGenerateRequest, OAuthTokenRefreshRequest, type OAuthTokenResponse } from '@dropbox/sign';
import { env } from '@/lib/env';
import { InvalidGrantError, type TokenSet } from '@/lib/auth/token-manager';
import { dropboxSignErrorBody, dropboxSignStatus, mapDropboxSignError } from './errors';

export function dropboxSignAuthorizeUrl(signedState: string): string {
  const config = env().dropboxSign;
  const query = new URLSearchParams({ response_type: 'code', client_id: config.clientId, state: signedState });
  return `${config.oauthUrl}/oauth/authorize?${query}`;
}

function oauthApi(): OAuthApi {
  return new OAuthApi(env().dropboxSign.oauthUrl);
}

function toTokenSet(body: OAuthTokenResponse, previousRefreshToken: string | null, now: number): TokenSet {
  if (!body.accessToken) throw new InvalidGrantError('Dropbox Sign returned no access token.');
  const expiresIn = Number(body.expiresIn);
  return {
    accessToken: body.accessToken,
    refreshToken: body.refreshToken && body.refreshToken !== previousRefreshToken ? body.refreshToken : null,
    expiresAt: Number.isFinite(expiresIn) && expiresIn > 0 ? new Date(now + expiresIn * 1000) : null,
    scope: null,
  };
}

/** 400/401 from the token endpoint mean the code or refresh token is dead: reconnect, do not retry. */
function rethrow(error: unknown): never {
  const status = dropboxSignStatus(error);
  if (status === 400 || status === 401) {
    const body = dropboxSignErrorBody(error);
    throw new InvalidGrantError(`Dropbox Sign: ${body.message ?? body.name ?? 'invalid_grant'}`);
  }
  throw mapDropboxSignError(error);
}

/** Exchanges the code from the OAuth callback; `state` must be the value Dropbox Sign echoed back. */
export async function exchangeDropboxSignCode(code: string, state: string, now = Date.now()): Promise<TokenSet & { refreshToken: string | null }> {
  const config = env().dropboxSign;
  const request = Object.assign(new OAuthTokenGenerateRequest(), {
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    code,
    grantType: 'authorization_code',
    state,
  });
  try {
    const { body } = await oauthApi().oauthTokenGenerate(request);
    return { ...toTokenSet(body, null, now), refreshToken: body.refreshToken ?? null };
  } catch (error) {
    rethrow(error);
  }
}

export async function refreshDropboxSignToken(refreshToken: string, now = Date.now()): Promise<TokenSet> {
  const config = env().dropboxSign;
  const request = Object.assign(new OAuthTokenRefreshRequest(), {
    grantType: 'refresh_token',
    refreshToken,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
  });
  try {
    const { body } = await oauthApi().oauthTokenRefresh(request);
    return toTokenSet(body, refreshToken, now);
  } catch (error) {
    rethrow(error);
  }
}
