/** Google token refresh through google-auth-library's OAuth2Client, pointed at the configured token URL. */
import { OAuth2Client } from 'google-auth-library';
import { env } from '@/lib/env';
import { InvalidGrantError, type TokenSet } from '@/lib/auth/token-manager';

export function googleOAuthClient(): OAuth2Client {
  const g = env().google;
  return new OAuth2Client({ clientId: g.clientId, clientSecret: g.clientSecret, endpoints: { oauth2TokenUrl: g.tokenUrl } });
}

export async function refreshGoogleToken(refreshToken: string): Promise<TokenSet> {
  const client = googleOAuthClient();
  client.setCredentials({ refresh_token: refreshToken });
  try {
    const { token } = await client.getAccessToken();
    if (!token) throw new InvalidGrantError('Google returned no access token.');
    const c = client.credentials;
    return {
      accessToken: token,
      refreshToken: c.refresh_token && c.refresh_token !== refreshToken ? c.refresh_token : null,
      expiresAt: c.expiry_date ? new Date(c.expiry_date) : null,
      scope: c.scope ?? null,
    };
  } catch (error) {
    const data = (error as { response?: { data?: { error?: string; error_description?: string } } }).response?.data;
    if (data?.error === 'invalid_grant') throw new InvalidGrantError(`Google: ${data.error_description ?? 'invalid_grant'}`);
    throw error;
  }
}
