/**
 * oauth.pipedrive.com: consent page, token endpoint (authorization_code, refresh_token) and RFC 7009
 * revocation (reference §1.1). Errors are RFC 6749 shaped with Pipedrive's verbatim descriptions.
 */
import { basicAuth, escapeHtml as e, html, json, readForm, redirect, type Router, type SandboxRequest } from '../lib/http';
import type { EmulatorDeps } from './emulator-deps';
import { renderLayout } from './host-layout';
import { currentTheme, currentUser } from './host-session';
import { GRANTED_SCOPE } from './installations';

const SCOPE_LABELS: Record<string, string> = {
  base: 'Access your basic user and company information',
  'contacts:full': 'Read, create, edit and delete people and organizations, their fields and files',
  'users:read': 'See the users of your company and their permissions',
  admin: 'Manage company settings: custom fields and webhooks (admin users only)',
};

function oauthError(status: number, error: string, description: string) {
  return json(status, { error, error_description: description });
}

export function registerOAuthRoutes(router: Router, deps: EmulatorDeps): void {
  const { ctx, store, installs, base } = deps;
  const registered = () => ctx.app.pipedrive;

  const consentError = (req: SandboxRequest, message: string) => {
    const user = currentUser(store, req);
    return html(400, renderLayout({ base, title: 'Authorization failed', user, users: store.usersOf(user.companyId), company: store.company(user.companyId), theme: currentTheme(req), returnTo: `${base}/settings/marketplace`, body: `<div class="card"><h2>Authorization failed</h2><p class="banner error">${e(message)}</p></div>` }));
  };

  router.get('/oauth/authorize', (req) => {
    const q = req.url.searchParams;
    const clientId = q.get('client_id');
    const redirectUri = q.get('redirect_uri') ?? registered().callbackUrl;
    if (!clientId || clientId !== registered().clientId) return consentError(req, 'Invalid client: client is invalid');
    if (!isUrl(redirectUri)) return consentError(req, 'Invalid request: redirect_uri is not a valid URI');
    if (redirectUri !== registered().callbackUrl) return consentError(req, 'Invalid request: redirect_uri is invalid');
    const user = currentUser(store, req);
    const company = store.company(user.companyId);
    const scopes = GRANTED_SCOPE.split(',').map((s) => `<li><strong>${e(s)}</strong> – ${e(SCOPE_LABELS[s] ?? s)}</li>`).join('');
    const hidden = `<input type="hidden" name="client_id" value="${e(clientId)}"><input type="hidden" name="redirect_uri" value="${e(redirectUri)}"><input type="hidden" name="state" value="${e(q.get('state') ?? '')}"><input type="hidden" name="user_id" value="${user.id}">`;
    const body = `<div class="card" style="max-width:560px;margin:20px auto">
<h2>Synclane wants to access your Pipedrive account</h2>
<p>Signed in as <strong>${e(user.name)}</strong> (${e(user.email)}) in <strong>${e(company.name)}</strong>.</p>
<p>Synclane will be able to:</p><ul>${scopes}</ul>
<p class="muted">Synclane syncs contacts with Google and Outlook and files with Dropbox.</p>
<div class="row" style="max-width:260px">
<form method="post" action="${base}/oauth/authorize/decision">${hidden}<input type="hidden" name="decision" value="allow"><button type="submit">Allow</button></form>
<form method="post" action="${base}/oauth/authorize/decision">${hidden}<input type="hidden" name="decision" value="deny"><button type="submit" class="secondary">Deny</button></form>
</div></div>`;
    return html(200, renderLayout({ base, title: 'Install Synclane', active: 'marketplace', user, users: store.usersOf(user.companyId), company, theme: currentTheme(req), returnTo: `${req.url.pathname}${req.url.search}`, body }));
  });

  router.post('/oauth/authorize/decision', (req) => {
    const form = readForm(req);
    const clientId = form.get('client_id') ?? '';
    const redirectUri = form.get('redirect_uri') ?? '';
    const state = form.get('state') ?? '';
    if (clientId !== registered().clientId) return consentError(req, 'Invalid client: client is invalid');
    if (redirectUri !== registered().callbackUrl) return consentError(req, 'Invalid request: redirect_uri is invalid');
    // The consent was shown for a specific user; switching users in another tab must not change who installs.
    const user = store.user(Number(form.get('user_id'))) ?? currentUser(store, req);
    const target = new URL(redirectUri);
    if (form.get('decision') === 'allow') {
      target.searchParams.set('code', installs.approve(user.companyId, user.id, clientId, redirectUri));
    } else {
      target.searchParams.set('error', 'user_denied');
    }
    target.searchParams.set('state', state);
    return redirect(target.toString());
  });

  router.post('/oauth/token', (req) => {
    const contentType = String(req.headers['content-type'] ?? '');
    if (!contentType.startsWith('application/x-www-form-urlencoded')) {
      return oauthError(400, 'invalid_request', 'Invalid request: content must be application/x-www-form-urlencoded');
    }
    const form = readForm(req);
    const credentials = basicAuth(req.headers) ?? (form.get('client_id') ? [form.get('client_id')!, form.get('client_secret') ?? ''] : null);
    if (!credentials) return oauthError(400, 'invalid_client', 'Invalid client: cannot retrieve client credentials');
    const [clientId, clientSecret] = credentials;
    if (clientId !== registered().clientId || clientSecret !== registered().clientSecret) {
      return oauthError(400, 'invalid_client', 'Invalid client: client is invalid');
    }
    const grantType = form.get('grant_type');
    if (!grantType) return oauthError(400, 'invalid_request', 'Missing parameter: grant_type');
    let result;
    if (grantType === 'authorization_code') {
      const redirectUri = form.get('redirect_uri');
      if (redirectUri !== null && !isUrl(redirectUri)) return oauthError(400, 'invalid_request', 'Invalid request: redirect_uri is not a valid URI');
      result = installs.exchangeCode(clientId, form.get('code') ?? '', redirectUri);
    } else if (grantType === 'refresh_token') {
      result = installs.refresh(clientId, form.get('refresh_token') ?? '');
    } else if (grantType === 'exchange_api_token') {
      return oauthError(400, 'invalid_grant', 'Invalid grant: api_token is invalid');
    } else {
      return oauthError(400, 'unsupported_grant_type', 'Unsupported grant type: grant_type is invalid');
    }
    if ('error' in result) return oauthError(400, result.error, result.description);
    return json(200, result, { 'cache-control': 'no-store' });
  });

  router.post('/oauth/revoke', (req) => {
    const form = readForm(req);
    const credentials = basicAuth(req.headers) ?? (form.get('client_id') ? [form.get('client_id')!, form.get('client_secret') ?? ''] : null);
    if (!credentials) return oauthError(400, 'invalid_client', 'Invalid client: cannot retrieve client credentials');
    if (credentials[0] !== registered().clientId || credentials[1] !== registered().clientSecret) {
      return oauthError(400, 'invalid_client', 'Invalid client: client is invalid');
    }
    const token = form.get('token');
    if (!token) return oauthError(400, 'invalid_request', 'Missing parameter: token');
    installs.revoke(credentials[0], token, form.get('token_type_hint'));
    return json(200, {});
  });
}

function isUrl(value: string): boolean {
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}
