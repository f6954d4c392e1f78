/**
 * Drives the sandbox's consent screens without a browser (tests and benchmarks): authorization codes for
 * the CRMs, and linked Google / Microsoft accounts saved exactly like the Auth.js callback saves them.
 * The browser path (Auth.js itself) is covered by the e2e tests.
 */
import type { Sandbox } from '@/sandbox/server';
import { saveLinkedAccount } from '@/lib/auth/provider-linking';
import type { Tenant } from '@/lib/tenant';

export async function pipedriveAuthorizationCode(sandbox: Sandbox, userId: number): Promise<string> {
  const reg = sandbox.ctx.app.pipedrive;
  const res = await fetch(`${sandbox.url}/pipedrive/oauth/authorize/decision`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `pd_user=${userId}` },
    body: new URLSearchParams({ client_id: reg.clientId, redirect_uri: reg.callbackUrl, state: 'x', user_id: String(userId), decision: 'allow' }),
  });
  return new URL(res.headers.get('location')!).searchParams.get('code')!;
}

export async function teamleaderAuthorizationCode(sandbox: Sandbox, userId: string): Promise<string> {
  const reg = sandbox.ctx.app.teamleader;
  const res = await fetch(`${sandbox.url}/teamleader/oauth2/authorize`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `tl_sandbox_user=${userId}` },
    body: new URLSearchParams({ client_id: reg.clientId, redirect_uri: reg.redirectUri, state: 'x', response_type: 'code', decision: 'allow' }),
  });
  return new URL(res.headers.get('location')!).searchParams.get('code')!;
}

export async function providerTokens(sandbox: Sandbox, provider: 'google' | 'microsoft', email: string) {
  const reg = sandbox.ctx.app[provider];
  const authorize = provider === 'google' ? `${sandbox.url}/google/o/oauth2/v2/auth` : `${sandbox.url}/microsoft/common/oauth2/v2.0/authorize`;
  const token = provider === 'google' ? `${sandbox.url}/google/token` : `${sandbox.url}/microsoft/common/oauth2/v2.0/token`;
  const scope = provider === 'google' ? 'openid email profile https://www.googleapis.com/auth/contacts' : 'openid profile email offline_access Contacts.ReadWrite';
  const params = new URLSearchParams({ client_id: reg.clientId, redirect_uri: reg.redirectUris[0]!, response_type: 'code', scope, state: 's', access_type: 'offline', prompt: 'consent', login_hint: email });
  const html = await (await fetch(`${authorize}?${params}`)).text();
  const request = /name="request" value="([^"]*)"/.exec(html)?.[1];
  const form = new URLSearchParams(params);
  form.set('account', email);
  form.set('decision', 'allow');
  if (request) form.set('request', request.replace(/&amp;/g, '&').replace(/&quot;/g, '"'));
  const res = await fetch(authorize, { method: 'POST', body: form, redirect: 'manual' });
  const code = new URL(res.headers.get('location')!).searchParams.get('code');
  if (!code) throw new Error(`no code from ${provider} consent: ${res.status} ${res.headers.get('location')}`);
  const tok = await fetch(token, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: reg.redirectUris[0]!, client_id: reg.clientId, client_secret: reg.clientSecret }),
  });
  const body = (await tok.json()) as { access_token: string; refresh_token?: string; expires_in: number; id_token?: string; scope?: string };
  if (!tok.ok) throw new Error(`token exchange failed: ${JSON.stringify(body)}`);
  const claims = JSON.parse(Buffer.from(body.id_token!.split('.')[1]!, 'base64url').toString('utf8')) as { sub: string; name?: string };
  return { ...body, sub: claims.sub, name: claims.name };
}

/** Links a demo provider account to the tenant's CRM user; returns the provider account id. */
export async function linkProviderAccount(sandbox: Sandbox, provider: 'google' | 'microsoft', tenant: Tenant, email: string): Promise<string> {
  const t = await providerTokens(sandbox, provider, email);
  const r = await saveLinkedAccount(
    { installationId: tenant.installationId, crmUserId: tenant.crmUserId, provider, email },
    { providerAccountId: t.sub, access_token: t.access_token, refresh_token: t.refresh_token, expires_at: Math.floor(Date.now() / 1000) + t.expires_in, scope: t.scope },
    { email, name: t.name ?? null },
  );
  if (r.status !== 'linked') throw new Error('link failed');
  return r.accountId;
}
