/**
 * Test harness: the Dropbox Sign emulator on its own HTTP server (same request shape as
 * sandbox/server.ts, movable clock), a callback receiver that records what arrives, SDK factories
 * configured the way the app configures them (basePath only), and the consent page walked with fetch.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AccountApi, OAuthApi, SignatureRequestApi, TeamApi } from '@dropbox/sign';
import { BadBody, json, readBody, send } from '../lib/http';
import { defaultRegistration, type SandboxContext } from '../lib/types';
import { parseMultipart } from '../lib/multipart';
import { createDropboxSignEmulator, type DropboxSignEmulator } from './index';

export const APP_URL = 'http://localhost:3000';

export type SignHarness = {
  url: string;
  ctx: SandboxContext;
  sign: DropboxSignEmulator;
  apiBase: string;
  oauthBase: string;
  advanceClock(ms: number): void;
  close(): Promise<void>;
};

export async function startSignHarness(): Promise<SignHarness> {
  // The SDK uses the global axios instance, which honours proxy variables (reference §3.7).
  delete process.env.HTTP_PROXY;
  delete process.env.HTTPS_PROXY;
  delete process.env.http_proxy;
  delete process.env.https_proxy;
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let offset = 0;
  const ctx: SandboxContext = { baseUrl: url, app: defaultRegistration(APP_URL), now: () => Date.now() + offset };
  const sign = createDropboxSignEmulator(ctx);
  server.on('request', async (raw, res) => {
    try {
      const requestUrl = new URL(raw.url ?? '/', url);
      const body = await readBody(raw);
      const p = requestUrl.pathname;
      const result = p === '/dropbox-sign' || p.startsWith('/dropbox-sign/')
        ? await sign.handle({ method: (raw.method ?? 'GET').toUpperCase(), url: requestUrl, headers: raw.headers, body, raw, path: p.slice('/dropbox-sign'.length) || '/' })
        : null;
      send(res, result ?? json(404, { error: 'not_found' }));
    } catch (error) {
      send(res, json(error instanceof BadBody ? 400 : 500, { error: (error as Error).message }));
    }
  });
  return {
    url,
    ctx,
    sign,
    apiBase: `${url}/dropbox-sign/v3`,
    oauthBase: `${url}/dropbox-sign`,
    advanceClock: (ms) => void (offset += ms),
    close: async () => {
      sign.callbacks.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

type Auth = { apiKey: string } | { accessToken: string };

function authorize<T extends { username: string; accessToken: string | (() => string) } | object>(api: T, auth: Auth): T {
  const a = api as unknown as { username: string; accessToken: string };
  if ('apiKey' in auth) a.username = auth.apiKey;
  else a.accessToken = auth.accessToken;
  return api;
}

export const signatureApi = (h: SignHarness, auth: Auth) => authorize(new SignatureRequestApi(h.apiBase), auth);
export const accountApi = (h: SignHarness, auth: Auth) => authorize(new AccountApi(h.apiBase), auth);
export const teamApi = (h: SignHarness, auth: Auth) => authorize(new TeamApi(h.apiBase), auth);
export const oauthApi = (h: SignHarness) => new OAuthApi(h.oauthBase);

/** Walks the consent page as `email` and returns the code from the redirect to the app's OAuth callback URL. */
export async function authorizeCode(h: SignHarness, email: string, state = 'state-123', decision: 'allow' | 'deny' = 'allow'): Promise<{ location: URL; pageHtml: string }> {
  const clientId = h.ctx.app.dropboxSign.clientId;
  const pageHtml = await (await fetch(`${h.oauthBase}/oauth/authorize?response_type=code&client_id=${clientId}&state=${state}`)).text();
  const response = await fetch(`${h.oauthBase}/oauth/authorize`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: clientId, state, account: email, decision }),
  });
  return { location: new URL(response.headers.get('location')!), pageHtml };
}

export type ReceivedCallback = { json: string; contentType: string };

/** An HTTP server standing in for a callback receiver; `answer` decides each response. */
export async function startReceiver(answer: (n: number) => { status: number; body: string } = () => ({ status: 200, body: 'Hello API Event Received' })) {
  const received: ReceivedCallback[] = [];
  const server = createServer(async (req: IncomingMessage, res) => {
    const body = await readBody(req);
    const parts = parseMultipart(body, req.headers['content-type']) ?? [];
    received.push({ json: parts.find((p) => p.name === 'json')?.data.toString('utf8') ?? '', contentType: String(req.headers['content-type'] ?? '') });
    const a = answer(received.length);
    res.statusCode = a.status;
    res.setHeader('content-type', 'text/plain');
    res.end(a.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`,
    received,
    events: () => received.map((r) => JSON.parse(r.json) as { event: { event_type: string; event_time: string; event_hash: string; event_metadata: Record<string, unknown> }; signature_request?: Record<string, unknown> }),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
