import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_ACCOUNT_ID, DEMO_ADMIN_USER_ID, DEMO_REGULAR_USER_ID } from './index';
import { apiClient, startHarness, type Harness } from './test-support';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => h.emulator.reset());

const app = () => h.ctx.app.teamleader;

function authorizeUrl(params: Record<string, string> = {}) {
  const url = new URL(`${h.base}/oauth2/authorize`);
  const all = { client_id: app().clientId, response_type: 'code', state: 'signed-state', redirect_uri: app().redirectUri, ...params };
  for (const [k, v] of Object.entries(all)) url.searchParams.set(k, v);
  return url.toString();
}

async function decide(decision: 'allow' | 'deny', cookie?: string) {
  const res = await fetch(`${h.base}/oauth2/authorize`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
    body: new URLSearchParams({ client_id: app().clientId, redirect_uri: app().redirectUri, state: 'signed-state', decision }),
  });
  return new URL(res.headers.get('location')!);
}

async function token(body: Record<string, string>, as: 'form' | 'json' = 'form') {
  const res = await fetch(`${h.base}/oauth2/access_token`, {
    method: 'POST',
    headers: { 'content-type': as === 'form' ? 'application/x-www-form-urlencoded' : 'application/json' },
    body: as === 'form' ? new URLSearchParams(body) : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

const creds = () => ({ client_id: app().clientId, client_secret: app().clientSecret });

async function install(as: 'form' | 'json' = 'form') {
  const location = await decide('allow');
  const res = await token({ ...creds(), grant_type: 'authorization_code', code: location.searchParams.get('code')!, redirect_uri: app().redirectUri }, as);
  expect(res.status).toBe(200);
  return res.body as { access_token: string; refresh_token: string; expires_in: number; token_type: string };
}

describe('M2: Teamleader OAuth', () => {
  it('shows a consent page with Allow and Deny for the signed-in user', async () => {
    const res = await fetch(authorizeUrl());
    const page = await res.text();
    expect(res.status).toBe(200);
    expect(page).toContain('>Allow</button>');
    expect(page).toContain('>Deny</button>');
    expect(page).toContain('Lotte Admin');
    expect(page).toContain('Synclane');
  });

  it('refuses unknown clients and unregistered redirect URIs without redirecting', async () => {
    expect((await fetch(authorizeUrl({ client_id: 'nope' }), { redirect: 'manual' })).status).toBe(400);
    expect((await fetch(authorizeUrl({ redirect_uri: 'https://evil.example/cb' }), { redirect: 'manual' })).status).toBe(400);
  });

  it('Deny redirects with error=access_denied and the state', async () => {
    const location = await decide('deny');
    expect(location.origin + location.pathname).toBe(app().redirectUri);
    expect(location.searchParams.get('error')).toBe('access_denied');
    expect(location.searchParams.get('state')).toBe('signed-state');
  });

  it('exchanges a code with client credentials in the form body; users.me names the account', async () => {
    const tokens = await install();
    expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    const me = await apiClient(h.base, tokens.access_token)('users.me');
    expect(me.status).toBe(200);
    expect(me.body.data).toMatchObject({ id: DEMO_ADMIN_USER_ID, account: { type: 'account', id: DEMO_ACCOUNT_ID }, first_name: 'Lotte' });
    expect(h.emulator.installations()).toHaveLength(1);
  });

  it('accepts a JSON body too, and a code only once', async () => {
    const location = await decide('allow');
    const body = { ...creds(), grant_type: 'authorization_code', code: location.searchParams.get('code')!, redirect_uri: app().redirectUri };
    expect((await token(body, 'json')).status).toBe(200);
    const again = await token(body, 'json');
    expect(again.status).toBe(400);
    expect(again.body.error).toBe('invalid_grant');
  });

  it('codes expire after 10 minutes', async () => {
    const location = await decide('allow');
    h.advanceClock(10 * 60 * 1000 + 1);
    const res = await token({ ...creds(), grant_type: 'authorization_code', code: location.searchParams.get('code')!, redirect_uri: app().redirectUri });
    expect(res.body.error).toBe('invalid_grant');
  });

  it('rejects a wrong client secret and credentials sent only as Basic auth', async () => {
    const location = await decide('allow');
    const code = location.searchParams.get('code')!;
    expect((await token({ ...creds(), client_secret: 'wrong', grant_type: 'authorization_code', code })).status).toBe(401);
    const basic = await fetch(`${h.base}/oauth2/access_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${app().clientId}:${app().clientSecret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'authorization_code', code }),
    });
    expect(basic.status).toBe(401);
  });

  it('M2: refresh tokens are single-use and rotate; a replayed one is refused with invalid_grant', async () => {
    const first = await install();
    const rotated = await token({ ...creds(), grant_type: 'refresh_token', refresh_token: first.refresh_token });
    expect(rotated.status).toBe(200);
    expect(rotated.body.refresh_token).not.toBe(first.refresh_token);
    expect(rotated.body.access_token).not.toBe(first.access_token);

    const replay = await token({ ...creds(), grant_type: 'refresh_token', refresh_token: first.refresh_token });
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');
    expect(replay.body.error_description).toBeTruthy();
    expect(h.emulator.tokenStats()).toMatchObject({ refreshes: 2, refreshReuseAttempts: 1 });
    expect(h.emulator.tokenStats().refreshTokenUses[first.refresh_token]).toBe(2);

    const next = await token({ ...creds(), grant_type: 'refresh_token', refresh_token: rotated.body.refresh_token });
    expect(next.status).toBe(200);
  });

  it('M2: of two concurrent refreshes with the same token exactly one succeeds', async () => {
    const first = await install();
    const results = await Promise.all([1, 2].map(() => token({ ...creds(), grant_type: 'refresh_token', refresh_token: first.refresh_token })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
  });

  it('can revoke the whole grant when a refresh token is replayed (config)', async () => {
    h.emulator.config({ revokeGrantOnRefreshReuse: true });
    const first = await install();
    const rotated = await token({ ...creds(), grant_type: 'refresh_token', refresh_token: first.refresh_token });
    await token({ ...creds(), grant_type: 'refresh_token', refresh_token: first.refresh_token });
    expect((await apiClient(h.base, rotated.body.access_token)('users.me')).status).toBe(401);
  });

  it('answers 401 for expired and unknown access tokens', async () => {
    h.emulator.config({ accessTokenTtlSeconds: 5 });
    const tokens = await install();
    expect(tokens.expires_in).toBe(5);
    h.advanceClock(6_000);
    const expired = await apiClient(h.base, tokens.access_token)('users.me');
    expect(expired.status).toBe(401);
    expect(expired.body.errors[0].title).toMatch(/expired/);
    expect((await apiClient(h.base, 'made-up')('users.me')).status).toBe(401);

    const fresh = await token({ ...creds(), grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    expect((await apiClient(h.base, fresh.body.access_token)('users.me')).status).toBe(200);
    h.emulator.expireAccessTokens();
    expect((await apiClient(h.base, fresh.body.access_token)('users.me')).status).toBe(401);
  });

  it('authorizes as the user picked in the host UI switcher', async () => {
    const location = await decide('allow', `tl_sandbox_user=${DEMO_REGULAR_USER_ID}`);
    const res = await token({ ...creds(), grant_type: 'authorization_code', code: location.searchParams.get('code')!, redirect_uri: app().redirectUri });
    const me = await apiClient(h.base, res.body.access_token)('users.me');
    expect(me.body.data.first_name).toBe('Pieter');
  });

  it('Marketplace Uninstall revokes the tokens (no callback is sent)', async () => {
    const tokens = await install();
    const page = await (await fetch(`${h.base}/marketplace`)).text();
    expect(page).toContain('Open settings');
    expect(page).toContain(app().settingsUrl);
    const res = await fetch(`${h.base}/marketplace/uninstall`, { method: 'POST', redirect: 'manual' });
    expect(res.status).toBe(303);
    expect((await apiClient(h.base, tokens.access_token)('users.me')).status).toBe(401);
    expect((await token({ ...creds(), grant_type: 'refresh_token', refresh_token: tokens.refresh_token })).body.error).toBe('invalid_grant');
    const after = await (await fetch(`${h.base}/marketplace`)).text();
    expect(after).toContain(`href="${app().installationUrl}"`);
    expect(after).toContain('>Install</a>');
  });
});
