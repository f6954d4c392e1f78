/**
 * Test harness: a tiny HTTP server that routes /google/* (prefix stripped) and /v1/* (unchanged) to
 * the Google emulator, like sandbox/server.ts does, with a movable clock. Plus helpers that walk the
 * consent page and build the official clients (google-auth-library, @googleapis/people).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { people } from '@googleapis/people';
import { CodeChallengeMethod, OAuth2Client } from 'google-auth-library';
import { BadBody, json, readBody, send } from '../lib/http';
import { defaultRegistration, type SandboxContext } from '../lib/types';
import { createGoogleEmulator, type GoogleEmulator } from './index';

export const APP_URL = 'http://localhost:3000';
export const REDIRECT_URI = `${APP_URL}/api/auth/callback/google`;
export const SCOPES = ['openid', 'email', 'profile', 'https://www.googleapis.com/auth/contacts'];

export type Harness = {
  url: string;
  ctx: SandboxContext;
  google: GoogleEmulator;
  advanceClock(ms: number): void;
  close(): Promise<void>;
};

export async function startHarness(): Promise<Harness> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let offset = 0;
  const ctx: SandboxContext = { baseUrl: url, app: defaultRegistration(APP_URL), now: () => Date.now() + offset };
  const google = createGoogleEmulator(ctx);
  server.on('request', async (raw, res) => {
    try {
      const parsed = new URL(raw.url ?? '/', url);
      const base = { method: (raw.method ?? 'GET').toUpperCase(), url: parsed, headers: raw.headers, body: await readBody(raw), raw };
      const p = parsed.pathname;
      const result = p.startsWith('/v1/')
        ? await google.handle({ ...base, path: p })
        : p === '/google' || p.startsWith('/google/')
          ? await google.handle({ ...base, path: p.slice('/google'.length) || '/' })
          : null;
      send(res, result ?? json(404, { error: 'not_found' }));
    } catch (error) {
      send(res, json(error instanceof BadBody ? 400 : 500, { error: (error as Error).message }));
    }
  });
  return {
    url,
    ctx,
    google,
    advanceClock: (ms) => void (offset += ms),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export function oauthClient(h: Harness): OAuth2Client {
  const { clientId, clientSecret } = h.ctx.app.google;
  return new OAuth2Client({
    clientId,
    clientSecret,
    redirectUri: REDIRECT_URI,
    issuers: [`${h.url}/google`],
    endpoints: {
      oauth2AuthBaseUrl: `${h.url}/google/o/oauth2/v2/auth`,
      oauth2TokenUrl: `${h.url}/google/token`,
      oauth2RevokeUrl: `${h.url}/google/revoke`,
      tokenInfoUrl: `${h.url}/google/tokeninfo`,
      oauth2FederatedSignonPemCertsUrl: `${h.url}/google/oauth2/v1/certs`,
    },
  });
}

/** Opens the consent page (asserting it renders) and presses Allow or Deny for `email`. */
export async function consent(authorizeUrl: string, email: string, decision: 'allow' | 'deny' = 'allow'): Promise<URL> {
  const page = await fetch(authorizeUrl, { redirect: 'manual' });
  if (page.status !== 200) throw new Error(`consent page answered ${page.status}: ${await page.text()}`);
  const pageHtml = await page.text();
  if (!pageHtml.includes('Allow') || !pageHtml.includes(email)) throw new Error('consent page does not list the account');
  const form = new URLSearchParams(new URL(authorizeUrl).searchParams);
  form.set('account', email);
  form.set('decision', decision);
  const action = authorizeUrl.split('?')[0];
  const res = await fetch(action, { method: 'POST', body: form, redirect: 'manual' });
  if (res.status !== 302) throw new Error(`consent POST answered ${res.status}: ${await res.text()}`);
  return new URL(res.headers.get('location')!);
}

/** Full authorization-code + PKCE flow through google-auth-library; returns a client with credentials. */
export async function signIn(h: Harness, email: string, options: { offline?: boolean; scope?: string[] } = {}) {
  const client = oauthClient(h);
  const { codeVerifier, codeChallenge } = await client.generateCodeVerifierAsync();
  const authorizeUrl = client.generateAuthUrl({
    access_type: options.offline === false ? 'online' : 'offline',
    prompt: 'consent',
    scope: options.scope ?? SCOPES,
    login_hint: email,
    state: 'state-123',
    code_challenge: codeChallenge,
    code_challenge_method: CodeChallengeMethod.S256,
  });
  const callback = await consent(authorizeUrl, email);
  const code = callback.searchParams.get('code')!;
  const { tokens } = await client.getToken({ code, codeVerifier });
  client.setCredentials(tokens);
  return { client, tokens, callback };
}

export function peopleClient(h: Harness, auth: OAuth2Client) {
  return people({ version: 'v1', auth, rootUrl: `${h.url}/` });
}

/** Gaxios error → { status, body } for assertions. */
export async function failure(promise: Promise<unknown>): Promise<{ status: number; data: any }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { status?: number; response?: { status: number; data: unknown } };
    return { status: e.response?.status ?? e.status ?? 0, data: e.response?.data };
  }
  throw new Error('expected the call to fail');
}
