/**
 * Test harness: the Dropbox emulator on its own tiny HTTP server (same request shape as
 * sandbox/server.ts), the browser part of the OAuth flow done with fetch, and the official `dropbox`
 * SDK redirected the way the app redirects it: a custom `fetch` that swaps the Dropbox hosts for the
 * emulator's path prefixes.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Dropbox, DropboxAuth } from 'dropbox';
import { BadBody, json, readBody, send } from '../lib/http';
import { defaultRegistration, type SandboxContext } from '../lib/types';
import { createDropboxEmulator, type DropboxEmulator } from './index';

export type TestSandbox = {
  url: string;
  ctx: SandboxContext;
  dropbox: DropboxEmulator;
  advanceClock(ms: number): void;
  close(): Promise<void>;
};

export async function startDropboxSandbox(appUrl = 'http://localhost:3000'): Promise<TestSandbox> {
  // Long keep-alive: a 150 MiB upload can stall the event loop past the default 5 s, and a client
  // reusing a socket the server just closed sees ECONNRESET.
  const server: Server = createServer({ keepAliveTimeout: 65_000 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let offset = 0;
  const ctx: SandboxContext = { baseUrl: url, app: defaultRegistration(appUrl), now: () => Date.now() + offset };
  const dropbox = createDropboxEmulator(ctx);
  server.on('request', async (raw, res) => {
    try {
      const requestUrl = new URL(raw.url ?? '/', url);
      const body = await readBody(raw);
      const p = requestUrl.pathname;
      const result = p === '/dropbox' || p.startsWith('/dropbox/')
        ? await dropbox.handle({ method: raw.method ?? 'GET', url: requestUrl, headers: raw.headers, body, raw, path: p.slice('/dropbox'.length) || '/' })
        : null;
      send(res, result ?? json(404, { error: 'not_found' }));
    } catch (error) {
      send(res, json(error instanceof BadBody ? 400 : 500, { error: (error as Error).message }));
    }
  });
  return {
    url,
    ctx,
    dropbox,
    advanceClock: (ms) => void (offset += ms),
    close: async () => {
      dropbox.reset();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** What the app's configuration does: real Dropbox hosts → the emulator's prefixes. */
export function emulatorFetch(sandbox: Pick<TestSandbox, 'url'>, log?: string[]): typeof fetch {
  return ((input: string | URL | Request, init?: RequestInit) => {
    const original = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const rewritten = original
      .replace(/^https:\/\/api\.dropboxapi\.com\//, `${sandbox.url}/dropbox/api/`)
      .replace(/^https:\/\/content\.dropboxapi\.com\//, `${sandbox.url}/dropbox/content/`)
      .replace(/^https:\/\/notify\.dropboxapi\.com\//, `${sandbox.url}/dropbox/notify/`);
    log?.push(`${init?.method ?? 'GET'} ${rewritten.slice(sandbox.url.length)}`);
    return fetch(rewritten, init);
  }) as typeof fetch;
}

export function sdk(sandbox: TestSandbox, options: { accessToken?: string; refreshToken?: string; withSecret?: boolean; log?: string[] }): Dropbox {
  const app = sandbox.ctx.app.dropbox;
  return new Dropbox({
    accessToken: options.accessToken,
    refreshToken: options.refreshToken,
    clientId: app.appKey,
    clientSecret: options.withSecret === false ? undefined : app.appSecret,
    fetch: emulatorFetch(sandbox, options.log),
  });
}

/** The browser half of authorize: the consent page, then Allow/Cancel for the chosen account. */
export async function consent(sandbox: TestSandbox, authorizeUrl: string, email: string, decision: 'allow' | 'deny' = 'allow'): Promise<{ location: URL; pageHtml: string }> {
  const url = new URL(authorizeUrl);
  const local = `${sandbox.url}/dropbox/oauth2/authorize${url.search}`;
  const pageHtml = await (await fetch(local)).text();
  const request = /name="request" value="([^"]*)"/.exec(pageHtml)?.[1]?.replace(/&amp;/g, '&');
  if (request === undefined) throw new Error(`No consent form: ${pageHtml.slice(0, 300)}`);
  const account = sandbox.dropbox.account(email);
  const submit = await fetch(`${sandbox.url}/dropbox/oauth2/authorize`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ request, account: account.accountId, decision }),
  });
  return { location: new URL(submit.headers.get('location')!), pageHtml };
}

/** Full PKCE + offline flow through the SDK's DropboxAuth; returns the token response. */
export async function linkAccount(sandbox: TestSandbox, email: string): Promise<{ access_token: string; refresh_token: string; account_id: string; expires_in: number; scope: string; uid: string }> {
  const app = sandbox.ctx.app.dropbox;
  const auth = new DropboxAuth({ clientId: app.appKey, fetch: emulatorFetch(sandbox) });
  const redirectUri = app.redirectUris[0];
  const authorizeUrl = String(await auth.getAuthenticationUrl(redirectUri, 'state-123', 'code', 'offline', undefined, 'none', true));
  const { location } = await consent(sandbox, authorizeUrl, email);
  const response = await auth.getAccessTokenFromCode(redirectUri, location.searchParams.get('code')!);
  return response.result as never;
}
