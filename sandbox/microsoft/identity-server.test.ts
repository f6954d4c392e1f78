import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oauth from 'oauth4webapi';
import { GraphError } from '@microsoft/microsoft-graph-client';
import { APP_SCOPES, authorize, graphClient, refresh, signIn, startMicrosoftSandbox, type TestSandbox } from './test-support';

const OLIVIA = 'olivia.northwind@outlook.com';
const LOTTE = 'lotte.bruggebikes@outlook.com';

let sandbox: TestSandbox;
beforeAll(async () => {
  sandbox = await startMicrosoftSandbox();
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.microsoft.reset());

describe('Microsoft identity platform v2 emulator', () => {
  it('MI1: discovery names the exact per-tenant issuer and the tenant endpoints', async () => {
    for (const tenant of ['common', 'consumers', '9188040d-6c67-4c5b-b112-36a304b66dad']) {
      const issuer = new URL(`${sandbox.url}/microsoft/${tenant}/v2.0`);
      const response = await oauth.discoveryRequest(issuer, { [oauth.allowInsecureRequests]: true });
      const metadata = await oauth.processDiscoveryResponse(issuer, response);
      expect(metadata.issuer).toBe(issuer.href);
      expect(metadata.authorization_endpoint).toBe(`${sandbox.url}/microsoft/${tenant}/oauth2/v2.0/authorize`);
      expect(metadata.token_endpoint).toBe(`${sandbox.url}/microsoft/${tenant}/oauth2/v2.0/token`);
      expect(metadata.jwks_uri).toBe(`${sandbox.url}/microsoft/${tenant}/discovery/v2.0/keys`);
      expect(metadata.userinfo_endpoint).toBe(`${sandbox.url}/microsoft/oidc/userinfo`);
      expect(metadata.token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(['client_secret_basic', 'client_secret_post']));
    }
  });

  it('MI2: code + PKCE S256 gives tokens and an RS256 id_token verifiable against the JWKS', async () => {
    const { response, tokens } = await signIn(sandbox, OLIVIA, { nonce: 'n-123' });
    expect(response.status).toBe(200);
    expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: 3600, ext_expires_in: 3600 });
    expect(tokens.scope.split(' ')).toEqual(expect.arrayContaining(['User.Read', 'Contacts.ReadWrite', 'openid']));
    expect(tokens.refresh_token).toBeTruthy();
    const issuer = `${sandbox.url}/microsoft/common/v2.0`;
    const jwks = createRemoteJWKSet(new URL(`${sandbox.url}/microsoft/common/discovery/v2.0/keys`));
    const { payload, protectedHeader } = await jwtVerify(tokens.id_token!, jwks, { issuer, audience: sandbox.ctx.app.microsoft.clientId });
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload).toMatchObject({
      email: OLIVIA,
      preferred_username: OLIVIA,
      name: 'Olivia Northwind',
      nonce: 'n-123',
      tid: '9188040d-6c67-4c5b-b112-36a304b66dad',
      oid: '00000000-0000-0000-4a1c-0a1b2c3d4e01',
    });
    expect(payload.sub).toEqual(expect.any(String));
    expect(payload.exp! - payload.iat!).toBe(3600);
  });

  it('MI3: the id_token issuer follows the tenant of the token endpoint', async () => {
    const { tokens } = await signIn(sandbox, LOTTE, { tenant: 'consumers' });
    const jwks = createRemoteJWKSet(new URL(`${sandbox.url}/microsoft/consumers/discovery/v2.0/keys`));
    const { payload } = await jwtVerify(tokens.id_token!, jwks, { issuer: `${sandbox.url}/microsoft/consumers/v2.0` });
    expect(payload.email).toBe(LOTTE);
  });

  it('MI4: the flow passes oauth4webapi (what Auth.js runs) checks end to end', async () => {
    const issuer = new URL(`${sandbox.url}/microsoft/common/v2.0`);
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { [oauth.allowInsecureRequests]: true }));
    // Like login.microsoftonline.com, no code_challenge_methods_supported: Auth.js falls back to a nonce.
    expect(as.code_challenge_methods_supported).toBeUndefined();
    const app = sandbox.ctx.app.microsoft;
    const client: oauth.Client = { client_id: app.clientId };
    const { location, state, verifier } = await authorize(sandbox, OLIVIA, 'allow', { nonce: 'nonce-xyz' });
    const params = oauth.validateAuthResponse(as, client, location, state);
    const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.ClientSecretPost(app.clientSecret), params, app.redirectUris[0], verifier, {
      [oauth.allowInsecureRequests]: true,
    });
    const result = await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: 'nonce-xyz', requireIdToken: true });
    expect(oauth.getValidatedIdTokenClaims(result)).toMatchObject({ iss: issuer.href, aud: app.clientId, email: OLIVIA });
  });

  it('MI5: a wrong PKCE verifier and a replayed code are rejected with invalid_grant', async () => {
    const bad = await signIn(sandbox, OLIVIA, { verifierOverride: 'x'.repeat(43) });
    expect(bad.response.status).toBe(400);
    expect(bad.tokens).toMatchObject({ error: 'invalid_grant', error_codes: [501481] });

    const { code, verifier } = await authorize(sandbox, OLIVIA, 'allow');
    const app = sandbox.ctx.app.microsoft;
    const redeem = () =>
      fetch(`${sandbox.url}/microsoft/common/oauth2/v2.0/token`, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'authorization_code', code: code!, redirect_uri: app.redirectUris[0], code_verifier: verifier, client_id: app.clientId, client_secret: app.clientSecret }),
      });
    expect((await redeem()).status).toBe(200);
    const replay = await redeem();
    expect(replay.status).toBe(400);
    expect(await replay.json()).toMatchObject({ error: 'invalid_grant', error_codes: [54005] });
  });

  it('MI6: a refresh returns a new refresh token and the old one stays valid until revoked', async () => {
    const { tokens } = await signIn(sandbox, OLIVIA);
    const first = await refresh(sandbox, tokens.refresh_token!);
    expect(first.status).toBe(200);
    const rotated = (await first.json()) as { refresh_token: string; access_token: string; id_token?: string };
    expect(rotated.refresh_token).not.toBe(tokens.refresh_token);
    expect(rotated.access_token).not.toBe(tokens.access_token);
    expect(rotated.id_token).toBeTruthy();

    // "doesn't revoke old refresh tokens when used to fetch new access tokens"
    expect((await refresh(sandbox, tokens.refresh_token!)).status).toBe(200);
    expect((await refresh(sandbox, rotated.refresh_token)).status).toBe(200);
  });

  it('MI7: no offline_access, no refresh token', async () => {
    const { tokens } = await signIn(sandbox, OLIVIA, { scope: 'openid profile email User.Read Contacts.ReadWrite' });
    expect(tokens.refresh_token).toBeUndefined();
    expect(tokens.access_token).toBeTruthy();
  });

  it('MI8: the consent page preselects login_hint; Deny redirects with access_denied and state', async () => {
    const { pageHtml, location, state } = await authorize(sandbox, LOTTE, 'deny');
    expect(pageHtml).toMatch(new RegExp(`value="${LOTTE}" checked`));
    expect(pageHtml).toContain('Allow');
    expect(pageHtml).toContain('Deny');
    expect(location.origin + location.pathname).toBe(sandbox.ctx.app.microsoft.redirectUris[0]);
    expect(location.searchParams.get('error')).toBe('access_denied');
    expect(location.searchParams.get('error_description')).toMatch(/AADSTS65004/);
    expect(location.searchParams.get('state')).toBe(state);
  });

  it('MI9: an unregistered redirect_uri gets an error page, never a redirect', async () => {
    const app = sandbox.ctx.app.microsoft;
    const query = new URLSearchParams({ client_id: app.clientId, response_type: 'code', redirect_uri: 'https://evil.example/cb', scope: APP_SCOPES });
    const response = await fetch(`${sandbox.url}/microsoft/common/oauth2/v2.0/authorize?${query}`, { redirect: 'manual' });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('AADSTS50011');
  });

  it('MI10: client_secret_basic and client_secret_post are accepted; a wrong secret is invalid_client', async () => {
    const { tokens } = await signIn(sandbox, OLIVIA); // basic
    const post = await refresh(sandbox, tokens.refresh_token!); // post
    expect(post.status).toBe(200);
    const wrong = await fetch(`${sandbox.url}/microsoft/common/oauth2/v2.0/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: ((await post.json()) as { refresh_token: string }).refresh_token, client_id: sandbox.ctx.app.microsoft.clientId, client_secret: 'nope' }),
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: 'invalid_client', error_codes: [7000215] });
  });

  it('MI11: revoking an account makes its refresh tokens invalid_grant (admin endpoint)', async () => {
    const { tokens } = await signIn(sandbox, OLIVIA);
    const revoke = await fetch(`${sandbox.url}/microsoft/_admin/accounts/${OLIVIA}/revoke`, { method: 'POST' });
    expect(await revoke.json()).toEqual({ revokedRefreshTokens: 1 });
    const response = await refresh(sandbox, tokens.refresh_token!);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_grant', error_codes: [50173] });
  });

  it('MI12: access-token TTL is configurable; expired tokens get 401 InvalidAuthenticationToken from Graph', async () => {
    await fetch(`${sandbox.url}/microsoft/_admin/config`, { method: 'POST', body: JSON.stringify({ accessTokenTtlSeconds: 120 }) });
    const { tokens } = await signIn(sandbox, OLIVIA);
    expect(tokens.expires_in).toBe(120);
    const client = graphClient(sandbox, () => tokens.access_token);
    expect((await client.api('/me').get()).mail).toBe(OLIVIA);
    sandbox.advanceClock(121_000);
    const error = (await client.api('/me').get().catch((e) => e)) as GraphError;
    expect(error.statusCode).toBe(401);
    expect(error.code).toBe('InvalidAuthenticationToken');
    expect(error.message).toBe('Lifetime validation failed, the token is expired.');
  });

  it('MI13: userinfo answers for a valid access token', async () => {
    const { tokens } = await signIn(sandbox, LOTTE);
    const response = await fetch(`${sandbox.url}/microsoft/oidc/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(await response.json()).toMatchObject({ email: LOTTE, given_name: 'Lotte', family_name: 'Peeters' });
  });
});
