/** OAuth 2 with PKCE and offline refresh tokens, driven through the official SDK's DropboxAuth. */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DropboxAuth, DropboxResponseError } from 'dropbox';
import { consent, emulatorFetch, linkAccount, sdk, startDropboxSandbox, type TestSandbox } from './test-support';

const OLIVIA = 'olivia.northwind@gmail.com';
const RAHUL = 'rahul.northwind@gmail.com';

let sandbox: TestSandbox;
beforeAll(async () => {
  sandbox = await startDropboxSandbox();
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.dropbox.reset());

const app = () => sandbox.ctx.app.dropbox;

describe('Dropbox OAuth 2 emulator', () => {
  it('F1: authorize page asks for app-folder access; PKCE code exchange returns an offline grant', async () => {
    const auth = new DropboxAuth({ clientId: app().appKey, fetch: emulatorFetch(sandbox) });
    const url = String(await auth.getAuthenticationUrl(app().redirectUris[0], 'xyz', 'code', 'offline', ['account_info.read', 'files.content.write'], 'none', true));
    expect(url).toContain('code_challenge_method=S256');
    const { location, pageHtml } = await consent(sandbox, url, RAHUL);
    expect(pageHtml).toContain('Apps › Synclane');
    expect(pageHtml).toContain(OLIVIA);
    expect(pageHtml).toContain(RAHUL);
    expect(location.origin + location.pathname).toBe(app().redirectUris[0]);
    expect(location.searchParams.get('state')).toBe('xyz');

    const tokens = (await auth.getAccessTokenFromCode(app().redirectUris[0], location.searchParams.get('code')!)).result as Record<string, unknown>;
    expect(tokens).toMatchObject({ token_type: 'bearer', expires_in: 14400, scope: 'account_info.read files.content.write', account_id: sandbox.dropbox.account(RAHUL).accountId });
    expect(String(tokens.access_token)).toMatch(/^sl\./);
    expect(typeof tokens.refresh_token).toBe('string');

    // The code is single use.
    await expect(auth.getAccessTokenFromCode(app().redirectUris[0], location.searchParams.get('code')!)).rejects.toMatchObject({ status: 400, error: { error: 'invalid_grant' } });
  });

  it('F1: a wrong code_verifier, an unregistered redirect URI and Cancel are refused', async () => {
    const auth = new DropboxAuth({ clientId: app().appKey, fetch: emulatorFetch(sandbox) });
    const url = String(await auth.getAuthenticationUrl(app().redirectUris[0], 's', 'code', 'offline', undefined, 'none', true));
    const { location } = await consent(sandbox, url, OLIVIA);
    auth.setCodeVerifier(randomBytes(64).toString('base64url'));
    await expect(auth.getAccessTokenFromCode(app().redirectUris[0], location.searchParams.get('code')!)).rejects.toMatchObject({ status: 400, error: { error: 'invalid_grant' } });

    const bad = await fetch(`${sandbox.url}/dropbox/oauth2/authorize?client_id=${app().appKey}&response_type=code&redirect_uri=${encodeURIComponent('https://evil.example/cb')}`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('Invalid redirect_uri');

    const denied = await consent(sandbox, url, OLIVIA, 'deny');
    expect(denied.location.searchParams.get('error')).toBe('access_denied');
  });

  it('F1: a code without PKCE needs the app secret (query string or HTTP Basic)', async () => {
    const query = new URLSearchParams({ client_id: app().appKey, response_type: 'code', redirect_uri: app().redirectUris[0], token_access_type: 'offline' });
    const { location } = await consent(sandbox, `https://www.dropbox.com/oauth2/authorize?${query}`, OLIVIA);
    const code = location.searchParams.get('code')!;
    const form = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: app().redirectUris[0] });
    const withoutSecret = await fetch(`${sandbox.url}/dropbox/api/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...Object.fromEntries(form), client_id: app().appKey }) });
    expect(withoutSecret.status).toBe(400);
    const { location: again } = await consent(sandbox, `https://www.dropbox.com/oauth2/authorize?${query}`, OLIVIA);
    form.set('code', again.searchParams.get('code')!);
    const basic = await fetch(`${sandbox.url}/dropbox/api/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${app().appKey}:${app().appSecret}`).toString('base64')}` },
      body: form,
    });
    expect(basic.status).toBe(200);
    expect(await basic.json()).toMatchObject({ account_id: sandbox.dropbox.account(OLIVIA).accountId, refresh_token: expect.any(String) });
  });

  it('R2: an expired access token answers 401 expired_access_token; the SDK refreshes with the (non-rotating) refresh token', async () => {
    const tokens = await linkAccount(sandbox, OLIVIA);
    const stale = sdk(sandbox, { accessToken: tokens.access_token });
    await stale.usersGetCurrentAccount();
    sandbox.dropbox.expireAccessTokens();
    const error = (await stale.usersGetCurrentAccount().catch((e) => e)) as DropboxResponseError<{ error_summary: string }>;
    expect(error.status).toBe(401);
    expect(error.error).toEqual({ error_summary: 'expired_access_token/..', error: { '.tag': 'expired_access_token' } });

    const log: string[] = [];
    const refreshing = sdk(sandbox, { refreshToken: tokens.refresh_token, withSecret: false, log });
    const account = (await refreshing.usersGetCurrentAccount()).result;
    expect(account).toMatchObject({ email: OLIVIA, account_id: tokens.account_id, name: { display_name: 'Olivia Admin' } });
    expect(log[0]).toMatch(/^POST \/dropbox\/api\/oauth2\/token\?grant_type=refresh_token&refresh_token=/);
    // Refresh tokens do not rotate: the same one keeps working.
    const second = sdk(sandbox, { refreshToken: tokens.refresh_token });
    await expect(second.usersGetCurrentAccount()).resolves.toBeTruthy();
  });

  it('R2: revoking the token kills the refresh token too; unlinking in Dropbox revokes every grant', async () => {
    const tokens = await linkAccount(sandbox, OLIVIA);
    await sdk(sandbox, { accessToken: tokens.access_token }).authTokenRevoke();
    await expect(sdk(sandbox, { accessToken: tokens.access_token }).usersGetCurrentAccount()).rejects.toMatchObject({ status: 401, error: { error: { '.tag': 'invalid_access_token' } } });
    await expect(sdk(sandbox, { refreshToken: tokens.refresh_token }).usersGetCurrentAccount()).rejects.toMatchObject({ status: 400, error: { error: 'invalid_grant' } });

    const other = await linkAccount(sandbox, OLIVIA);
    expect(sandbox.dropbox.unlink(OLIVIA)).toBe(1);
    await expect(sdk(sandbox, { refreshToken: other.refresh_token }).usersGetCurrentAccount()).rejects.toMatchObject({ status: 400 });
  });

  it('scopes: a token without files.content.write gets 401 missing_scope on upload', async () => {
    const auth = new DropboxAuth({ clientId: app().appKey, fetch: emulatorFetch(sandbox) });
    const url = String(await auth.getAuthenticationUrl(app().redirectUris[0], 's', 'code', 'offline', ['files.metadata.read'], 'none', true));
    const { location } = await consent(sandbox, url, OLIVIA);
    const tokens = (await auth.getAccessTokenFromCode(app().redirectUris[0], location.searchParams.get('code')!)).result as { access_token: string };
    const dbx = sdk(sandbox, { accessToken: tokens.access_token });
    await expect(dbx.filesListFolder({ path: '' })).resolves.toBeTruthy();
    await expect(dbx.filesUpload({ path: '/a.txt', contents: Buffer.from('a') })).rejects.toMatchObject({
      status: 401,
      error: { error_summary: 'missing_scope/..', error: { '.tag': 'missing_scope', required_scope: 'files.content.write' } },
    });
  });

  it('PKCE plain challenges work too (verifier = challenge)', async () => {
    const verifier = randomBytes(48).toString('base64url');
    const query = new URLSearchParams({ client_id: app().appKey, response_type: 'code', redirect_uri: app().redirectUris[0], code_challenge: verifier, code_challenge_method: 'plain' });
    const { location } = await consent(sandbox, `https://www.dropbox.com/oauth2/authorize?${query}`, OLIVIA);
    const auth = new DropboxAuth({ clientId: app().appKey, fetch: emulatorFetch(sandbox) });
    auth.setCodeVerifier(verifier);
    const result = (await auth.getAccessTokenFromCode(app().redirectUris[0], location.searchParams.get('code')!)).result as Record<string, unknown>;
    expect(result.refresh_token).toBeUndefined(); // no token_access_type=offline → no refresh token
    expect(createHash('sha256').update(verifier).digest('base64url')).not.toBe(verifier);
  });
});
