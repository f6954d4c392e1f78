import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_USERS } from './demo-data';
import { startHarness, type Harness } from './test-harness';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const basic = () => `Basic ${Buffer.from(`${h.ctx.app.pipedrive.clientId}:${h.ctx.app.pipedrive.clientSecret}`).toString('base64')}`;
const tokenRequest = (params: Record<string, string>, headers: Record<string, string> = { authorization: basic() }) =>
  fetch(`${h.url}/pipedrive/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(params) });

describe('Pipedrive OAuth server (M1)', () => {
  it('shows a consent page for the signed-in host user with Allow and Deny', async () => {
    const q = new URLSearchParams({ client_id: h.ctx.app.pipedrive.clientId, redirect_uri: h.ctx.app.pipedrive.callbackUrl, state: 'abc' });
    const res = await fetch(`${h.url}/pipedrive/oauth/authorize?${q}`, { headers: { cookie: `pd_user=${DEMO_USERS.regular}` } });
    const page = await res.text();
    expect(res.status).toBe(200);
    expect(page).toContain('Synclane');
    expect(page).toContain('Northwind Traders');
    expect(page).toContain('Rahul Regular');
    expect(page).toMatch(/>Allow</);
    expect(page).toMatch(/>Deny</);
  });

  it('rejects an unregistered redirect_uri on the consent page', async () => {
    const q = new URLSearchParams({ client_id: h.ctx.app.pipedrive.clientId, redirect_uri: 'https://evil.example/cb', state: 'x' });
    const res = await fetch(`${h.url}/pipedrive/oauth/authorize?${q}`);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Invalid request: redirect_uri is invalid');
  });

  it('Deny redirects with error=user_denied and the state', async () => {
    const res = await fetch(`${h.url}/pipedrive/oauth/authorize/decision`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: h.ctx.app.pipedrive.clientId, redirect_uri: h.ctx.app.pipedrive.callbackUrl, state: 's1', decision: 'deny' }),
    });
    const location = new URL(res.headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('user_denied');
    expect(location.searchParams.get('state')).toBe('s1');
    expect(location.searchParams.get('code')).toBeNull();
  });

  it('exchanges a code with Basic auth; the code is single use', async () => {
    const code = await h.authorizeCode(DEMO_USERS.admin);
    const res = await tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: h.ctx.app.pipedrive.callbackUrl });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.access_token).toMatch(/^v1u:/);
    expect(body.token_type).toBe('Bearer');
    expect(body.scope).toBe('base,contacts:full,users:read,admin');
    expect(body.expires_in).toBe(3600);
    expect(body.api_domain).toBe(`${h.url}/pipedrive/c/northwind`);

    const again = await tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: h.ctx.app.pipedrive.callbackUrl });
    expect(again.status).toBe(400);
    expect(await again.json()).toEqual({ error: 'invalid_grant', error_description: 'Invalid grant: authorization_code is invalid' });
  });

  it('accepts client credentials in the body too', async () => {
    const code = await h.authorizeCode(DEMO_USERS.admin);
    const res = await tokenRequest({ grant_type: 'authorization_code', code, client_id: h.ctx.app.pipedrive.clientId, client_secret: h.ctx.app.pipedrive.clientSecret }, {});
    expect(res.status).toBe(200);
  });

  it('expires codes after 5 minutes', async () => {
    const code = await h.authorizeCode(DEMO_USERS.admin);
    h.advanceClock(5 * 60_000 + 1000);
    const res = await tokenRequest({ grant_type: 'authorization_code', code });
    expect(await res.json()).toEqual({ error: 'invalid_grant', error_description: 'Invalid grant: authorization_code has expired' });
  });

  it('requires a form body and valid client credentials', async () => {
    const json = await fetch(`${h.url}/pipedrive/oauth/token`, { method: 'POST', headers: { authorization: basic(), 'content-type': 'application/json' }, body: '{}' });
    expect(json.status).toBe(400);
    expect((await json.json()).error_description).toBe('Invalid request: content must be application/x-www-form-urlencoded');
    const wrong = await tokenRequest({ grant_type: 'refresh_token', refresh_token: 'x' }, { authorization: `Basic ${Buffer.from('synclane-sandbox:nope').toString('base64')}` });
    expect((await wrong.json()).error_description).toBe('Invalid client: client is invalid');
    const missing = await tokenRequest({});
    expect((await missing.json()).error_description).toBe('Missing parameter: grant_type');
    const unsupported = await tokenRequest({ grant_type: 'password' });
    expect((await unsupported.json()).error_description).toBe('Unsupported grant type: grant_type is invalid');
  });

  it('refresh returns a new access token and the same refresh token', async () => {
    const first = await h.install(DEMO_USERS.admin);
    const res = await tokenRequest({ grant_type: 'refresh_token', refresh_token: first.refresh_token });
    const second = await res.json();
    expect(res.status).toBe(200);
    expect(second.refresh_token).toBe(first.refresh_token);
    expect(second.access_token).not.toBe(first.access_token);
    expect(second.api_domain).toBe(first.api_domain);
  });

  it('answers 401 once the access token expired (configurable TTL), and refresh recovers', async () => {
    h.pipedrive.config({ accessTokenTtlSeconds: 2 });
    const tokens = await h.install(DEMO_USERS.admin);
    expect(tokens.expires_in).toBe(2);
    expect((await h.api(tokens.access_token, 'GET', '/api/v1/users/me')).status).toBe(200);
    h.advanceClock(2500);
    const expired = await h.api(tokens.access_token, 'GET', '/api/v1/users/me');
    expect(expired.status).toBe(401);
    expect(await expired.json()).toEqual({ success: false, error: 'unauthorized access', errorCode: 401 });
    const refreshed = await (await tokenRequest({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token })).json();
    expect((await h.api(refreshed.access_token, 'GET', '/api/v1/users/me')).status).toBe(200);
  });

  it('revoking the refresh token uninstalls: every token of the install dies', async () => {
    const tokens = await h.install(DEMO_USERS.admin);
    const res = await fetch(`${h.url}/pipedrive/oauth/revoke`, {
      method: 'POST',
      headers: { authorization: basic(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: tokens.refresh_token, token_type_hint: 'refresh_token' }),
    });
    expect(res.status).toBe(200);
    expect((await h.api(tokens.access_token, 'GET', '/api/v1/users/me')).status).toBe(401);
    expect(h.pipedrive.installations()).toEqual([]);
    const refresh = await tokenRequest({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    expect((await refresh.json()).error_description).toBe('Invalid grant: refresh_token is invalid');
  });

  it('uninstall sends DELETE with Basic auth and the documented body to the callback URL (M5)', async () => {
    h.ctx.app.pipedrive.callbackUrl = `${h.app.url}/api/pipedrive/callback`;
    const tokens = await h.install(DEMO_USERS.regular);
    const result = await h.pipedrive.uninstall(7401001, DEMO_USERS.regular);
    expect(result.callbackStatus).toBe(200);
    const call = h.app.requests.find((r) => r.method === 'DELETE')!;
    expect(call.url).toBe('/api/pipedrive/callback');
    expect(call.headers.authorization).toBe(basic());
    const body = JSON.parse(call.body);
    expect(body).toMatchObject({ client_id: 'synclane-sandbox', company_id: 7401001, user_id: DEMO_USERS.regular });
    expect(typeof body.timestamp).toBe('string');
    expect((await h.api(tokens.access_token, 'GET', '/api/v1/users/me')).status).toBe(401);
  });

  it('uninstall through the Marketplace page shows the outcome and survives an unreachable app', async () => {
    h.ctx.app.pipedrive.callbackUrl = 'http://127.0.0.1:1/api/pipedrive/callback';
    await h.install(DEMO_USERS.admin);
    const before = await (await fetch(`${h.url}/pipedrive/settings/marketplace`)).text();
    expect(before).toMatch(/>Uninstall</);
    const res = await fetch(`${h.url}/pipedrive/settings/marketplace/uninstall`, { method: 'POST' });
    const page = await res.text();
    expect(page).toContain('Synclane was uninstalled');
    expect(page).toContain('could not be notified');
    expect(page).toMatch(/>Install</);
  });
});
