/**
 * Microsoft identity platform v2 (login.microsoftonline.com) for the demo Microsoft accounts:
 * per-tenant OIDC discovery, JWKS, authorize (account picker + consent), token endpoint with
 * authorization_code + PKCE and refresh tokens (a new one on every use; the old one stays valid), userinfo. Graph access tokens are opaque
 * strings checked by authenticate().
 */
import { createHash, createPrivateKey, createSign, generateKeyPairSync, randomBytes } from 'node:crypto';
import { basicAuth, bearer, escapeHtml, html, json, readForm, redirect, type Router, type SandboxRequest, type SandboxResponse } from '../lib/http';
import type { SandboxContext } from '../lib/types';
import { GraphApiError } from './graph-errors';
import { CONSUMER_TENANT_ID, type AccessTokenGrant, type MicrosoftAccount, type MicrosoftState } from './microsoft-state';

export const GRAPH_SCOPES = ['User.Read', 'Contacts.Read', 'Contacts.ReadWrite'] as const;
const SCOPE_LABELS: Record<string, string> = {
  openid: 'Sign you in',
  profile: 'View your basic profile',
  email: 'View your email address',
  offline_access: 'Maintain access to data you have given it access to',
  'user.read': 'Sign you in and read your profile',
  'contacts.read': 'Read your contacts',
  'contacts.readwrite': 'Have full access to your contacts',
};

export function generateSigningKey(): MicrosoftState['signingKey'] {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicJwk = publicKey.export({ format: 'jwk' }) as JsonWebKey;
  const kid = createHash('sha256').update(publicJwk.n ?? '').digest('base64url').slice(0, 27);
  return { kid, privateJwk: privateKey.export({ format: 'jwk' }) as JsonWebKey, publicJwk };
}

type TokenError = { status: number; error: string; code: number; description: string };

export class IdentityServer {
  constructor(
    private readonly ctx: SandboxContext,
    private readonly state: () => MicrosoftState,
  ) {}

  private get origin() {
    return `${this.ctx.baseUrl}/microsoft`;
  }

  issuer(tenant: string): string {
    return `${this.origin}/${tenant}/v2.0`;
  }

  register(router: Router): void {
    router.get('/:tenant/v2.0/.well-known/openid-configuration', (req) => json(200, this.discovery(req.params.tenant)));
    router.get('/:tenant/discovery/v2.0/keys', () => json(200, this.jwks()));
    router.get('/:tenant/oauth2/v2.0/authorize', (req) => this.authorizePage(req));
    router.post('/:tenant/oauth2/v2.0/authorize', (req) => this.authorizeDecision(req));
    router.post('/:tenant/oauth2/v2.0/token', (req) => this.token(req));
    router.get('/:tenant/oauth2/v2.0/logout', (req) => {
      const target = req.url.searchParams.get('post_logout_redirect_uri');
      return target ? redirect(target) : html(200, page('Signed out', '<p>You signed out of your account.</p>'));
    });
    router.get('/oidc/userinfo', (req) => this.userinfo(req));
    router.post('/oidc/userinfo', (req) => this.userinfo(req));
  }

  discovery(tenant: string) {
    const o = this.origin;
    return {
      token_endpoint: `${o}/${tenant}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${o}/${tenant}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: this.issuer(tenant),
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${o}/oidc/userinfo`,
      authorization_endpoint: `${o}/${tenant}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${o}/${tenant}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${o}/${tenant}/oauth2/v2.0/logout`,
      claims_supported: ['sub', 'iss', 'cloud_instance_name', 'cloud_instance_host_name', 'cloud_graph_host_name', 'msgraph_host', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'at_hash', 'c_hash', 'email'],
      // Like the real metadata: no code_challenge_methods_supported (Auth.js then falls back to a nonce).
      tenant_region_scope: null,
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com',
      rbac_url: 'https://pas.windows.net',
    };
  }

  jwks() {
    const { kid, publicJwk } = this.state().signingKey;
    return { keys: [{ kty: 'RSA', use: 'sig', kid, x5t: kid, n: publicJwk.n, e: publicJwk.e, alg: 'RS256' }] };
  }

  /** Graph side: resolves the bearer token or throws 401 InvalidAuthenticationToken. */
  authenticate(req: Pick<SandboxRequest, 'headers'>): AccessTokenGrant {
    const token = bearer(req.headers);
    const unauthorized = (message: string) =>
      new GraphApiError(401, 'InvalidAuthenticationToken', message, {
        'www-authenticate': `Bearer realm="", authorization_uri="${this.origin}/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`,
      });
    if (!token) throw unauthorized('Access token is empty.');
    const grant = this.state().accessTokens[token];
    if (!grant) throw unauthorized('IDX14100: JWT is not well formed, there are no dots (.).');
    if (grant.expiresAt <= this.ctx.now()) throw unauthorized('Lifetime validation failed, the token is expired.');
    return grant;
  }

  revokeRefreshTokens(email: string): number {
    let count = 0;
    for (const grant of Object.values(this.state().refreshTokens)) {
      if (grant.accountEmail === email.toLowerCase() && grant.status === 'active') {
        grant.status = 'revoked';
        count++;
      }
    }
    return count;
  }

  expireAccessTokens(): void {
    for (const grant of Object.values(this.state().accessTokens)) grant.expiresAt = 0;
  }

  // ---- authorize -----------------------------------------------------------------------------------

  private authorizePage(req: SandboxRequest): SandboxResponse {
    const params = req.url.searchParams;
    const problem = this.validateClient(params);
    if (problem) return problem;
    const redirectUri = params.get('redirect_uri')!;
    const back = (error: string, description: string) => this.redirectBack(params, redirectUri, { error, error_description: description });
    if (params.get('response_type') !== 'code') return back('unsupported_response_type', "AADSTS700054: response_type 'id_token' is not enabled for the application.");
    if (!params.get('scope')) return back('invalid_request', "AADSTS90014: The required field 'scope' is missing from the credential.");
    const method = params.get('code_challenge_method');
    if (params.get('code_challenge') && method && method !== 'S256' && method !== 'plain') {
      return back('invalid_request', 'AADSTS501491: Invalid size of Code_Challenge parameter.');
    }
    if (params.get('prompt') === 'none') return back('login_required', 'AADSTS50058: A silent sign-in request was sent but no user is signed in.');

    const accounts = Object.values(this.state().accounts);
    const hint = params.get('login_hint')?.toLowerCase();
    const selected = accounts.find((a) => a.email === hint) ?? accounts[0];
    const scopes = splitScopes(params.get('scope')!);
    const accountList = accounts
      .map(
        (a) => `<label class="account"><input type="radio" name="account" value="${escapeHtml(a.email)}"${a === selected ? ' checked' : ''}>
<span class="avatar">${escapeHtml(a.givenName[0] ?? '?')}</span><span><strong>${escapeHtml(a.displayName)}</strong><br><small>${escapeHtml(a.email)}</small></span></label>`,
      )
      .join('\n');
    const permissions = scopes.map((s) => `<li>${escapeHtml(SCOPE_LABELS[s.toLowerCase()] ?? s)}</li>`).join('');
    return html(
      200,
      page(
        'Permissions requested',
        `<form method="post" action="${escapeHtml(req.url.pathname)}">
<input type="hidden" name="request" value="${escapeHtml(params.toString())}">
<h2>Pick an account</h2>${accountList}
<h2>Permissions requested</h2>
<p><strong>Synclane</strong> (unverified) needs permission to:</p><ul>${permissions}</ul>
<p class="fine">Accepting these permissions means that you allow this app to use your data as specified in their terms of service and privacy statement.</p>
<div class="buttons"><button name="decision" value="deny" class="secondary">Deny</button><button name="decision" value="allow">Allow</button></div>
</form>`,
      ),
    );
  }

  private authorizeDecision(req: SandboxRequest): SandboxResponse {
    const form = readForm(req);
    const params = new URLSearchParams(form.get('request') ?? '');
    const problem = this.validateClient(params);
    if (problem) return problem;
    const redirectUri = params.get('redirect_uri')!;
    if (form.get('decision') !== 'allow') {
      return this.redirectBack(params, redirectUri, {
        error: 'access_denied',
        error_description: 'AADSTS65004: User declined to consent to access the app.',
      });
    }
    const account = this.state().accounts[(form.get('account') ?? '').toLowerCase()];
    if (!account) return html(400, page('Sign in', '<p>Pick an account to continue.</p>'));
    const code = `M.C5${randomToken(48)}`;
    this.state().authorizationCodes[code] = {
      accountEmail: account.email,
      clientId: params.get('client_id')!,
      redirectUri,
      scope: params.get('scope')!,
      nonce: params.get('nonce') ?? undefined,
      codeChallenge: params.get('code_challenge') ?? undefined,
      codeChallengeMethod: params.get('code_challenge') ? params.get('code_challenge_method') ?? 'plain' : undefined,
      expiresAt: this.ctx.now() + this.state().config.authorizationCodeTtlSeconds * 1000,
    };
    return this.redirectBack(params, redirectUri, { code });
  }

  /** Unknown client or unregistered redirect URI: Microsoft shows an error page and never redirects. */
  private validateClient(params: URLSearchParams): SandboxResponse | null {
    const app = this.ctx.app.microsoft;
    const clientId = params.get('client_id') ?? '';
    if (clientId !== app.clientId) {
      return html(400, page('Sign in', `<p>AADSTS700016: Application with identifier '${escapeHtml(clientId)}' was not found in the directory.</p>`));
    }
    const redirectUri = params.get('redirect_uri') ?? '';
    if (!app.redirectUris.includes(redirectUri)) {
      return html(
        400,
        page('Sign in', `<p>AADSTS50011: The redirect URI '${escapeHtml(redirectUri)}' specified in the request does not match the redirect URIs configured for the application '${escapeHtml(clientId)}'.</p>`),
      );
    }
    return null;
  }

  private redirectBack(params: URLSearchParams, redirectUri: string, values: Record<string, string>): SandboxResponse {
    const out = new URLSearchParams(values);
    const state = params.get('state');
    if (state !== null) out.set('state', state);
    const mode = params.get('response_mode') ?? 'query';
    if (mode === 'form_post') {
      const inputs = [...out].map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`).join('');
      return html(200, `<!doctype html><html><body onload="document.forms[0].submit()"><form method="post" action="${escapeHtml(redirectUri)}">${inputs}<noscript><button>Continue</button></noscript></form></body></html>`);
    }
    const target = new URL(redirectUri);
    if (mode === 'fragment') return redirect(`${target.href}#${out}`);
    for (const [k, v] of out) target.searchParams.set(k, v);
    return redirect(target.href);
  }

  // ---- token ---------------------------------------------------------------------------------------

  private token(req: SandboxRequest): SandboxResponse {
    const form = readForm(req);
    const tenant = req.params.tenant;
    try {
      const clientId = this.authenticateClient(req, form);
      const grantType = form.get('grant_type');
      if (grantType === 'authorization_code') return this.redeemCode(form, clientId, tenant);
      if (grantType === 'refresh_token') return this.redeemRefreshToken(form, clientId, tenant);
      throw tokenError(400, 'unsupported_grant_type', 70003, `AADSTS70003: The app requested an unsupported grant type '${grantType ?? ''}'.`);
    } catch (error) {
      if (!isTokenError(error)) throw error;
      const now = new Date(this.ctx.now()).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
      return json(error.status, {
        error: error.error,
        error_description: `${error.description}\r\nTrace ID: ${randomUUIDLike()}\r\nCorrelation ID: ${randomUUIDLike()}\r\nTimestamp: ${now}`,
        error_codes: [error.code],
        timestamp: now,
        trace_id: randomUUIDLike(),
        correlation_id: randomUUIDLike(),
        error_uri: `${this.origin}/error?code=${error.code}`,
      });
    }
  }

  private authenticateClient(req: SandboxRequest, form: URLSearchParams): string {
    const app = this.ctx.app.microsoft;
    const basic = basicAuth(req.headers);
    const clientId = basic?.[0] ?? form.get('client_id') ?? '';
    const secret = basic?.[1] ?? form.get('client_secret');
    if (clientId !== app.clientId) {
      throw tokenError(400, 'unauthorized_client', 700016, `AADSTS700016: Application with identifier '${clientId}' was not found in the directory.`);
    }
    if (!secret) {
      throw tokenError(401, 'invalid_client', 7000218, "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    }
    if (secret !== app.clientSecret) {
      throw tokenError(401, 'invalid_client', 7000215, `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`);
    }
    return clientId;
  }

  private redeemCode(form: URLSearchParams, clientId: string, tenant: string): SandboxResponse {
    const code = form.get('code') ?? '';
    const grant = this.state().authorizationCodes[code];
    if (!grant) throw tokenError(400, 'invalid_grant', 9002313, 'AADSTS9002313: Invalid request. Request is malformed or invalid.');
    if (grant.redeemed) {
      throw tokenError(400, 'invalid_grant', 54005, 'AADSTS54005: OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.');
    }
    if (grant.expiresAt <= this.ctx.now()) {
      throw tokenError(400, 'invalid_grant', 70008, 'AADSTS70008: The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.');
    }
    if (grant.clientId !== clientId) throw tokenError(400, 'invalid_grant', 70000, 'AADSTS70000: Provided grant is invalid or malformed.');
    if (form.get('redirect_uri') !== grant.redirectUri) {
      throw tokenError(400, 'invalid_grant', 50011, `AADSTS50011: The redirect URI '${form.get('redirect_uri') ?? ''}' specified in the request does not match the redirect URI used in the authorization request.`);
    }
    if (grant.codeChallenge) {
      const verifier = form.get('code_verifier');
      if (!verifier) throw tokenError(400, 'invalid_request', 50148, 'AADSTS50148: The code_verifier does not match the code_challenge supplied in the authorization request for PKCE.');
      const computed = grant.codeChallengeMethod === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
      if (computed !== grant.codeChallenge) {
        throw tokenError(400, 'invalid_grant', 501481, 'AADSTS501481: The Code_Verifier does not match the code_challenge supplied in the authorization request.');
      }
    }
    grant.redeemed = true;
    return this.issueTokens(grant.accountEmail, clientId, grant.scope, tenant, grant.nonce);
  }

  private redeemRefreshToken(form: URLSearchParams, clientId: string, tenant: string): SandboxResponse {
    const token = form.get('refresh_token') ?? '';
    const grant = this.state().refreshTokens[token];
    if (!grant) throw tokenError(400, 'invalid_grant', 9002313, 'AADSTS9002313: Invalid request. Request is malformed or invalid.');
    if (grant.status === 'revoked') {
      throw tokenError(400, 'invalid_grant', 50173, 'AADSTS50173: The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.');
    }
    if (grant.expiresAt <= this.ctx.now()) {
      throw tokenError(400, 'invalid_grant', 70008, 'AADSTS70008: The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.');
    }
    if (grant.clientId !== clientId) throw tokenError(400, 'invalid_grant', 70000, 'AADSTS70000: Provided grant is invalid or malformed.');
    // A new refresh token comes back, but the old one stays valid: "The Microsoft identity platform doesn't
    // revoke old refresh tokens when used to fetch new access tokens" (refresh-tokens doc). Only its own
    // lifetime, a revocation or a password change ends it.
    return this.issueTokens(grant.accountEmail, clientId, grant.scope, tenant);
  }

  private issueTokens(email: string, clientId: string, scope: string, tenant: string, nonce?: string): SandboxResponse {
    const state = this.state();
    const now = this.ctx.now();
    const ttl = state.config.accessTokenTtlSeconds;
    const scopes = splitScopes(scope);
    const accessToken = `EwB${randomToken(96)}`;
    state.accessTokens[accessToken] = { accountEmail: email, clientId, scope, expiresAt: now + ttl * 1000 };
    this.pruneExpiredGrants(now);
    const body: Record<string, unknown> = {
      token_type: 'Bearer',
      scope: scopes.filter((s) => s !== 'offline_access').join(' '),
      expires_in: ttl,
      ext_expires_in: ttl,
      access_token: accessToken,
    };
    if (scopes.includes('offline_access')) {
      const refreshToken = `M.C5${randomToken(120)}`;
      state.refreshTokens[refreshToken] = { accountEmail: email, clientId, scope, expiresAt: now + state.config.refreshTokenTtlSeconds * 1000, status: 'active' };
      body.refresh_token = refreshToken;
    }
    if (scopes.includes('openid')) body.id_token = this.idToken(state.accounts[email], clientId, tenant, nonce);
    return json(200, body, { 'cache-control': 'no-store', pragma: 'no-cache' });
  }

  idToken(account: MicrosoftAccount, clientId: string, tenant: string, nonce?: string): string {
    const now = Math.floor(this.ctx.now() / 1000);
    const claims: Record<string, unknown> = {
      ver: '2.0',
      iss: this.issuer(tenant),
      sub: createHash('sha256').update(`${account.id}:${clientId}`).digest('base64url').slice(0, 43),
      aud: clientId,
      exp: now + 3600,
      iat: now,
      nbf: now,
      name: account.displayName,
      preferred_username: account.email,
      oid: account.id,
      email: account.email,
      tid: CONSUMER_TENANT_ID,
      ...(nonce ? { nonce } : {}),
      aio: randomToken(24),
    };
    const { kid, privateJwk } = this.state().signingKey;
    const header = { typ: 'JWT', alg: 'RS256', kid };
    const signingInput = `${b64url(header)}.${b64url(claims)}`;
    const key = createPrivateKey({ key: privateJwk as import('node:crypto').JsonWebKey, format: 'jwk' });
    const signature = createSign('RSA-SHA256').update(signingInput).sign(key).toString('base64url');
    return `${signingInput}.${signature}`;
  }

  private userinfo(req: SandboxRequest): SandboxResponse {
    const grant = this.state().accessTokens[bearer(req.headers) ?? ''];
    if (!grant || grant.expiresAt <= this.ctx.now()) {
      return json(401, { error: { code: 'InvalidAuthenticationToken', message: 'Access token validation failure.' } });
    }
    const account = this.state().accounts[grant.accountEmail];
    return json(200, {
      sub: createHash('sha256').update(`${account.id}:${grant.clientId}`).digest('base64url').slice(0, 43),
      name: account.displayName,
      family_name: account.surname,
      given_name: account.givenName,
      email: account.email,
    });
  }

  private pruneExpiredGrants(now: number): void {
    const state = this.state();
    for (const [token, grant] of Object.entries(state.accessTokens)) if (grant.expiresAt !== 0 && grant.expiresAt < now - 86_400_000) delete state.accessTokens[token];
    for (const [code, grant] of Object.entries(state.authorizationCodes)) if (grant.expiresAt < now - 86_400_000) delete state.authorizationCodes[code];
  }
}

function splitScopes(scope: string): string[] {
  return scope.split(/\s+/).filter(Boolean).map((s) => s.replace(/^https:\/\/graph\.microsoft\.com\//i, ''));
}

export function hasScope(grant: AccessTokenGrant, ...anyOf: string[]): boolean {
  const granted = splitScopes(grant.scope).map((s) => s.toLowerCase());
  return anyOf.some((s) => granted.includes(s.toLowerCase()));
}

function tokenError(status: number, error: string, code: number, description: string): TokenError & { tokenError: true } {
  return { status, error, code, description, tokenError: true };
}
function isTokenError(value: unknown): value is TokenError {
  return typeof value === 'object' && value !== null && 'tokenError' in value;
}
function randomToken(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}
function randomUUIDLike(): string {
  const hex = randomBytes(16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} | Microsoft account (sandbox)</title>
<style>body{font-family:"Segoe UI",system-ui,sans-serif;background:#f2f2f2;margin:0;color:#1b1b1b}
main{background:#fff;max-width:440px;margin:48px auto;padding:44px;box-shadow:0 2px 6px rgba(0,0,0,.2)}
.logo{display:grid;grid-template-columns:10px 10px;gap:2px;margin-bottom:16px}.logo i{width:10px;height:10px;display:block}
h1{font-size:24px;font-weight:600;margin:0 0 12px}h2{font-size:15px;margin:20px 0 8px}
.account{display:flex;gap:12px;align-items:center;padding:10px;border:1px solid #ddd;margin:6px 0;cursor:pointer}
.avatar{width:36px;height:36px;border-radius:50%;background:#0067b8;color:#fff;display:grid;place-items:center;font-weight:600}
ul{padding-left:20px}.fine{font-size:12px;color:#555}.buttons{display:flex;gap:8px;justify-content:flex-end;margin-top:20px}
button{padding:8px 24px;border:0;background:#0067b8;color:#fff;font-size:15px;cursor:pointer}button.secondary{background:#ccc;color:#000}</style></head>
<body><main><div class="logo"><i style="background:#f25022"></i><i style="background:#7fba00"></i><i style="background:#00a4ef"></i><i style="background:#ffb900"></i></div>
<h1>${escapeHtml(title)}</h1>${body}<p class="fine">Microsoft identity platform — Synclane sandbox emulator</p></main></body></html>`;
}
