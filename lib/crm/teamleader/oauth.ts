/** Teamleader Focus OAuth 2 (reference/crm-platforms.md §4.1): credentials in the body, single-use refresh tokens. */
import { z } from 'zod';
import { env } from '@/lib/env';
import { fetchJson, HttpError } from '../http';
import { InvalidGrantError, type TokenSet } from '@/lib/auth/token-manager';
import { SyncError } from '@/lib/errors';

const ZTokenResponse = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  expires_in: z.coerce.number().optional(),
  token_type: z.string().optional(),
});

export function teamleaderAuthorizeUrl(state: string): string {
  const { oauthUrl, clientId } = env().teamleader;
  const u = new URL(`${oauthUrl}/oauth2/authorize`);
  u.searchParams.set('client_id', clientId);
  u.searchParams.set('response_type', 'code');
  u.searchParams.set('redirect_uri', `${env().appUrl}/api/teamleader/callback`);
  u.searchParams.set('state', state);
  return u.toString();
}

async function tokenCall(form: Record<string, string>): Promise<TokenSet> {
  const { oauthUrl, clientId, clientSecret } = env().teamleader;
  try {
    const { body } = await fetchJson(`${oauthUrl}/oauth2/access_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ client_id: clientId, client_secret: clientSecret, ...form }).toString(),
    });
    const t = ZTokenResponse.parse(body);
    return {
      accessToken: t.access_token,
      refreshToken: t.refresh_token ?? null,
      expiresAt: t.expires_in ? new Date(Date.now() + t.expires_in * 1000) : null,
    };
  } catch (error) {
    if (error instanceof HttpError && (error.status === 400 || error.status === 401)) {
      const text = JSON.stringify(error.body);
      if (/invalid.grant|revoked|expired/i.test(text)) throw new InvalidGrantError(`Teamleader refused the grant: ${text}`);
      throw new SyncError('auth_revoked', `Teamleader token endpoint refused the request: ${text}`, { status: error.status });
    }
    throw error;
  }
}

export const exchangeTeamleaderCode = (code: string) =>
  tokenCall({ grant_type: 'authorization_code', code, redirect_uri: `${env().appUrl}/api/teamleader/callback` });

export const refreshTeamleaderToken = (refreshToken: string) => tokenCall({ grant_type: 'refresh_token', refresh_token: refreshToken });
