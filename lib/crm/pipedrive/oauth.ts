/** Pipedrive OAuth 2 (reference/crm-platforms.md §1): Basic-auth token calls, reusable refresh tokens. */
import { z } from 'zod';
import { env } from '@/lib/env';
import { fetchJson, HttpError } from '../http';
import { InvalidGrantError, type TokenSet } from '@/lib/auth/token-manager';
import { SyncError } from '@/lib/errors';

const ZTokenResponse = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  expires_in: z.coerce.number().optional(),
  scope: z.string().optional(),
  api_domain: z.string().url().optional(),
  token_type: z.string().optional(),
});

export function pipedriveAuthorizeUrl(state: string): string {
  const { oauthUrl, clientId } = env().pipedrive;
  const u = new URL(`${oauthUrl}/oauth/authorize`);
  u.searchParams.set('client_id', clientId);
  u.searchParams.set('redirect_uri', `${env().appUrl}/api/pipedrive/callback`);
  u.searchParams.set('state', state);
  return u.toString();
}

async function tokenCall(form: Record<string, string>): Promise<TokenSet & { apiDomain?: string }> {
  const { oauthUrl, clientId, clientSecret } = env().pipedrive;
  try {
    const { body } = await fetchJson(`${oauthUrl}/oauth/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams(form).toString(),
    });
    const t = ZTokenResponse.parse(body);
    return {
      accessToken: t.access_token,
      refreshToken: t.refresh_token ?? null,
      expiresAt: t.expires_in ? new Date(Date.now() + t.expires_in * 1000) : null,
      scope: t.scope ?? null,
      apiDomain: t.api_domain,
    };
  } catch (error) {
    if (error instanceof HttpError && (error.status === 400 || error.status === 401)) {
      const text = JSON.stringify(error.body);
      if (/invalid.grant|invalid_grant/i.test(text)) throw new InvalidGrantError(`Pipedrive refused the grant: ${text}`);
      throw new SyncError('auth_revoked', `Pipedrive token endpoint refused the request: ${text}`, { status: error.status });
    }
    throw error;
  }
}

export const exchangePipedriveCode = (code: string) =>
  tokenCall({ grant_type: 'authorization_code', code, redirect_uri: `${env().appUrl}/api/pipedrive/callback` });

export const refreshPipedriveToken = (refreshToken: string) => tokenCall({ grant_type: 'refresh_token', refresh_token: refreshToken });
