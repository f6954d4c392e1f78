/**
 * OAuth for API apps (reference §3.1; vendor OAuth walkthrough):
 *   GET  /dropbox-sign/oauth/authorize?response_type=code&client_id=…&state=…   sign in + consent page
 *   POST /dropbox-sign/oauth/authorize                                            decision → redirect to the app's OAuth callback URL
 *   POST /dropbox-sign/oauth/token            {grant_type: authorization_code, code, client_id, client_secret, state}
 *   POST /dropbox-sign/oauth/token?refresh    {grant_type: refresh_token, refresh_token, client_id?, client_secret?}
 * Codes are single-use and expire after 10 minutes; access tokens after config.accessTokenTtlSeconds.
 */
import { randomBytes } from 'node:crypto';
import { escapeHtml, html, json, redirect, type Router, type SandboxRequest, type SandboxResponse } from '../lib/http';
import type { SandboxContext } from '../lib/types';
import { readParams, asString } from './request-params';
import { SignApiError } from './sign-errors';
import type { OAuthGrant, SignState } from './sign-state';
import type { SignStore } from './sign-store';
import { layout } from './web-layout';

const CODE_TTL_MS = 10 * 60 * 1000;
const SCOPE_LABELS: Record<string, string> = {
  basic_account_info: 'See your name and e-mail address',
  account_access: 'Change your account settings (callback URL)',
  request_signature: 'Send signature requests on your behalf',
  signature_request_access: 'Read your signature requests and download their documents',
  team_access: 'See your team and its members',
};

const oauthError = (status: number, name: string, message: string) => new SignApiError(status, name, message);

export class SignOAuthServer {
  constructor(
    private readonly ctx: SandboxContext,
    private readonly state: () => SignState,
    private readonly store: SignStore,
  ) {}

  register(router: Router): void {
    router.get('/oauth/authorize', (req) => this.authorizePage(req));
    router.post('/oauth/authorize', (req) => this.decide(req));
    router.post('/oauth/token', (req) => this.token(req));
  }

  private app(clientId: string | null | undefined) {
    const app = clientId ? this.state().apps[clientId] : undefined;
    if (!app) throw oauthError(400, 'invalid_client', 'Unknown client_id.');
    return app;
  }

  private authorizePage(req: SandboxRequest): SandboxResponse {
    const q = req.url.searchParams;
    if (q.get('response_type') !== 'code') throw oauthError(400, 'unsupported_response_type', 'response_type must be code.');
    const app = this.app(q.get('client_id'));
    const accounts = this.store.accounts().filter((a) => a.accountId !== app.ownerAccountId);
    const hint = q.get('login_hint') ?? '';
    const options = accounts
      .map((a) => `<label class="pick"><input type="radio" name="account" value="${escapeHtml(a.email)}"${a.email === hint ? ' checked' : ''} required> <strong>${escapeHtml(a.name)}</strong> <small>${escapeHtml(a.email)}</small></label>`)
      .join('');
    const scopes = app.scopes.map((s) => `<li>${escapeHtml(SCOPE_LABELS[s] ?? s)} <code>${escapeHtml(s)}</code></li>`).join('');
    return html(
      200,
      layout(
        `Authorize ${app.name}`,
        `<form method="post" action="/dropbox-sign/oauth/authorize">
<input type="hidden" name="client_id" value="${escapeHtml(app.clientId)}"><input type="hidden" name="state" value="${escapeHtml(q.get('state') ?? '')}">
<p><strong>${escapeHtml(app.name)}</strong> wants to access your Dropbox Sign account.</p>
<h3>Sign in as</h3>${options}
<h3>${escapeHtml(app.name)} will be able to</h3><ul>${scopes}</ul>
<button name="decision" value="allow" class="primary">Accept</button> <button name="decision" value="deny">Cancel</button></form>`,
      ),
    );
  }

  private decide(req: SandboxRequest): SandboxResponse {
    const form = new URLSearchParams(req.body.toString('utf8'));
    const app = this.app(form.get('client_id'));
    const target = new URL(app.oauthCallbackUrl);
    const state = form.get('state');
    if (state) target.searchParams.set('state', state);
    if (form.get('decision') !== 'allow') {
      target.searchParams.set('error', 'access_denied');
      return redirect(target.toString(), 303);
    }
    const account = this.store.requireAccount(form.get('account') ?? '');
    for (const [key, old] of Object.entries(this.state().codes)) if (old.used || old.expiresAt <= this.ctx.now()) delete this.state().codes[key];
    const code = randomBytes(16).toString('hex');
    this.state().codes[code] = { code, clientId: app.clientId, accountId: account.accountId, state, scopes: [...app.scopes], expiresAt: this.ctx.now() + CODE_TTL_MS, used: false };
    target.searchParams.set('code', code);
    return redirect(target.toString(), 303);
  }

  private token(req: SandboxRequest): SandboxResponse {
    const { fields } = readParams(req);
    const grantType = asString(fields.grant_type);
    if (grantType === 'authorization_code') {
      const app = this.app(asString(fields.client_id));
      if (asString(fields.client_secret) !== app.clientSecret) throw oauthError(401, 'invalid_client', 'Invalid client_secret.');
      const code = this.state().codes[asString(fields.code) ?? ''];
      if (!code || code.clientId !== app.clientId || code.used || code.expiresAt <= this.ctx.now()) throw oauthError(400, 'invalid_grant', 'The authorization code is invalid or expired.');
      if (code.state && asString(fields.state) !== code.state) throw oauthError(400, 'invalid_grant', 'state does not match the authorize request.');
      code.used = true;
      return this.issue({ clientId: app.clientId, accountId: code.accountId, scopes: code.scopes }, code.state, randomBytes(20).toString('hex'));
    }
    if (grantType === 'refresh_token') {
      const refreshToken = asString(fields.refresh_token) ?? '';
      const grants = Object.values(this.state().grants).filter((g) => g.refreshToken === refreshToken);
      const live = grants.find((g) => !g.revoked);
      if (!live) throw oauthError(400, 'invalid_grant', 'The refresh token is invalid or has been revoked.');
      const clientId = asString(fields.client_id);
      if (clientId) {
        const app = this.app(clientId);
        if (app.clientId !== live.clientId || asString(fields.client_secret) !== app.clientSecret) throw oauthError(401, 'invalid_client', 'Invalid client credentials.');
      }
      // The previous access token stops working; the refresh token stays the same.
      for (const g of grants) delete this.state().grants[g.accessToken];
      return this.issue({ clientId: live.clientId, accountId: live.accountId, scopes: live.scopes }, null, refreshToken);
    }
    throw oauthError(400, 'unsupported_grant_type', 'grant_type must be authorization_code or refresh_token.');
  }

  private issue(base: Pick<OAuthGrant, 'clientId' | 'accountId' | 'scopes'>, state: string | null, refreshToken: string): SandboxResponse {
    const ttl = this.state().config.accessTokenTtlSeconds;
    const grant: OAuthGrant = { ...base, accessToken: randomBytes(20).toString('hex'), refreshToken, accessExpiresAt: this.ctx.now() + ttl * 1000, revoked: false };
    this.state().grants[grant.accessToken] = grant;
    return json(200, { access_token: grant.accessToken, token_type: 'Bearer', refresh_token: refreshToken, expires_in: ttl, state });
  }

  revokeAll(email: string): number {
    const account = this.store.requireAccount(email);
    let n = 0;
    for (const g of Object.values(this.state().grants)) if (g.accountId === account.accountId && !g.revoked) (g.revoked = true), n++;
    return n;
  }

  expireAccessTokens(): void {
    for (const g of Object.values(this.state().grants)) g.accessExpiresAt = Math.min(g.accessExpiresAt, this.ctx.now());
  }
}
