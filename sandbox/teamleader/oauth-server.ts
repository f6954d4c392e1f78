/**
 * focus.teamleader.eu OAuth 2: consent page, authorization codes (single use, 10 min), and the token
 * endpoint with client credentials in the body. Refresh tokens are single-use and rotate: a replayed
 * refresh token is refused with `invalid_grant`, never silently honoured.
 */
import { escapeHtml, json, readForm, readJson, redirect, type Router, type SandboxRequest, type SandboxResponse } from '../lib/http';
import type { SandboxContext } from '../lib/types';
import { currentUser, PREFIX, renderPage } from './host-layout';
import { formatTimestamp, opaqueToken, randomId } from './ids';
import type { TeamleaderStore } from './store';
import type { Installation } from './types';

const CODE_TTL_MS = 10 * 60 * 1000;

export type TokenPair = { token_type: 'Bearer'; expires_in: number; access_token: string; refresh_token: string };

export type TokenLookup =
  | { status: 'valid'; installation: Installation }
  | { status: 'expired' | 'invalid' };

export type TokenStats = {
  authorizationCodeExchanges: number;
  refreshes: number;
  /** Refresh attempts with a token that had already been used (what a refresh race produces). */
  refreshReuseAttempts: number;
  /** How many times each refresh token was presented; a value above 1 means a token was replayed. */
  refreshTokenUses: Record<string, number>;
};

const oauthError = (status: number, error: string, description: string, hint?: string): SandboxResponse =>
  json(status, { error, error_description: description, ...(hint ? { hint } : {}), message: description }, { 'cache-control': 'no-store' });

const INVALID_GRANT =
  'The provided authorization grant (e.g., authorization code, resource owner credentials) or refresh token is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.';

export class OAuthServer {
  private stats: TokenStats = { authorizationCodeExchanges: 0, refreshes: 0, refreshReuseAttempts: 0, refreshTokenUses: {} };

  constructor(
    private readonly ctx: SandboxContext,
    private readonly store: TeamleaderStore,
  ) {}

  private get state() {
    return this.store.state;
  }

  register(router: Router): void {
    router.get('/oauth2/authorize', (req) => this.authorizePage(req));
    router.post('/oauth2/authorize', (req) => this.authorizeDecision(req));
    router.post('/oauth2/access_token', (req) => this.accessToken(req));
  }

  // ---- authorize ----------------------------------------------------------------------------------

  /** Validates client_id and redirect_uri; never redirects to an unregistered URI. */
  private checkClient(req: SandboxRequest, params: URLSearchParams): { redirectUri: string } | SandboxResponse {
    const registration = this.ctx.app.teamleader;
    const clientId = params.get('client_id');
    const redirectUri = params.get('redirect_uri') || registration.redirectUri;
    const fail = (message: string) =>
      renderPage({
        title: 'Authorization error',
        user: currentUser(req, this.store),
        store: this.store,
        status: 400,
        body: `<div class="card"><h1>Something went wrong</h1><p class="error">${escapeHtml(message)}</p></div>`,
      });
    if (clientId !== registration.clientId) return fail(`Unknown client_id "${clientId ?? ''}".`);
    if (redirectUri !== registration.redirectUri) return fail(`The redirect_uri "${redirectUri}" is not whitelisted for this integration.`);
    return { redirectUri };
  }

  private authorizePage(req: SandboxRequest): SandboxResponse {
    const params = req.url.searchParams;
    const checked = this.checkClient(req, params);
    if (!('redirectUri' in checked)) return checked;
    const state = params.get('state') ?? '';
    if (params.get('response_type') !== 'code') {
      const target = new URL(checked.redirectUri);
      target.searchParams.set('error', 'unsupported_response_type');
      if (state) target.searchParams.set('state', state);
      return redirect(target.toString());
    }
    const store = this.store;
    const user = currentUser(req, store);
    const account = store.account(user.account_id);
    const hidden = (name: string, value: string | null) => `<input type="hidden" name="${name}" value="${escapeHtml(value ?? '')}">`;
    return renderPage({
      title: 'Authorize Synclane',
      user,
      store,
      active: 'marketplace',
      back: `${PREFIX}/oauth2/authorize${req.url.search}`,
      body: `<div class="card" style="max-width:560px">
<h1>Synclane wants to access your Teamleader account</h1>
<p>Signed in as <strong>${escapeHtml(`${user.first_name} ${user.last_name}`)}</strong> (${escapeHtml(user.email)}) for <strong>${escapeHtml(account?.name ?? '')}</strong>.</p>
<p>Synclane will be able to read and change your <strong>contacts</strong>, <strong>companies</strong>, <strong>users</strong>, <strong>files</strong> and <strong>webhooks</strong>.</p>
<form method="post" action="${PREFIX}/oauth2/authorize">
${hidden('client_id', params.get('client_id'))}${hidden('redirect_uri', params.get('redirect_uri'))}${hidden('state', state)}
<div class="row" style="gap:10px"><button class="btn" name="decision" value="allow">Allow</button>
<button class="btn secondary" name="decision" value="deny">Deny</button></div></form></div>`,
    });
  }

  private authorizeDecision(req: SandboxRequest): SandboxResponse {
    const form = readForm(req);
    const checked = this.checkClient(req, form);
    if (!('redirectUri' in checked)) return checked;
    const target = new URL(checked.redirectUri);
    const state = form.get('state') ?? '';
    if (form.get('decision') !== 'allow') {
      target.searchParams.set('error', 'access_denied');
      target.searchParams.set('state', state);
      return redirect(target.toString());
    }
    const user = currentUser(req, this.store);
    const installation = this.installFor(user.account_id, user.id, form.get('client_id')!);
    const code = opaqueToken();
    this.state.authorizationCodes = this.state.authorizationCodes.filter((c) => c.expires_at > this.ctx.now());
    this.state.authorizationCodes.push({
      code,
      installation_id: installation.id,
      client_id: installation.client_id,
      redirect_uri: form.get('redirect_uri') || null,
      expires_at: this.ctx.now() + CODE_TTL_MS,
      used: false,
    });
    target.searchParams.set('code', code);
    target.searchParams.set('state', state);
    return redirect(target.toString());
  }

  // ---- token endpoint -----------------------------------------------------------------------------

  private readTokenRequest(req: SandboxRequest): Record<string, string> {
    const type = String(req.headers['content-type'] ?? '');
    if (type.includes('application/json')) {
      const body = readJson<Record<string, unknown>>(req) ?? {};
      return Object.fromEntries(Object.entries(body).map(([k, v]) => [k, typeof v === 'string' ? v : String(v ?? '')]));
    }
    return Object.fromEntries(readForm(req));
  }

  private accessToken(req: SandboxRequest): SandboxResponse {
    let body: Record<string, string>;
    try {
      body = this.readTokenRequest(req);
    } catch {
      return oauthError(400, 'invalid_request', 'The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed.');
    }
    const registration = this.ctx.app.teamleader;
    if (!body.grant_type) return oauthError(400, 'invalid_request', 'The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed.', 'Check the `grant_type` parameter');
    if (body.grant_type !== 'authorization_code' && body.grant_type !== 'refresh_token') {
      return oauthError(400, 'unsupported_grant_type', 'The authorization grant type is not supported by the authorization server.');
    }
    if (body.client_id !== registration.clientId || body.client_secret !== registration.clientSecret) {
      return oauthError(401, 'invalid_client', 'Client authentication failed');
    }
    return body.grant_type === 'authorization_code' ? this.exchangeCode(body) : this.refresh(body);
  }

  private exchangeCode(body: Record<string, string>): SandboxResponse {
    this.stats.authorizationCodeExchanges++;
    if (!body.code) return oauthError(400, 'invalid_request', 'The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed.', 'Check the `code` parameter');
    const code = this.state.authorizationCodes.find((c) => c.code === body.code);
    if (!code || code.client_id !== body.client_id) return oauthError(400, 'invalid_grant', INVALID_GRANT, 'Cannot decrypt the authorization code');
    if (code.used) return oauthError(400, 'invalid_grant', INVALID_GRANT, 'Authorization code has been revoked');
    if (code.expires_at <= this.ctx.now()) return oauthError(400, 'invalid_grant', INVALID_GRANT, 'Authorization code has expired');
    if (code.redirect_uri && body.redirect_uri !== code.redirect_uri) return oauthError(400, 'invalid_request', 'The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed.', 'Invalid redirect URI');
    code.used = true;
    const installation = this.state.installations.find((i) => i.id === code.installation_id);
    if (!installation || installation.uninstalled_at) return oauthError(400, 'invalid_grant', INVALID_GRANT, 'Authorization code has been revoked');
    return json(200, this.issueTokens(installation.id), { 'cache-control': 'no-store' });
  }

  private refresh(body: Record<string, string>): SandboxResponse {
    this.stats.refreshes++;
    const presented = body.refresh_token;
    if (!presented) return oauthError(400, 'invalid_request', 'The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed.', 'Check the `refresh_token` parameter');
    this.stats.refreshTokenUses[presented] = (this.stats.refreshTokenUses[presented] ?? 0) + 1;
    const token = this.state.refreshTokens[presented];
    if (!token) return oauthError(400, 'invalid_grant', 'The refresh token is invalid.', 'Cannot decrypt the refresh token');
    const installation = this.state.installations.find((i) => i.id === token.installation_id);
    if (token.used_at !== null) {
      this.stats.refreshReuseAttempts++;
      if (this.state.config.revokeGrantOnRefreshReuse && installation) this.revokeTokens(installation.id);
      return oauthError(400, 'invalid_grant', 'The refresh token is invalid.', 'Token has been revoked');
    }
    if (token.revoked || !installation || installation.uninstalled_at) {
      return oauthError(400, 'invalid_grant', 'The refresh token is invalid.', 'Token has been revoked');
    }
    if (token.expires_at !== null && token.expires_at <= this.ctx.now()) {
      return oauthError(400, 'invalid_grant', 'The refresh token is invalid.', 'Token has expired');
    }
    token.used_at = this.ctx.now();
    return json(200, this.issueTokens(installation.id), { 'cache-control': 'no-store' });
  }

  // ---- grants ---------------------------------------------------------------------------------------

  /** One installation per account + user + integration; re-authorizing reuses it. */
  installFor(accountId: string, userId: string, clientId: string): Installation {
    const existing = this.state.installations.find(
      (i) => i.account_id === accountId && i.user_id === userId && i.client_id === clientId && !i.uninstalled_at,
    );
    if (existing) return existing;
    const installation: Installation = {
      id: randomId(),
      account_id: accountId,
      user_id: userId,
      client_id: clientId,
      installed_at: formatTimestamp(this.ctx.now()),
      uninstalled_at: null,
    };
    this.state.installations.push(installation);
    return installation;
  }

  issueTokens(installationId: string): TokenPair {
    const now = this.ctx.now();
    const { accessTokenTtlSeconds, refreshTokenTtlSeconds } = this.state.config;
    this.pruneAccessTokens(now);
    const access = opaqueToken();
    const refresh = opaqueToken();
    this.state.accessTokens[access] = { installation_id: installationId, expires_at: now + accessTokenTtlSeconds * 1000, revoked: false };
    this.state.refreshTokens[refresh] = {
      installation_id: installationId,
      issued_at: now,
      expires_at: refreshTokenTtlSeconds === null ? null : now + refreshTokenTtlSeconds * 1000,
      used_at: null,
      revoked: false,
    };
    return { token_type: 'Bearer', expires_in: accessTokenTtlSeconds, access_token: access, refresh_token: refresh };
  }

  /** Drops access tokens that expired over a day ago so persisted state does not grow forever. */
  private pruneAccessTokens(now: number): void {
    for (const [token, record] of Object.entries(this.state.accessTokens)) {
      if (record.expires_at < now - 86_400_000) delete this.state.accessTokens[token];
    }
  }

  lookupAccessToken(token: string | null): TokenLookup {
    if (!token) return { status: 'invalid' };
    const record = this.state.accessTokens[token];
    if (!record || record.revoked) return { status: 'invalid' };
    const installation = this.state.installations.find((i) => i.id === record.installation_id);
    if (!installation || installation.uninstalled_at) return { status: 'invalid' };
    if (record.expires_at <= this.ctx.now()) return { status: 'expired' };
    return { status: 'valid', installation };
  }

  revokeTokens(installationId: string): void {
    for (const record of Object.values(this.state.accessTokens)) if (record.installation_id === installationId) record.revoked = true;
    for (const record of Object.values(this.state.refreshTokens)) if (record.installation_id === installationId) record.revoked = true;
  }

  /** Marketplace "Uninstall": revokes every token of the installation. Teamleader sends no callback. */
  uninstall(installationId: string): void {
    const installation = this.state.installations.find((i) => i.id === installationId);
    if (!installation || installation.uninstalled_at) return;
    installation.uninstalled_at = formatTimestamp(this.ctx.now());
    this.revokeTokens(installationId);
    const stillInstalled = this.state.installations.some(
      (i) => i.account_id === installation.account_id && i.client_id === installation.client_id && !i.uninstalled_at,
    );
    if (!stillInstalled) this.store.removeWebhooksOf(installation.account_id, installation.client_id);
  }

  expireAccessTokens(): void {
    const now = this.ctx.now();
    for (const record of Object.values(this.state.accessTokens)) record.expires_at = Math.min(record.expires_at, now - 1);
  }

  tokenStats(): TokenStats {
    return { ...this.stats, refreshTokenUses: { ...this.stats.refreshTokenUses } };
  }

  resetStats(): void {
    this.stats = { authorizationCodeExchanges: 0, refreshes: 0, refreshReuseAttempts: 0, refreshTokenUses: {} };
  }
}
