import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oauth from 'oauth4webapi';
import { Auth } from '@auth/core';
import Google from '@auth/core/providers/google';
import { APP_URL, REDIRECT_URI, SCOPES, consent, failure, oauthClient, peopleClient, signIn, startHarness, type Harness } from './test-harness';

const OLIVIA = 'olivia.northwind@gmail.com';
const RAHUL = 'rahul.northwind@gmail.com';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => h.google.reset());

function authorizeUrl(params: Record<string, string>): string {
  const url = new URL(`${h.url}/google/o/oauth2/v2/auth`);
  const defaults = { client_id: h.ctx.app.google.clientId, redirect_uri: REDIRECT_URI, response_type: 'code', scope: SCOPES.join(' '), state: 's1' };
  for (const [k, v] of Object.entries({ ...defaults, ...params })) url.searchParams.set(k, v);
  return url.toString();
}

async function postToken(form: Record<string, string>, basic?: [string, string]) {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (basic) headers.authorization = `Basic ${Buffer.from(`${basic[0]}:${basic[1]}`).toString('base64')}`;
  const res = await fetch(`${h.url}/google/token`, { method: 'POST', headers, body: new URLSearchParams(form) });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

describe('OIDC discovery and keys', () => {
  it('G-O1: serves an OpenID configuration whose issuer is exactly the /google base', async () => {
    const doc = (await (await fetch(`${h.url}/google/.well-known/openid-configuration`)).json()) as Record<string, any>;
    expect(doc.issuer).toBe(`${h.url}/google`);
    expect(doc.authorization_endpoint).toBe(`${h.url}/google/o/oauth2/v2/auth`);
    expect(doc.token_endpoint).toBe(`${h.url}/google/token`);
    expect(doc.jwks_uri).toBe(`${h.url}/google/oauth2/v3/certs`);
    expect(doc.id_token_signing_alg_values_supported).toEqual(['RS256']);
    expect(doc.code_challenge_methods_supported).toContain('S256');
  });

  it('G-O2: oauth4webapi discovers it the way @auth/core does', async () => {
    const issuer = new URL(`${h.url}/google`);
    const response = await oauth.discoveryRequest(issuer, { [oauth.allowInsecureRequests]: true });
    const as = await oauth.processDiscoveryResponse(issuer, response);
    expect(as.userinfo_endpoint).toBeTruthy();
    expect(as.token_endpoint).toBe(`${h.url}/google/token`);
  });

  it('G-O3: id_token is RS256, verifiable with the JWKS, and carries iss/aud/sub/email/name/nonce', async () => {
    const client = oauthClient(h);
    const verifier = oauth.generateRandomCodeVerifier();
    const url = authorizeUrl({ login_hint: OLIVIA, nonce: 'n-0S6', code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', access_type: 'offline' });
    const callback = await consent(url, OLIVIA);
    const { tokens } = await client.getToken({ code: callback.searchParams.get('code')!, codeVerifier: verifier });
    const jwks = createRemoteJWKSet(new URL(`${h.url}/google/oauth2/v3/certs`));
    const { payload, protectedHeader } = await jwtVerify(tokens.id_token!, jwks, { issuer: `${h.url}/google`, audience: h.ctx.app.google.clientId });
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload).toMatchObject({ email: OLIVIA, email_verified: true, name: 'Olivia Admin', nonce: 'n-0S6', azp: h.ctx.app.google.clientId });
    expect(typeof payload.sub).toBe('string');
    expect(payload.exp! - payload.iat!).toBe(3600);
    // google-auth-library's own verifier accepts it too (PEM certs endpoint).
    const ticket = await client.verifyIdToken({ idToken: tokens.id_token!, audience: h.ctx.app.google.clientId });
    expect(ticket.getPayload()?.email).toBe(OLIVIA);
  });
});

describe('authorization endpoint', () => {
  it('G-O4: the consent page lists every demo account and preselects login_hint', async () => {
    const res = await fetch(authorizeUrl({ login_hint: RAHUL }));
    const page = await res.text();
    expect(res.status).toBe(200);
    for (const email of [OLIVIA, RAHUL, 'lotte.bruggebikes@gmail.com']) expect(page).toContain(email);
    expect(page).toMatch(new RegExp(`value="${RAHUL.replace(/\./g, '\\.')}" checked`));
    expect(page).toContain('See, edit, download and permanently delete your contacts');
  });

  it('G-O5: Deny redirects with error=access_denied and the state', async () => {
    const callback = await consent(authorizeUrl({ state: 'xyz' }), OLIVIA, 'deny');
    expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT_URI);
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('state')).toBe('xyz');
    expect(callback.searchParams.get('code')).toBeNull();
  });

  it('G-O6: an unregistered redirect_uri or client gets an error page, never a redirect', async () => {
    const badRedirect = await fetch(authorizeUrl({ redirect_uri: 'https://evil.example/cb' }), { redirect: 'manual' });
    expect(badRedirect.status).toBe(400);
    expect(await badRedirect.text()).toContain('redirect_uri_mismatch');
    const badClient = await fetch(authorizeUrl({ client_id: 'nope' }), { redirect: 'manual' });
    expect(badClient.status).toBe(401);
  });
});

describe('token endpoint', () => {
  it('G-O7: code + PKCE exchange through google-auth-library, then refresh', async () => {
    const { client, tokens } = await signIn(h, OLIVIA);
    expect(tokens.refresh_token).toMatch(/^1\/\//);
    expect(tokens.scope).toContain('https://www.googleapis.com/auth/contacts');
    expect(tokens.scope).toContain('https://www.googleapis.com/auth/userinfo.email');
    expect(tokens.token_type).toBe('Bearer');
    const first = tokens.access_token;
    const refreshed = await client.refreshAccessToken();
    expect(refreshed.credentials.access_token).not.toBe(first);
    expect(refreshed.credentials.refresh_token).toBe(tokens.refresh_token);
  });

  it('G-O8: a wrong code_verifier, a reused code and a bad secret are rejected', async () => {
    const verifier = oauth.generateRandomCodeVerifier();
    const url = authorizeUrl({ code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
    const code = (await consent(url, OLIVIA)).searchParams.get('code')!;
    const { clientId, clientSecret } = h.ctx.app.google;
    const base = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI };
    expect(await postToken({ ...base, code_verifier: 'wrong-verifier-wrong-verifier-wrong-verifier' }, [clientId, clientSecret])).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await postToken({ ...base, code_verifier: verifier }, [clientId, 'bad'])).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    // Basic auth (Auth.js default) works…
    expect((await postToken({ ...base, code_verifier: verifier }, [clientId, clientSecret])).status).toBe(200);
    // …and the code is single-use.
    expect(await postToken({ ...base, code_verifier: verifier, client_id: clientId, client_secret: clientSecret })).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('G-O9: refresh token only with access_type=offline; re-consent without prompt=consent gets none', async () => {
    const online = await signIn(h, OLIVIA, { offline: false });
    expect(online.tokens.refresh_token).toBeFalsy();
    const url = authorizeUrl({ access_type: 'offline', login_hint: RAHUL });
    const first = await postToken({ grant_type: 'authorization_code', code: (await consent(url, RAHUL)).searchParams.get('code')!, redirect_uri: REDIRECT_URI }, [h.ctx.app.google.clientId, h.ctx.app.google.clientSecret]);
    expect(first.body.refresh_token).toBeTruthy();
    const again = await postToken({ grant_type: 'authorization_code', code: (await consent(url, RAHUL)).searchParams.get('code')!, redirect_uri: REDIRECT_URI }, [h.ctx.app.google.clientId, h.ctx.app.google.clientSecret]);
    expect(again.status).toBe(200);
    expect(again.body.refresh_token).toBeUndefined();
  });

  it('G-O10: revoking (HTTP or admin) ends the grant: refresh answers invalid_grant', async () => {
    const { client, tokens } = await signIn(h, OLIVIA);
    await client.revokeToken(tokens.access_token!);
    const res = await postToken({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: h.ctx.app.google.clientId, client_secret: h.ctx.app.google.clientSecret });
    expect(res).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' } });

    const second = await signIn(h, OLIVIA);
    const admin = await fetch(`${h.url}/google/_admin/accounts/${OLIVIA}/revoke`, { method: 'POST' });
    expect(admin.status).toBe(200);
    const refreshFailure = await failure(second.client.refreshAccessToken());
    expect(refreshFailure.data).toMatchObject({ error: 'invalid_grant' });
  });

  it('G-O11: an expired access token gets 401 UNAUTHENTICATED; OAuth2Client refreshes it', async () => {
    const { client } = await signIn(h, OLIVIA);
    h.google.expireAccessTokens();
    const api = peopleClient(h, client);
    const rejected = await failure(api.people.connections.list({ resourceName: 'people/me', personFields: 'names' }));
    expect(rejected.status).toBe(401);
    expect(rejected.data.error).toMatchObject({ code: 401, status: 'UNAUTHENTICATED' });
    expect(rejected.data.error.details[0].reason).toBe('ACCESS_TOKEN_EXPIRED');
    // Once the client knows the token is stale it refreshes against /google/token by itself.
    client.setCredentials({ ...client.credentials, expiry_date: Date.now() - 1 });
    const res = await api.people.connections.list({ resourceName: 'people/me', personFields: 'names', pageSize: 5 });
    expect(res.status).toBe(200);
    expect(res.data.connections).toHaveLength(5);
  });

  it('G-O12: access-token TTL is configurable and follows the emulated clock', async () => {
    h.google.config({ accessTokenTtlSeconds: 60 });
    const { tokens } = await signIn(h, OLIVIA);
    expect(tokens.expiry_date! - Date.now()).toBeLessThanOrEqual(60_000);
    h.advanceClock(61_000);
    const raw = await fetch(`${h.url}/google/oauth2/v3/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(raw.status).toBe(401);
  });

  it('G-O13: userinfo returns the OIDC profile', async () => {
    const { tokens } = await signIn(h, RAHUL);
    const info = (await (await fetch(`${h.url}/google/oauth2/v3/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } })).json()) as any;
    expect(info).toMatchObject({ email: RAHUL, email_verified: true, name: 'Rahul Regular', given_name: 'Rahul' });
  });
});

describe('Auth.js Google provider (unmodified except issuer)', () => {
  function cookieJar() {
    const jar = new Map<string, string>();
    return {
      store(res: Response) {
        for (const c of res.headers.getSetCookie()) {
          const [pair] = c.split(';');
          const i = pair.indexOf('=');
          jar.set(pair.slice(0, i), pair.slice(i + 1));
        }
      },
      header: () => [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
      get: (k: string) => jar.get(k),
    };
  }

  it('G-O14: sign-in round trip: discovery, consent, code + PKCE (client_secret_basic), id_token checks', async () => {
    const config = {
      basePath: '/api/auth',
      secret: 'test-secret-test-secret-test-secret-42',
      trustHost: true,
      providers: [
        Google({
          issuer: `${h.url}/google`,
          clientId: h.ctx.app.google.clientId,
          clientSecret: h.ctx.app.google.clientSecret,
          authorization: { params: { access_type: 'offline', prompt: 'consent', scope: SCOPES.join(' '), login_hint: OLIVIA } },
        }),
      ],
      callbacks: {
        jwt({ token, account }: { token: Record<string, unknown>; account?: Record<string, unknown> | null }) {
          if (account) token.refreshToken = account.refresh_token;
          return token;
        },
      },
    };
    const auth = (request: Request) => Auth(request, config as never) as unknown as Promise<Response>;
    const jar = cookieJar();
    const csrfRes = await auth(new Request(`${APP_URL}/api/auth/csrf`));
    jar.store(csrfRes);
    const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };

    const signin = await auth(
      new Request(`${APP_URL}/api/auth/signin/google`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jar.header() },
        body: new URLSearchParams({ csrfToken, callbackUrl: `${APP_URL}/settings` }),
      }),
    );
    jar.store(signin);
    const authorizeLocation = signin.headers.get('location')!;
    expect(authorizeLocation.startsWith(`${h.url}/google/o/oauth2/v2/auth?`)).toBe(true);
    expect(new URL(authorizeLocation).searchParams.get('code_challenge_method')).toBe('S256');

    const callback = await consent(authorizeLocation, OLIVIA);
    const done = await auth(new Request(callback.toString(), { headers: { cookie: jar.header() } }));
    jar.store(done);
    expect(done.status).toBe(302);
    expect(done.headers.get('location')).toBe(`${APP_URL}/settings`);

    const session = await auth(new Request(`${APP_URL}/api/auth/session`, { headers: { cookie: jar.header() } }));
    expect(((await session.json()) as any).user.email).toBe(OLIVIA);
  });
});
