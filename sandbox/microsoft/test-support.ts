/**
 * Test harness: the Microsoft emulator on its own tiny HTTP server (same request shape as
 * sandbox/server.ts), the browser part of the OAuth flow done with fetch, and a Graph client built the
 * way the app builds it: Client.initWithMiddleware(auth → RetryHandler → HTTPMessageHandler).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  Client,
  HTTPMessageHandler,
  RetryHandler,
  RetryHandlerOptions,
  type Context,
  type Middleware,
} from '@microsoft/microsoft-graph-client';
import { BadBody, json, readBody, send } from '../lib/http';
import { defaultRegistration, type SandboxContext } from '../lib/types';
import { createMicrosoftEmulator, type MicrosoftEmulator } from './index';

export type TestSandbox = {
  url: string;
  ctx: SandboxContext;
  microsoft: MicrosoftEmulator;
  advanceClock(ms: number): void;
  close(): Promise<void>;
};

export async function startMicrosoftSandbox(): Promise<TestSandbox> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let offset = 0;
  const ctx: SandboxContext = { baseUrl: url, app: defaultRegistration('http://localhost:3000'), now: () => Date.now() + offset };
  const microsoft = createMicrosoftEmulator(ctx);
  server.on('request', async (raw, res) => {
    try {
      const requestUrl = new URL(raw.url ?? '/', url);
      const body = await readBody(raw);
      const p = requestUrl.pathname;
      const result = p === '/microsoft' || p.startsWith('/microsoft/')
        ? await microsoft.handle({ method: raw.method ?? 'GET', url: requestUrl, headers: raw.headers, body, raw, path: p.slice('/microsoft'.length) || '/' })
        : null;
      send(res, result ?? json(404, { error: 'not_found' }));
    } catch (error) {
      send(res, json(error instanceof BadBody ? 400 : 500, { error: (error as Error).message }));
    }
  });
  return {
    url,
    ctx,
    microsoft,
    advanceClock: (ms) => void (offset += ms),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type TokenResponse = {
  token_type: string;
  scope: string;
  expires_in: number;
  ext_expires_in: number;
  access_token: string;
  refresh_token?: string;
  id_token?: string;
};

export const APP_SCOPES = 'openid profile email offline_access User.Read Contacts.ReadWrite';

/** Runs authorize (account picker + Allow) and the code exchange with PKCE S256. */
export async function signIn(
  sandbox: TestSandbox,
  email: string,
  options: { scope?: string; tenant?: string; nonce?: string; verifierOverride?: string } = {},
): Promise<{ response: Response; tokens: TokenResponse; state: string }> {
  const { code, state, verifier } = await authorize(sandbox, email, 'allow', options);
  const tenant = options.tenant ?? 'common';
  const app = sandbox.ctx.app.microsoft;
  const response = await fetch(`${sandbox.url}/microsoft/${tenant}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: code!, redirect_uri: app.redirectUris[0], code_verifier: options.verifierOverride ?? verifier }),
  });
  return { response, tokens: (await response.clone().json()) as TokenResponse, state };
}

export async function authorize(
  sandbox: TestSandbox,
  email: string,
  decision: 'allow' | 'deny',
  options: { scope?: string; tenant?: string; nonce?: string } = {},
): Promise<{ location: URL; code: string | null; state: string; verifier: string; pageHtml: string }> {
  const tenant = options.tenant ?? 'common';
  const app = sandbox.ctx.app.microsoft;
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(8).toString('hex');
  const query = new URLSearchParams({
    client_id: app.clientId,
    response_type: 'code',
    redirect_uri: app.redirectUris[0],
    response_mode: 'query',
    scope: options.scope ?? APP_SCOPES,
    state,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    login_hint: email,
    ...(options.nonce ? { nonce: options.nonce } : {}),
  });
  const authorizeUrl = `${sandbox.url}/microsoft/${tenant}/oauth2/v2.0/authorize?${query}`;
  const pageHtml = await (await fetch(authorizeUrl)).text();
  const request = /name="request" value="([^"]*)"/.exec(pageHtml)![1].replace(/&amp;/g, '&');
  const submit = await fetch(`${sandbox.url}/microsoft/${tenant}/oauth2/v2.0/authorize`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ request, account: email, decision }),
  });
  const location = new URL(submit.headers.get('location')!);
  return { location, code: location.searchParams.get('code'), state, verifier, pageHtml };
}

export async function refresh(sandbox: TestSandbox, refreshToken: string): Promise<Response> {
  const app = sandbox.ctx.app.microsoft;
  return fetch(`${sandbox.url}/microsoft/common/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: app.clientId, client_secret: app.clientSecret, scope: APP_SCOPES }),
  });
}

/** The app's auth middleware: attaches the bearer token to every request, whatever the host. */
export class BearerTokenMiddleware implements Middleware {
  private next!: Middleware;
  constructor(private readonly getToken: () => Promise<string> | string) {}
  async execute(context: Context): Promise<void> {
    const token = await this.getToken();
    context.options = context.options ?? {};
    const headers = context.options.headers;
    if (headers instanceof Headers) headers.set('Authorization', `Bearer ${token}`);
    else context.options.headers = { ...(headers as Record<string, string> | undefined), Authorization: `Bearer ${token}` };
    return this.next.execute(context);
  }
  setNext(next: Middleware): void {
    this.next = next;
  }
}

export function graphClient(sandbox: TestSandbox, getToken: () => Promise<string> | string, retry = new RetryHandlerOptions(0, 0)): Client {
  return Client.initWithMiddleware({
    baseUrl: `${sandbox.url}/microsoft/graph`,
    middleware: [new BearerTokenMiddleware(getToken), new RetryHandler(retry), new HTTPMessageHandler()],
  });
}

/** What the app does with an absolute nextLink/deltaLink: drop origin and everything up to `/v1.0`. */
export function toApiPath(link: string): string {
  const url = new URL(link);
  return `${url.pathname.replace(/^.*?\/v1\.0(?=\/)/, '')}${url.search}`;
}
