/**
 * Dropbox OAuth 2 (providers.md §1.2): the authorize page on www.dropbox.com (the demo user picks an
 * account and allows app-folder access), the token endpoint on api.dropboxapi.com (params in the query
 * string — what the SDK sends — or a form body; client credentials as params or HTTP Basic), PKCE S256/
 * plain, offline refresh tokens that do not rotate, revocation, and bearer-token checks for the API.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { basicAuth, bearer, escapeHtml, html, json, readForm, redirect, type SandboxRequest, type SandboxResponse } from '../lib/http';
import type { SandboxContext } from '../lib/types';
import { authError } from './api-errors';
import { DROPBOX_SCOPES, type AccessTokenGrant, type DropboxAccount, type DropboxState } from './dropbox-state';

const SCOPE_LABELS: Record<string, string> = {
  'account_info.read': 'View basic information about your Dropbox account such as your username, email, and country',
  'files.metadata.read': 'View information about files and folders in its app folder',
  'files.metadata.write': 'View and edit information about files and folders in its app folder',
  'files.content.read': 'View content of files and folders in its app folder',
  'files.content.write': 'Edit content of files and folders in its app folder',
};

type TokenFailure = { status: number; error: string; description: string };

export class DropboxOAuthServer {
  constructor(
    private readonly ctx: SandboxContext,
    private readonly state: () => DropboxState,
    private readonly page: (title: string, body: string) => string,
  ) {}

  // ---- authorize (www.dropbox.com/oauth2/authorize) -------------------------------------------------

  authorizePage(req: SandboxRequest): SandboxResponse {
    const params = req.url.searchParams;
    const problem = this.validateClient(params);
    if (problem) return problem;
    const redirectUri = params.get('redirect_uri');
    const back = (error: string, description: string) => this.redirectBack(params, { error, error_description: description });
    const responseType = params.get('response_type');
    if (responseType !== 'code' && responseType !== 'token') return this.errorPage(`Invalid response_type: "${responseType ?? ''}".`);
    if (responseType === 'token') return back('unsupported_response_type', 'The implicit grant is disabled for this app.');
    const accessType = params.get('token_access_type');
    if (accessType && !['offline', 'online', 'legacy'].includes(accessType)) return back('invalid_request', `"${accessType}" is not a valid token_access_type.`);
    const method = params.get('code_challenge_method');
    const challenge = params.get('code_challenge');
    if (challenge && method && method !== 'S256' && method !== 'plain') return back('invalid_request', `"${method}" is not a valid code_challenge_method.`);
    if (challenge && (challenge.length < 43 || challenge.length > 128)) return back('invalid_request', 'code_challenge must be between 43 and 128 characters.');
    const unknownScopes = this.requestedScopes(params.get('scope')).filter((s) => !DROPBOX_SCOPES.includes(s as never));
    if (unknownScopes.length) return back('invalid_scope', `The following scopes are not enabled for this app: ${unknownScopes.join(', ')}.`);

    const accounts = Object.values(this.state().accounts);
    const scopes = this.requestedScopes(params.get('scope'));
    const folder = this.ctx.app.dropbox.appFolderName;
    const options = accounts
      .map((a, i) => `<label class="account"><input type="radio" name="account" value="${escapeHtml(a.accountId)}"${i === 0 ? ' checked' : ''}>
<span class="avatar">${escapeHtml(a.givenName[0] ?? '?')}</span><span><strong>${escapeHtml(a.displayName)}</strong><br><small>${escapeHtml(a.email)}</small></span></label>`)
      .join('\n');
    return html(
      200,
      this.page(
        'API Request Authorization',
        `<form method="post" action="${escapeHtml(req.url.pathname)}">
<input type="hidden" name="request" value="${escapeHtml(params.toString())}">
<h2>Signed in as</h2>${options}
<p><strong>Synclane</strong> would like access to its own folder, <strong>Apps › ${escapeHtml(folder)}</strong>, inside your Dropbox.</p>
<p>This app will be able to:</p><ul>${scopes.map((s) => `<li>${escapeHtml(SCOPE_LABELS[s] ?? s)}</li>`).join('')}</ul>
${redirectUri ? '' : '<p class="fine">No redirect URI: the access code will be shown on the next page.</p>'}
<div class="buttons"><button name="decision" value="deny" class="secondary">Cancel</button><button name="decision" value="allow">Allow</button></div>
</form>`,
      ),
    );
  }

  authorizeDecision(req: SandboxRequest): SandboxResponse {
    const form = readForm(req);
    const params = new URLSearchParams(form.get('request') ?? '');
    const problem = this.validateClient(params);
    if (problem) return problem;
    if (form.get('decision') !== 'allow') {
      return this.redirectBack(params, { error: 'access_denied', error_description: 'The user chose not to give your app access to their Dropbox account.' });
    }
    const account = this.state().accounts[form.get('account') ?? ''];
    if (!account) return html(400, this.page('API Request Authorization', '<p>Pick an account to continue.</p>'));
    const code = randomToken(32);
    const challenge = params.get('code_challenge');
    this.state().authorizationCodes[code] = {
      accountId: account.accountId,
      redirectUri: params.get('redirect_uri'),
      scope: this.requestedScopes(params.get('scope')).join(' '),
      offline: params.get('token_access_type') === 'offline',
      ...(challenge ? { codeChallenge: challenge, codeChallengeMethod: params.get('code_challenge_method') ?? 'plain' } : {}),
      expiresAt: this.ctx.now() + this.state().config.authorizationCodeTtlSeconds * 1000,
    };
    if (!params.get('redirect_uri')) {
      return html(200, this.page('Enter this code into Synclane to finish the process', `<p class="code">${escapeHtml(code)}</p>`));
    }
    return this.redirectBack(params, { code });
  }

  /** No scope = every scope of the app; account_info.read is always granted (Dropbox requires it). */
  private requestedScopes(scope: string | null): string[] {
    const list = (scope ?? '').split(/\s+/).filter(Boolean);
    if (!list.length) return [...DROPBOX_SCOPES];
    return list.includes('account_info.read') ? list : ['account_info.read', ...list];
  }

  /** Unknown app key or unregistered redirect URI: Dropbox shows an error page and never redirects. */
  private validateClient(params: URLSearchParams): SandboxResponse | null {
    const app = this.ctx.app.dropbox;
    const clientId = params.get('client_id') ?? '';
    if (clientId !== app.appKey) return this.errorPage(`Invalid client_id: "${clientId}"`);
    const redirectUri = params.get('redirect_uri');
    if (redirectUri !== null && !app.redirectUris.includes(redirectUri)) return this.errorPage(`Invalid redirect_uri: "${redirectUri}". It must exactly match one of the redirect URIs you've pre-configured for your app (including the path).`);
    return null;
  }

  private errorPage(message: string): SandboxResponse {
    return html(400, this.page('Error (400)', `<p class="error">${escapeHtml(message)}</p>`));
  }

  private redirectBack(params: URLSearchParams, values: Record<string, string>): SandboxResponse {
    const target = new URL(params.get('redirect_uri')!);
    for (const [k, v] of Object.entries(values)) target.searchParams.set(k, v);
    const state = params.get('state');
    if (state !== null) target.searchParams.set('state', state);
    return redirect(target.href);
  }

  // ---- token (api.dropboxapi.com/oauth2/token) ------------------------------------------------------

  token(req: SandboxRequest): SandboxResponse {
    // The JS SDK sends everything in the query string with an empty body; other clients use a form body.
    const params = new URLSearchParams(req.url.search);
    const contentType = String(req.headers['content-type'] ?? '');
    if (req.body.length && contentType.includes('application/x-www-form-urlencoded')) for (const [k, v] of readForm(req)) params.set(k, v);
    try {
      const basic = basicAuth(req.headers);
      const clientId = basic?.[0] ?? params.get('client_id') ?? '';
      const clientSecret = basic?.[1] ?? params.get('client_secret');
      const app = this.ctx.app.dropbox;
      if (clientId !== app.appKey) throw failure(400, 'invalid_client', 'Invalid client_id or client_secret');
      if (clientSecret !== null && clientSecret !== app.appSecret) throw failure(400, 'invalid_client', 'Invalid client_id or client_secret');
      const grantType = params.get('grant_type');
      if (grantType === 'authorization_code') return this.redeemCode(params, clientSecret !== null);
      if (grantType === 'refresh_token') return this.redeemRefresh(params, clientSecret !== null);
      throw failure(400, 'unsupported_grant_type', `grant_type must be authorization_code or refresh_token`);
    } catch (error) {
      if (!isFailure(error)) throw error;
      return json(error.status, { error: error.error, error_description: error.description });
    }
  }

  private redeemCode(params: URLSearchParams, hasSecret: boolean): SandboxResponse {
    const code = params.get('code') ?? '';
    const state = this.state();
    const grant = state.authorizationCodes[code];
    if (!grant || grant.expiresAt <= this.ctx.now()) throw failure(400, 'invalid_grant', 'code doesn\'t exist or has expired');
    delete state.authorizationCodes[code]; // single use
    if ((params.get('redirect_uri') ?? null) !== grant.redirectUri) throw failure(400, 'invalid_grant', 'redirect_uri mismatch');
    const verifier = params.get('code_verifier');
    if (grant.codeChallenge) {
      if (!verifier) throw failure(400, 'invalid_request', 'No code_verifier was provided, but a code_challenge was used');
      const computed = grant.codeChallengeMethod === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
      if (!safeEqual(computed, grant.codeChallenge)) throw failure(400, 'invalid_grant', 'invalid code verifier');
    } else if (!hasSecret) {
      throw failure(400, 'invalid_client', 'No client_secret was provided');
    }
    state.linked[grant.accountId] = true;
    const account = state.accounts[grant.accountId];
    const accessToken = this.issueAccessToken(grant.accountId, grant.scope, null);
    const body: Record<string, unknown> = {
      access_token: accessToken,
      token_type: 'bearer',
      expires_in: state.config.accessTokenTtlSeconds,
      scope: grant.scope,
      uid: account.uid,
      account_id: account.accountId,
    };
    if (grant.offline) {
      const refreshToken = randomToken(48);
      state.refreshTokens[refreshToken] = { accountId: grant.accountId, scope: grant.scope, pkce: !!grant.codeChallenge };
      state.accessTokens[accessToken].refreshToken = refreshToken;
      body.refresh_token = refreshToken;
    }
    return json(200, body);
  }

  private redeemRefresh(params: URLSearchParams, hasSecret: boolean): SandboxResponse {
    const state = this.state();
    const refreshToken = params.get('refresh_token') ?? '';
    const grant = state.refreshTokens[refreshToken];
    if (!grant || grant.revoked) throw failure(400, 'invalid_grant', 'refresh token is invalid or revoked');
    if (!grant.pkce && !hasSecret) throw failure(400, 'invalid_client', 'No client_secret was provided');
    const granted = grant.scope.split(' ');
    const requested = (params.get('scope') ?? '').split(/\s+/).filter(Boolean);
    if (requested.some((s) => !granted.includes(s))) throw failure(400, 'invalid_scope', 'Requested scope exceeds the scope granted by the resource owner');
    const scope = requested.length ? requested.join(' ') : grant.scope;
    const accessToken = this.issueAccessToken(grant.accountId, scope, refreshToken);
    // Dropbox refresh tokens do not rotate: no new refresh token in the answer.
    return json(200, { access_token: accessToken, token_type: 'bearer', expires_in: state.config.accessTokenTtlSeconds });
  }

  issueAccessToken(accountId: string, scope: string, refreshToken: string | null): string {
    const token = `sl.u.${randomToken(96)}`;
    this.state().accessTokens[token] = { accountId, scope, refreshToken, expiresAt: this.ctx.now() + this.state().config.accessTokenTtlSeconds * 1000 };
    return token;
  }

  // ---- API side ------------------------------------------------------------------------------------

  /** Resolves `Authorization: Bearer` or throws the 401 AuthError Dropbox answers. */
  authenticate(req: Pick<SandboxRequest, 'headers'>): AccessTokenGrant & { token: string } {
    const token = bearer(req.headers);
    const grant = token ? this.state().accessTokens[token] : undefined;
    if (!token || !grant || grant.revoked) throw authError('invalid_access_token');
    if (grant.expiresAt <= this.ctx.now()) throw authError('expired_access_token');
    return { ...grant, token };
  }

  /** auth/token/revoke: the token used, its refresh token and every access token minted from it. */
  revoke(token: string): void {
    const state = this.state();
    const grant = state.accessTokens[token];
    if (!grant) return;
    grant.revoked = true;
    if (grant.refreshToken) {
      const refresh = state.refreshTokens[grant.refreshToken];
      if (refresh) refresh.revoked = true;
      for (const other of Object.values(state.accessTokens)) if (other.refreshToken === grant.refreshToken) other.revoked = true;
    }
  }

  /** The user unlinks the app (web UI or admin): every token of the account stops working. */
  revokeAccount(accountId: string): number {
    const state = this.state();
    let count = 0;
    for (const grant of Object.values(state.refreshTokens)) if (grant.accountId === accountId && !grant.revoked) (grant.revoked = true), count++;
    for (const grant of Object.values(state.accessTokens)) if (grant.accountId === accountId) grant.revoked = true;
    delete state.linked[accountId];
    return count;
  }

  expireAccessTokens(): void {
    for (const grant of Object.values(this.state().accessTokens)) grant.expiresAt = 0;
  }

  /** Test shortcut: a token pair for an account without the browser round trip. */
  issueTokens(account: DropboxAccount, scope = DROPBOX_SCOPES.join(' ')): { accessToken: string; refreshToken: string } {
    const refreshToken = randomToken(48);
    this.state().refreshTokens[refreshToken] = { accountId: account.accountId, scope, pkce: false };
    this.state().linked[account.accountId] = true;
    return { accessToken: this.issueAccessToken(account.accountId, scope, refreshToken), refreshToken };
  }

  pruneExpired(): void {
    const now = this.ctx.now();
    const state = this.state();
    for (const [token, grant] of Object.entries(state.accessTokens)) if (grant.expiresAt !== 0 && grant.expiresAt < now - 86_400_000) delete state.accessTokens[token];
    for (const [code, grant] of Object.entries(state.authorizationCodes)) if (grant.expiresAt < now) delete state.authorizationCodes[code];
  }
}

function failure(status: number, error: string, description: string): TokenFailure & { tokenFailure: true } {
  return { status, error, description, tokenFailure: true };
}
function isFailure(value: unknown): value is TokenFailure {
  return typeof value === 'object' && value !== null && 'tokenFailure' in value;
}
function randomToken(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}
function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
