/**
 * Google's OAuth 2 / OpenID Connect server (accounts.google.com + oauth2.googleapis.com) under
 * `${baseUrl}/google`: discovery, JWKS, the account chooser + consent page, /token (authorization_code
 * with PKCE, refresh_token), /revoke, /userinfo, /tokeninfo. Works with Auth.js's Google provider
 * (oauth4webapi, client_secret_basic) and google-auth-library's OAuth2Client (client_secret_post).
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { basicAuth, bearer, escapeHtml, html, json, readForm, redirect, type SandboxRequest, type SandboxResponse } from '../lib/http';
import type { SandboxContext } from '../lib/types';
import { GoogleApiError, errorInfo, oauthError } from './google-errors';
import type { AccessTokenRecord, GoogleAccount, GoogleState, SigningKey } from './google-state';
import { CONTACTS_READONLY_SCOPE, CONTACTS_SCOPE } from './person-fields';

type Req = Omit<SandboxRequest, 'params'>;

const USERINFO_EMAIL = 'https://www.googleapis.com/auth/userinfo.email';
const USERINFO_PROFILE = 'https://www.googleapis.com/auth/userinfo.profile';

/** Requestable scopes, with Google's normalisation of the OIDC short names. */
const SCOPES: Record<string, { canonical: string; consent: string }> = {
  openid: { canonical: 'openid', consent: 'Associate you with your personal info on Google' },
  email: { canonical: USERINFO_EMAIL, consent: 'See your primary Google Account email address' },
  profile: { canonical: USERINFO_PROFILE, consent: 'See your personal info, including any personal info you\u2019ve made publicly available' },
  [USERINFO_EMAIL]: { canonical: USERINFO_EMAIL, consent: 'See your primary Google Account email address' },
  [USERINFO_PROFILE]: { canonical: USERINFO_PROFILE, consent: 'See your personal info, including any personal info you\u2019ve made publicly available' },
  [CONTACTS_SCOPE]: { canonical: CONTACTS_SCOPE, consent: 'See, edit, download and permanently delete your contacts' },
  [CONTACTS_READONLY_SCOPE]: { canonical: CONTACTS_READONLY_SCOPE, consent: 'See and download your contacts' },
  'https://www.googleapis.com/auth/contacts.other.readonly': { canonical: 'https://www.googleapis.com/auth/contacts.other.readonly', consent: 'See and download contact info automatically saved in your \u201cOther contacts\u201d' },
};

const INVALID_TOKEN_MESSAGE =
  'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';
const MISSING_TOKEN_MESSAGE =
  'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';

export function generateSigningKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicJwk = publicKey.export({ format: 'jwk' }) as JsonWebKey;
  const kid = createHash('sha256').update(`${publicJwk.n}.${publicJwk.e}`).digest('hex').slice(0, 40);
  return { kid, privateJwk: privateKey.export({ format: 'jwk' }) as JsonWebKey, publicJwk };
}

const b64url = (input: Buffer | string) => Buffer.from(input).toString('base64url');
const randomToken = (bytes = 32) => randomBytes(bytes).toString('base64url');

export type AuthenticatedCaller = { account: GoogleAccount; token: AccessTokenRecord };

export type OidcDeps = {
  ctx: SandboxContext;
  state: () => GoogleState;
  /** Returns the account for an email, creating an empty one for a new address (account chooser). */
  ensureAccount: (email: string) => GoogleAccount;
};

export class OidcServer {
  constructor(private deps: OidcDeps) {}

  get issuer(): string {
    return `${this.deps.ctx.baseUrl}/google`;
  }

  private get state(): GoogleState {
    return this.deps.state();
  }

  private now(): number {
    return this.deps.ctx.now();
  }

  // ------------------------------------------------------------------ discovery and keys

  discovery(): SandboxResponse {
    const base = this.issuer;
    return json(200, {
      issuer: base,
      authorization_endpoint: `${base}/o/oauth2/v2/auth`,
      device_authorization_endpoint: `${base}/device/code`,
      token_endpoint: `${base}/token`,
      userinfo_endpoint: `${base}/v1/userinfo`,
      revocation_endpoint: `${base}/revoke`,
      jwks_uri: `${base}/oauth2/v3/certs`,
      response_types_supported: ['code', 'token', 'id_token', 'code token', 'code id_token', 'token id_token', 'code token id_token', 'none'],
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      scopes_supported: ['openid', 'email', 'profile'],
      token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
      claims_supported: ['aud', 'email', 'email_verified', 'exp', 'family_name', 'given_name', 'iat', 'iss', 'name', 'picture', 'sub'],
      code_challenge_methods_supported: ['plain', 'S256'],
      grant_types_supported: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code', 'urn:ietf:params:oauth:grant-type:jwt-bearer'],
    }, { 'cache-control': 'public, max-age=3600' });
  }

  jwks(): SandboxResponse {
    const { kid, publicJwk } = this.state.signingKey;
    return json(200, { keys: [{ kty: publicJwk.kty, n: publicJwk.n, e: publicJwk.e, alg: 'RS256', use: 'sig', kid }] });
  }

  /** google-auth-library's verifyIdToken() in Node reads PEM keys from oauth2/v1/certs. */
  pemCerts(): SandboxResponse {
    const { kid, publicJwk } = this.state.signingKey;
    const pem = createPublicKey({ key: publicJwk, format: 'jwk' } as never).export({ format: 'pem', type: 'spki' }).toString();
    return json(200, { [kid]: pem });
  }

  signIdToken(claims: Record<string, unknown>): string {
    const { kid, privateJwk } = this.state.signingKey;
    const header = b64url(JSON.stringify({ alg: 'RS256', kid, typ: 'JWT' }));
    const payload = b64url(JSON.stringify(claims));
    const key = createPrivateKey({ key: privateJwk, format: 'jwk' } as never);
    const signature = sign('RSA-SHA256', Buffer.from(`${header}.${payload}`), key);
    return `${header}.${payload}.${b64url(signature)}`;
  }

  // ------------------------------------------------------------------ authorization endpoint

  /** Validates an authorization request; returns an error page for problems Google does not redirect. */
  private validateAuthorizationRequest(params: URLSearchParams): { error: SandboxResponse } | { scopes: string[]; redirectUri: string } {
    const { google } = this.deps.ctx.app;
    const clientId = params.get('client_id');
    const redirectUri = params.get('redirect_uri') ?? '';
    if (!clientId) return { error: this.errorPage('invalid_request', 'Missing required parameter: client_id') };
    if (clientId !== google.clientId) return { error: this.errorPage('invalid_client', 'The OAuth client was not found.', 401) };
    if (!redirectUri) return { error: this.errorPage('invalid_request', 'Missing required parameter: redirect_uri') };
    if (!google.redirectUris.includes(redirectUri)) {
      return { error: this.errorPage('redirect_uri_mismatch', `You can\u2019t sign in to this app because it doesn\u2019t comply with Google\u2019s OAuth 2.0 policy. If you\u2019re the app developer, register the redirect URI in the Google Cloud Console. Request details: redirect_uri=${redirectUri}`) };
    }
    const scope = params.get('scope');
    if (!scope) return { error: this.errorPage('invalid_request', 'Missing required parameter: scope') };
    const requested = scope.split(/[\s+]+/).filter(Boolean);
    const invalid = requested.filter((s) => !SCOPES[s]);
    if (invalid.length) return { error: this.errorPage('invalid_scope', `Some requested scopes were invalid. {invalid=[${invalid.join(', ')}]}`) };
    return { scopes: [...new Set(requested.map((s) => SCOPES[s].canonical))], redirectUri };
  }

  private errorPage(error: string, description: string, status = 400): SandboxResponse {
    return html(status, page('Access blocked', `<div class="card"><h1>Access blocked: Synclane\u2019s request is invalid</h1>
<p>${escapeHtml(description)}</p><p class="muted">Error ${status}: ${escapeHtml(error)}</p></div>`));
  }

  private redirectWith(redirectUri: string, values: Record<string, string | null | undefined>): SandboxResponse {
    const url = new URL(redirectUri);
    for (const [k, v] of Object.entries(values)) if (v != null) url.searchParams.set(k, v);
    return redirect(url.toString());
  }

  authorizePage(req: Req): SandboxResponse {
    const params = req.url.searchParams;
    const checked = this.validateAuthorizationRequest(params);
    if ('error' in checked) return checked.error;
    if (params.get('response_type') !== 'code') {
      return this.redirectWith(checked.redirectUri, { error: 'unsupported_response_type', state: params.get('state') });
    }
    const method = params.get('code_challenge_method');
    if (params.get('code_challenge') && method && !['S256', 'plain'].includes(method)) {
      return this.redirectWith(checked.redirectUri, { error: 'invalid_request', error_description: 'Invalid code_challenge_method', state: params.get('state') });
    }
    const hint = params.get('login_hint')?.trim().toLowerCase() ?? '';
    const accounts = Object.values(this.state.accounts);
    const known = accounts.some((a) => a.email === hint);
    const selected = known ? hint : hint && hint.includes('@') ? hint : accounts[0]?.email;
    const hidden = [...params.entries()]
      .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
      .join('\n');
    const option = (email: string, name: string, isNew = false) => `<label class="account">
  <input type="radio" name="account" value="${escapeHtml(email)}"${email === selected ? ' checked' : ''}>
  <span class="avatar">${escapeHtml((name[0] ?? '?').toUpperCase())}</span>
  <span><strong>${escapeHtml(name)}</strong><br><span class="muted">${escapeHtml(email)}${isNew ? ' \u2014 new empty demo account' : ''}</span></span>
</label>`;
    const consents = checked.scopes.map((s) => `<li>${escapeHtml(Object.values(SCOPES).find((x) => x.canonical === s)?.consent ?? s)}</li>`).join('');
    return html(200, page('Sign in \u2013 Google Accounts', `<form class="card" method="post" action="${escapeHtml(this.issuer)}/o/oauth2/v2/auth">
<div class="brand">Google <span class="muted">(sandbox)</span></div>
<h1>Choose an account</h1><p class="muted">to continue to <strong>Synclane</strong></p>
${accounts.map((a) => option(a.email, a.name)).join('\n')}
${hint && !known && hint.includes('@') ? option(hint, hint.split('@')[0], true) : ''}
<h2>Synclane wants to access your Google Account</h2>
<ul class="scopes">${consents}</ul>
<p class="muted">Make sure you trust Synclane. You can remove access at any time in your Google Account (or with the sandbox admin API).</p>
${hidden}
<div class="actions"><button type="submit" name="decision" value="deny" class="secondary">Deny</button>
<button type="submit" name="decision" value="allow" class="primary">Allow</button></div>
</form>`));
  }

  /** POST from the consent page: Allow → code, Deny → error=access_denied. */
  authorizeDecision(req: Req): SandboxResponse {
    const form = readForm(req);
    const checked = this.validateAuthorizationRequest(form);
    if ('error' in checked) return checked.error;
    const state = form.get('state');
    if (form.get('decision') !== 'allow') return this.redirectWith(checked.redirectUri, { error: 'access_denied', state });
    const email = form.get('account')?.trim().toLowerCase();
    if (!email || !email.includes('@')) return this.errorPage('invalid_request', 'Choose an account to continue.');
    const account = this.deps.ensureAccount(email);
    const offline = form.get('access_type') === 'offline';
    const prompts = (form.get('prompt') ?? '').split(/\s+/);
    // Google issues a refresh token on first offline consent, and again only with prompt=consent.
    const hasLiveRefreshToken = Object.values(this.state.refreshTokens).some(
      (t) => !t.revoked && t.email === account.email && t.clientId === form.get('client_id'),
    );
    const code = `4/0A${randomToken(40)}`;
    this.state.codes[code] = {
      clientId: form.get('client_id')!,
      redirectUri: checked.redirectUri,
      email: account.email,
      scope: checked.scopes.join(' '),
      codeChallenge: form.get('code_challenge') ?? undefined,
      codeChallengeMethod: form.get('code_challenge') ? (form.get('code_challenge_method') ?? 'plain') : undefined,
      nonce: form.get('nonce') ?? undefined,
      offline,
      issueRefreshToken: offline && (!hasLiveRefreshToken || prompts.includes('consent')),
      expiresAt: this.now() + this.state.config.authorizationCodeTtlSeconds * 1000,
    };
    return this.redirectWith(checked.redirectUri, {
      state,
      code,
      scope: checked.scopes.join(' '),
      authuser: '0',
      prompt: prompts.includes('consent') ? 'consent' : 'none',
    });
  }

  // ------------------------------------------------------------------ token endpoint

  private readTokenRequest(req: Req): URLSearchParams {
    const type = String(req.headers['content-type'] ?? '');
    if (type.includes('application/json')) {
      const body = JSON.parse(req.body.toString('utf8') || '{}') as Record<string, unknown>;
      return new URLSearchParams(Object.entries(body).map(([k, v]) => [k, String(v)]));
    }
    const form = readForm(req);
    for (const [k, v] of req.url.searchParams) if (!form.has(k)) form.set(k, v);
    return form;
  }

  token(req: Req): SandboxResponse {
    let form: URLSearchParams;
    try {
      form = this.readTokenRequest(req);
    } catch {
      return oauthError(400, 'invalid_request', 'Invalid JSON payload received.');
    }
    const { google } = this.deps.ctx.app;
    const basic = basicAuth(req.headers);
    const clientId = basic?.[0] ?? form.get('client_id');
    const clientSecret = basic?.[1] ?? form.get('client_secret');
    if (!clientId) return oauthError(400, 'invalid_request', 'Could not determine client ID from request.');
    if (clientId !== google.clientId) return oauthError(401, 'invalid_client', 'The OAuth client was not found.');
    if (clientSecret !== google.clientSecret) return oauthError(401, 'invalid_client', 'Unauthorized');

    const grantType = form.get('grant_type');
    if (grantType === 'authorization_code') return this.exchangeCode(form, clientId);
    if (grantType === 'refresh_token') return this.refresh(form, clientId);
    if (!grantType) return oauthError(400, 'unsupported_grant_type', 'Invalid grant_type: ');
    return oauthError(400, 'unsupported_grant_type', `Invalid grant_type: ${grantType}`);
  }

  private exchangeCode(form: URLSearchParams, clientId: string): SandboxResponse {
    const codeValue = form.get('code');
    if (!codeValue) return oauthError(400, 'invalid_request', 'Missing required parameter: code');
    const code = this.state.codes[codeValue];
    if (!code) return oauthError(400, 'invalid_grant', 'Malformed auth code.');
    if (code.used || code.expiresAt <= this.now() || code.clientId !== clientId) {
      return oauthError(400, 'invalid_grant', 'Bad Request');
    }
    if ((form.get('redirect_uri') ?? '') !== code.redirectUri) return oauthError(400, 'redirect_uri_mismatch', 'Bad Request');
    if (code.codeChallenge) {
      const verifier = form.get('code_verifier');
      if (!verifier) return oauthError(400, 'invalid_grant', 'Missing code verifier.');
      const computed = code.codeChallengeMethod === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
      if (computed !== code.codeChallenge) return oauthError(400, 'invalid_grant', 'Invalid code verifier.');
    }
    code.used = true;
    const account = this.state.accounts[code.email];
    let refreshToken: string | undefined;
    if (code.issueRefreshToken) {
      refreshToken = `1//0${randomToken(48)}`;
      this.state.refreshTokens[refreshToken] = { email: code.email, clientId, scope: code.scope, createdAt: this.now() };
    }
    return this.issueTokens(account, clientId, code.scope, { refreshToken, nonce: code.nonce, returnRefreshToken: true });
  }

  private refresh(form: URLSearchParams, clientId: string): SandboxResponse {
    const value = form.get('refresh_token');
    if (!value) return oauthError(400, 'invalid_request', 'Missing required parameter: refresh_token');
    const record = this.state.refreshTokens[value];
    const lifetime = this.state.config.refreshTokenLifetimeSeconds;
    const expired = record && lifetime > 0 && record.createdAt + lifetime * 1000 <= this.now();
    if (!record || record.revoked || expired || !this.state.accounts[record.email]) {
      return oauthError(400, 'invalid_grant', 'Token has been expired or revoked.');
    }
    if (record.clientId !== clientId) return oauthError(401, 'unauthorized_client', 'Unauthorized');
    return this.issueTokens(this.state.accounts[record.email], clientId, record.scope, { refreshToken: value, returnRefreshToken: false });
  }

  private issueTokens(
    account: GoogleAccount,
    clientId: string,
    scope: string,
    opts: { refreshToken?: string; nonce?: string; returnRefreshToken: boolean },
  ): SandboxResponse {
    this.pruneAccessTokens();
    const ttl = this.state.config.accessTokenTtlSeconds;
    const accessToken = `ya29.a0${randomToken(60)}`;
    this.state.accessTokens[accessToken] = {
      email: account.email,
      clientId,
      scope,
      expiresAt: this.now() + ttl * 1000,
      ...(opts.refreshToken ? { refreshToken: opts.refreshToken } : {}),
    };
    const body: Record<string, unknown> = { access_token: accessToken, expires_in: ttl };
    if (opts.returnRefreshToken && opts.refreshToken) body.refresh_token = opts.refreshToken;
    body.scope = scope;
    body.token_type = 'Bearer';
    if (scope.split(' ').includes('openid')) body.id_token = this.idTokenFor(account, clientId, scope, accessToken, opts.nonce);
    return json(200, body, { 'cache-control': 'no-cache, no-store, max-age=0, must-revalidate', pragma: 'no-cache' });
  }

  idTokenFor(account: GoogleAccount, clientId: string, scope: string, accessToken: string, nonce?: string): string {
    const iat = Math.floor(this.now() / 1000);
    const scopes = scope.split(' ');
    const digest = createHash('sha256').update(accessToken).digest();
    return this.signIdToken({
      iss: this.issuer,
      azp: clientId,
      aud: clientId,
      sub: account.sub,
      ...(scopes.includes(USERINFO_EMAIL) ? { email: account.email, email_verified: true } : {}),
      at_hash: b64url(digest.subarray(0, digest.length / 2)),
      ...(nonce ? { nonce } : {}),
      ...(scopes.includes(USERINFO_PROFILE)
        ? { name: account.name, picture: this.pictureOf(account), given_name: account.givenName, family_name: account.familyName }
        : {}),
      iat,
      exp: iat + 3600,
    });
  }

  private pictureOf(account: GoogleAccount): string {
    return `${this.deps.ctx.baseUrl}/google/photos/default/${encodeURIComponent(account.givenName[0] ?? '?')}`;
  }

  private pruneAccessTokens(): void {
    const tokens = this.state.accessTokens;
    const keys = Object.keys(tokens);
    if (keys.length < 2000) return;
    const cutoff = this.now() - 24 * 3600 * 1000;
    for (const key of keys) if (tokens[key].expiresAt < cutoff) delete tokens[key];
  }

  // ------------------------------------------------------------------ revoke, userinfo, tokeninfo

  revoke(req: Req): SandboxResponse {
    const form = readForm(req);
    const token = req.url.searchParams.get('token') ?? form.get('token');
    if (!token) return oauthError(400, 'invalid_request', 'Missing required parameter: token');
    const access = this.state.accessTokens[token];
    const refresh = this.state.refreshTokens[token];
    const grant = access ?? refresh;
    if (!grant || refresh?.revoked || (access && access.expiresAt <= this.now())) {
      return oauthError(400, 'invalid_token', 'Token expired or revoked');
    }
    // Revoking either token ends the whole grant of that account for that client.
    this.revokeGrants((t) => t.email === grant.email && t.clientId === grant.clientId);
    return json(200, {});
  }

  revokeAll(email: string): void {
    this.revokeGrants((t) => t.email === email.toLowerCase());
  }

  private revokeGrants(match: (t: { email: string; clientId: string }) => boolean): void {
    for (const [key, t] of Object.entries(this.state.accessTokens)) if (match(t)) delete this.state.accessTokens[key];
    for (const t of Object.values(this.state.refreshTokens)) if (match(t)) t.revoked = true;
  }

  expireAccessTokens(): void {
    const past = this.now() - 1;
    for (const t of Object.values(this.state.accessTokens)) t.expiresAt = Math.min(t.expiresAt, past);
  }

  userinfo(req: Req): SandboxResponse {
    const value = bearer(req.headers) ?? req.url.searchParams.get('access_token');
    const record = value ? this.state.accessTokens[value] : undefined;
    if (!record || record.expiresAt <= this.now()) {
      return json(401, { error: 'invalid_request', error_description: 'Invalid Credentials' }, {
        'www-authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"',
      });
    }
    const account = this.state.accounts[record.email];
    const scopes = record.scope.split(' ');
    return json(200, {
      sub: account.sub,
      ...(scopes.includes(USERINFO_PROFILE)
        ? { name: account.name, given_name: account.givenName, family_name: account.familyName, picture: this.pictureOf(account) }
        : {}),
      ...(scopes.includes(USERINFO_EMAIL) ? { email: account.email, email_verified: true } : {}),
    });
  }

  tokeninfo(req: Req): SandboxResponse {
    const form = readForm(req);
    const value = req.url.searchParams.get('access_token') ?? form.get('access_token') ?? bearer(req.headers);
    const record = value ? this.state.accessTokens[value] : undefined;
    if (!record || record.expiresAt <= this.now()) return json(400, { error: 'invalid_token', error_description: 'Invalid Value' });
    const account = this.state.accounts[record.email];
    const expiresIn = Math.floor((record.expiresAt - this.now()) / 1000);
    return json(200, {
      azp: record.clientId,
      aud: record.clientId,
      sub: account.sub,
      scope: record.scope,
      exp: String(Math.floor(record.expiresAt / 1000)),
      expires_in: String(expiresIn),
      email: account.email,
      email_verified: 'true',
      access_type: record.refreshToken ? 'offline' : 'online',
    });
  }

  /** Resolves the caller of a People API request; throws the Google 401/403 error otherwise. */
  authenticate(req: Req, method: string, needsWrite: boolean): AuthenticatedCaller {
    const challenge = { 'www-authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"' };
    const value = bearer(req.headers) ?? req.url.searchParams.get('access_token');
    if (!value) {
      throw new GoogleApiError('UNAUTHENTICATED', MISSING_TOKEN_MESSAGE, [errorInfo('CREDENTIALS_MISSING', 'googleapis.com', { service: 'people.googleapis.com', method })], { 'www-authenticate': 'Bearer realm="https://accounts.google.com/"' });
    }
    const record = this.state.accessTokens[value];
    const account = record ? this.state.accounts[record.email] : undefined;
    if (!record || !account) {
      throw new GoogleApiError('UNAUTHENTICATED', INVALID_TOKEN_MESSAGE, [errorInfo('ACCESS_TOKEN_TYPE_UNSUPPORTED', 'googleapis.com', { service: 'people.googleapis.com', method })], challenge);
    }
    if (record.expiresAt <= this.now()) {
      throw new GoogleApiError('UNAUTHENTICATED', INVALID_TOKEN_MESSAGE, [errorInfo('ACCESS_TOKEN_EXPIRED', 'googleapis.com', { service: 'people.googleapis.com', method })], challenge);
    }
    const scopes = record.scope.split(' ');
    const allowed = needsWrite ? scopes.includes(CONTACTS_SCOPE) : scopes.includes(CONTACTS_SCOPE) || scopes.includes(CONTACTS_READONLY_SCOPE);
    if (!allowed) {
      throw new GoogleApiError('PERMISSION_DENIED', 'Request had insufficient authentication scopes.', [errorInfo('ACCESS_TOKEN_SCOPE_INSUFFICIENT', 'googleapis.com', { service: 'people.googleapis.com', method })], {
        'www-authenticate': `Bearer realm="https://accounts.google.com/", error="insufficient_scope", scope="${CONTACTS_SCOPE}"`,
      });
    }
    return { account, token: record };
  }
}

/** Minimal Google-like page chrome shared by the consent page and the contacts UI. */
export function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>
body{font-family:Roboto,system-ui,sans-serif;background:#f0f4f9;color:#1f1f1f;margin:0;padding:32px 16px}
.card{background:#fff;border-radius:24px;max-width:640px;margin:0 auto;padding:32px 36px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
.wide{max-width:980px}.brand{font-size:22px;font-weight:500;margin-bottom:8px}h1{font-size:26px;font-weight:400;margin:8px 0}
h2{font-size:17px;font-weight:500;margin:24px 0 8px}.muted{color:#5f6368;font-size:14px}
.account{display:flex;gap:12px;align-items:center;border:1px solid #dadce0;border-radius:12px;padding:10px 14px;margin:8px 0;cursor:pointer}
.account:has(input:checked){border-color:#0b57d0;background:#f3f7fe}
.avatar{display:inline-flex;width:32px;height:32px;border-radius:50%;background:#0b57d0;color:#fff;align-items:center;justify-content:center;font-weight:500}
.scopes li{margin:6px 0}.actions{display:flex;justify-content:flex-end;gap:12px;margin-top:24px}
button,.button{font:inherit;border-radius:20px;padding:9px 22px;cursor:pointer;border:1px solid #747775;background:#fff;color:#0b57d0;text-decoration:none;display:inline-block}
button.primary,.button.primary{background:#0b57d0;color:#fff;border-color:#0b57d0}button.danger{color:#b3261e;border-color:#b3261e}
table{width:100%;border-collapse:collapse;font-size:14px}td,th{text-align:left;padding:8px 6px;border-bottom:1px solid #eceff1;vertical-align:top}
a{color:#0b57d0}label.field{display:block;margin:12px 0 4px;font-size:14px;color:#444}
input[type=text],input[type=email],input[type=date],textarea,select{font:inherit;width:100%;box-sizing:border-box;padding:8px 10px;border:1px solid #c4c7c5;border-radius:8px}
.chip{display:inline-block;background:#e8f0fe;color:#0b57d0;border-radius:10px;padding:1px 8px;font-size:12px;margin:1px 2px}
.row{display:flex;gap:12px}.row>*{flex:1}nav{margin-bottom:16px;font-size:14px}
</style></head><body>${body}</body></html>`;
}
