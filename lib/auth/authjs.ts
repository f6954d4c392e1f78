/**
 * Auth.js (next-auth v5) is used for what it is good at: the OAuth/OIDC dance with Google and Microsoft
 * (discovery, PKCE, state, nonce, id_token validation). It does not own sessions here: the signIn
 * callback keeps the consent result on the link flow named by the signed flow cookie and hands a one-time
 * code to the popup, which passes it to its opener; the opener's verified CRM user redeems it (S1).
 * Issuers are configuration: the real ones in production, the sandbox emulators otherwise.
 */
import NextAuth from 'next-auth';
import Google from 'next-auth/providers/google';
import { cookies } from 'next/headers';
import { env } from '@/lib/env';
import { LINK_CODE_COOKIE, LINK_CODE_PATH, LINK_CODE_TTL_SECONDS, LINK_FLOW_COOKIE, LinkRefused, recordConsent } from './provider-linking';

export const GOOGLE_SCOPES = 'openid email profile https://www.googleapis.com/auth/contacts';
/** No `openid`: identity comes from Graph /me, so no id_token needs validating against a per-tenant issuer. */
export const MICROSOFT_SCOPES = 'offline_access User.Read Contacts.ReadWrite';

export const { handlers, signIn } = NextAuth(() => {
  const e = env();
  process.env.AUTH_URL ??= `${e.appUrl}/api/auth`;
  return {
    secret: e.authSecret,
    trustHost: true,
    session: { strategy: 'jwt' },
    providers: [
      Google({
        clientId: e.google.clientId,
        clientSecret: e.google.clientSecret,
        issuer: e.google.issuer,
        authorization: { params: { scope: GOOGLE_SCOPES, access_type: 'offline', prompt: 'consent', include_granted_scopes: 'true' } },
      }),
      // Microsoft as a plain OAuth 2 provider with explicit endpoints rather than Auth.js' Entra OIDC provider:
      // that one re-runs discovery for the account's tenant (`tid`) after the token call — which cannot work
      // for the multi-tenant `common` authority's placeholder issuer and refuses plain-http emulators.
      // Identity comes from Graph /me (User.Read), called with the Graph access token.
      {
        id: 'microsoft-entra-id',
        name: 'Microsoft',
        type: 'oauth',
        clientId: e.microsoft.clientId,
        clientSecret: e.microsoft.clientSecret,
        authorization: { url: `${e.microsoft.authority}/oauth2/v2.0/authorize`, params: { scope: MICROSOFT_SCOPES, response_mode: 'query' } },
        token: `${e.microsoft.authority}/oauth2/v2.0/token`,
        userinfo: `${e.microsoft.graphUrl}/v1.0/me`,
        checks: ['pkce', 'state'],
        client: { token_endpoint_auth_method: 'client_secret_post' },
        profile: (p: { id: string; displayName?: string; mail?: string | null; userPrincipalName?: string }) => ({
          id: p.id,
          name: p.displayName ?? null,
          email: p.mail ?? p.userPrincipalName ?? null,
        }),
      },
    ],
    callbacks: {
      async signIn({ account, profile, user }) {
        if (!account) return '/connect/done?status=error&reason=no_account';
        const provider = account.provider === 'google' ? 'google' : 'microsoft';
        const email = (profile?.email as string | undefined) ?? user?.email ?? (profile?.preferred_username as string | undefined) ?? null;
        const jar = await cookies();
        let outcome;
        try {
          outcome = await recordConsent(
            jar.get(LINK_FLOW_COOKIE)?.value,
            provider,
            { providerAccountId: account.providerAccountId, access_token: account.access_token, refresh_token: account.refresh_token, expires_at: account.expires_at, scope: account.scope },
            { email, name: (profile?.name as string | undefined) ?? user?.name ?? null },
          );
        } catch (error) {
          if (error instanceof LinkRefused) return error.reason === 'provider_mismatch' ? '/connect/done?status=error&reason=provider_mismatch' : `/connect/done?status=${error.reason === 'uninstalled' ? 'refused' : 'expired'}`;
          throw error;
        } finally {
          jar.delete(LINK_FLOW_COOKIE);
        }
        if (outcome.status === 'email_mismatch')
          return `/connect/done?status=email_mismatch&provider=${provider}&expected=${encodeURIComponent(outcome.expected)}&got=${encodeURIComponent(outcome.got)}`;
        // The code goes to the popup's opener only (whoever opened the URL elsewhere has no opener to give it
        // to), and travels in a short-lived cookie of this browser rather than a URL that could be copied.
        jar.set(LINK_CODE_COOKIE, outcome.code, { httpOnly: true, sameSite: 'lax', secure: e.appUrl.startsWith('https://'), path: LINK_CODE_PATH, maxAge: LINK_CODE_TTL_SECONDS });
        return `/connect/done?status=consented&provider=${provider}`;
      },
    },
    pages: { error: '/connect/done' },
  };
});
