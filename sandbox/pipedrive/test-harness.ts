/**
 * Test harness: the Pipedrive emulator behind a tiny HTTP server (independent of the sibling
 * emulators in server.ts), a movable clock, a fake Synclane app that records callbacks and webhook
 * deliveries, and helpers for the OAuth dance.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody, send } from '../lib/http';
import { defaultRegistration, type SandboxContext } from '../lib/types';
import { createPipedriveEmulator, type PipedriveEmulator } from './index';

export type RecordedRequest = { method: string; url: string; headers: IncomingMessage['headers']; body: string };

export type Harness = {
  url: string;
  ctx: SandboxContext;
  pipedrive: PipedriveEmulator;
  app: { url: string; requests: RecordedRequest[]; status: number };
  advanceClock(ms: number): void;
  /** Runs the consent flow for a user and exchanges the code; returns the token response. */
  install(userId: number): Promise<{ access_token: string; refresh_token: string; api_domain: string; expires_in: number; scope: string; token_type: string }>;
  authorizeCode(userId: number, state?: string): Promise<string>;
  api(token: string, method: string, path: string, body?: unknown): Promise<Response>;
  close(): Promise<void>;
};

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return (server.address() as AddressInfo).port;
}

export async function startHarness(): Promise<Harness> {
  const appRequests: RecordedRequest[] = [];
  const appState = { status: 200 };
  const appServer = createServer(async (req, res) => {
    const body = (await readBody(req)).toString('utf8');
    appRequests.push({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body });
    res.statusCode = appState.status;
    res.end('ok');
  });
  const appUrl = `http://127.0.0.1:${await listen(appServer)}`;

  let offset = 0;
  const server = createServer();
  const port = await listen(server);
  const ctx: SandboxContext = { baseUrl: `http://127.0.0.1:${port}`, app: defaultRegistration(appUrl), now: () => Date.now() + offset };
  const pipedrive = createPipedriveEmulator(ctx);
  server.on('request', async (rawReq, res) => {
    const url = new URL(rawReq.url ?? '/', ctx.baseUrl);
    // A client that aborts its upload mid-body (tests do) must not crash the harness.
    const body = await readBody(rawReq).catch(() => null);
    if (!body) return void res.destroy();
    const path = url.pathname.slice('/pipedrive'.length) || '/';
    const result = url.pathname.startsWith('/pipedrive')
      ? await pipedrive.handle({ method: rawReq.method ?? 'GET', url, headers: rawReq.headers, body, raw: rawReq, path })
      : null;
    send(res, result ?? { status: 404, body: 'no route' });
  });

  const app = { url: appUrl, requests: appRequests, get status() { return appState.status; }, set status(v: number) { appState.status = v; } };
  const basic = `Basic ${Buffer.from(`${ctx.app.pipedrive.clientId}:${ctx.app.pipedrive.clientSecret}`).toString('base64')}`;

  const authorizeCode = async (userId: number, state = 'st-1') => {
    const res = await fetch(`${ctx.baseUrl}/pipedrive/oauth/authorize/decision`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `pd_user=${userId}` },
      body: new URLSearchParams({ client_id: ctx.app.pipedrive.clientId, redirect_uri: ctx.app.pipedrive.callbackUrl, state, user_id: String(userId), decision: 'allow' }),
    });
    const location = new URL(res.headers.get('location')!);
    return location.searchParams.get('code')!;
  };

  return {
    url: ctx.baseUrl,
    ctx,
    pipedrive,
    app,
    advanceClock: (ms) => {
      offset += ms;
    },
    authorizeCode,
    async install(userId) {
      const code = await authorizeCode(userId);
      const res = await fetch(`${ctx.baseUrl}/pipedrive/oauth/token`, {
        method: 'POST',
        headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: ctx.app.pipedrive.callbackUrl }),
      });
      if (res.status !== 200) throw new Error(`token exchange failed: ${res.status} ${await res.text()}`);
      return res.json();
    },
    api(token, method, path, body) {
      const domain = pipedrive.apiDomain(pipedrive.companies()[0].id);
      return fetch(`${domain}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    },
    async close() {
      await pipedrive.flushWebhooks();
      server.closeAllConnections();
      appServer.closeAllConnections();
      await Promise.all([new Promise((r) => server.close(r)), new Promise((r) => appServer.close(r))]);
    },
  };
}
