/**
 * S2 and S7 (docs/SECURITY.md): the OAuth install `state` is single use and bound to the browser that
 * started the install; a failed install shows a code, never internals. Through the real routes, the
 * sandbox CRMs' consent and a real Postgres.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NextRequest } from 'next/server';
import { createTestApp, BRUGGE, NORTHWIND, type TestApp } from '../support/harness';
import { pipedriveAuthorizationCode, teamleaderAuthorizationCode } from '../support/sandbox-oauth';
import { INSTALL_NONCE_COOKIE } from '@/lib/install-flow';
import { TEAMLEADER_SESSION_COOKIE } from '@/lib/tenant';
import { PUBLIC_LIMITS } from '@/lib/api/public-route';
import { GET as pdInstall } from '@/app/api/pipedrive/install/route';
import { GET as pdCallback } from '@/app/api/pipedrive/callback/route';
import { GET as tlInstall } from '@/app/api/teamleader/install/route';
import { GET as tlCallback } from '@/app/api/teamleader/callback/route';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => app?.close());

/** Starts an install like a browser: the state from the redirect, the nonce from the Set-Cookie. */
async function startInstall(route: typeof pdInstall, crm: 'pipedrive' | 'teamleader') {
  const res = await route(new NextRequest(`${app.appUrl}/api/${crm}/install`));
  expect(res.status).toBe(307);
  const state = new URL(res.headers.get('location')!).searchParams.get('state')!;
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith(`${INSTALL_NONCE_COOKIE[crm]}=`))!;
  expect(cookie).toMatch(/HttpOnly/i);
  expect(cookie).toMatch(/SameSite=lax/i);
  return { state, cookie: cookie.split(';')[0]! };
}

const callback = (route: typeof pdCallback, crm: 'pipedrive' | 'teamleader', q: Record<string, string>, cookie?: string) =>
  route(new NextRequest(`${app.appUrl}/api/${crm}/callback?${new URLSearchParams(q)}`, { headers: cookie ? { cookie } : {} }));
const outcome = (res: Response) => {
  const u = new URL(res.headers.get('location')!);
  return { path: u.pathname, outcome: u.searchParams.get('outcome'), code: u.searchParams.get('code'), url: u.toString() };
};

describe('S2 OAuth install state', () => {
  it('S2: a state works once — replaying it with a new code is refused', async () => {
    const { state, cookie } = await startInstall(pdInstall, 'pipedrive');
    const first = await callback(pdCallback, 'pipedrive', { code: await pipedriveAuthorizationCode(app.sandbox, NORTHWIND.admin), state }, cookie);
    expect(first.headers.get('location')).toContain('app-settings');
    const replay = await callback(pdCallback, 'pipedrive', { code: await pipedriveAuthorizationCode(app.sandbox, NORTHWIND.admin), state }, cookie);
    expect(outcome(replay)).toMatchObject({ path: '/install/result', outcome: 'invalid_state', code: 'state_reused' });
  });

  it('S2: login CSRF — the attacker’s code + state opened in the victim’s browser does not sign the victim in', async () => {
    const attacker = await startInstall(tlInstall, 'teamleader');
    const victim = await startInstall(tlInstall, 'teamleader'); // the victim's browser has its own nonce, or none
    const code = await teamleaderAuthorizationCode(app.sandbox, BRUGGE.regular);
    for (const cookie of [victim.cookie, undefined]) {
      const res = await callback(tlCallback, 'teamleader', { code, state: attacker.state }, cookie);
      expect(outcome(res)).toMatchObject({ outcome: 'invalid_state', code: 'state_other_browser' });
      expect(res.headers.getSetCookie().some((c) => c.startsWith(`${TEAMLEADER_SESSION_COOKIE}=`) && !/Max-Age=0/i.test(c))).toBe(false);
    }
    // In the attacker's own browser the same state still works (it was not spent by the refusals).
    const own = await callback(tlCallback, 'teamleader', { code, state: attacker.state }, attacker.cookie);
    expect(new URL(own.headers.get('location')!).pathname).toBe('/teamleader/settings');
    expect(own.headers.getSetCookie().some((c) => c.startsWith(`${TEAMLEADER_SESSION_COOKIE}=`))).toBe(true);
  });

  it('S2: the nonce cookie is cleared by the callback', async () => {
    const { state, cookie } = await startInstall(pdInstall, 'pipedrive');
    const res = await callback(pdCallback, 'pipedrive', { error: 'user_denied', state }, cookie);
    expect(outcome(res).outcome).toBe('denied');
    expect(res.headers.getSetCookie().find((c) => c.startsWith(`${INSTALL_NONCE_COOKIE.pipedrive}=`))).toMatch(/Max-Age=0/i);
  });
});

describe('S7 no internals reflected to users', () => {
  it('S7: a failed install puts a code and a support reference in the URL, never the error text', async () => {
    const { state, cookie } = await startInstall(pdInstall, 'pipedrive');
    const res = await callback(pdCallback, 'pipedrive', { code: 'not-a-real-code', state }, cookie);
    const o = outcome(res);
    expect(o).toMatchObject({ outcome: 'failed', code: 'install_failed' });
    expect(new URL(o.url).searchParams.get('ref')).toMatch(/^[0-9a-f]{10}$/);
    expect(new URL(o.url).searchParams.has('detail')).toBe(false);
    expect(decodeURIComponent(o.url)).not.toMatch(/invalid|grant|token|select|insert|refused/i);
  });
});

describe('S8 install and callbacks are throttled', () => {
  it('S8: a run of forged states on the callback is cut off with 429', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < PUBLIC_LIMITS.install.refusals.limit + 3; i++) {
      const res = await pdCallback(new NextRequest(`${app.appUrl}/api/pipedrive/callback?code=c&state=forged-${i}`, { headers: { 'x-forwarded-for': '192.0.2.50' } }));
      statuses.push(res.status);
    }
    expect(statuses.slice(0, PUBLIC_LIMITS.install.refusals.limit).every((s) => s === 307)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
  });

  it('S8: starting installs is budgeted per client address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < PUBLIC_LIMITS.install.requests.limit + 2; i++) statuses.push((await pdInstall(new NextRequest(`${app.appUrl}/api/pipedrive/install`, { headers: { 'x-forwarded-for': '192.0.2.60' } }))).status);
    expect(statuses.filter((s) => s === 307)).toHaveLength(PUBLIC_LIMITS.install.requests.limit);
    expect(statuses.at(-1)).toBe(429);
  });
});
