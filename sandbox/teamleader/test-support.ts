/**
 * Test harness: the Teamleader emulator behind a tiny local HTTP server (independent of sandbox/server.ts,
 * which also needs the sibling emulators), with a movable clock and a webhook receiver.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody, send } from '../lib/http';
import { defaultRegistration, type SandboxContext } from '../lib/types';
import { createTeamleaderEmulator, type TeamleaderEmulator } from './index';

export type Harness = {
  url: string;
  base: string;
  ctx: SandboxContext;
  emulator: TeamleaderEmulator;
  advanceClock(ms: number): void;
  close(): Promise<void>;
};

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

export async function startHarness(): Promise<Harness> {
  const server = createServer();
  const port = await listen(server);
  const url = `http://127.0.0.1:${port}`;
  let offset = 0;
  const ctx: SandboxContext = { baseUrl: url, app: defaultRegistration('http://app.test'), now: () => Date.now() + offset };
  const emulator = createTeamleaderEmulator(ctx);
  server.on('request', async (raw, res) => {
    try {
      const reqUrl = new URL(raw.url ?? '/', url);
      const body = await readBody(raw);
      const path = reqUrl.pathname.slice('/teamleader'.length) || '/';
      const result = await emulator.handle({ method: (raw.method ?? 'GET').toUpperCase(), url: reqUrl, path, headers: raw.headers, body, raw });
      send(res, result ?? { status: 404, body: 'no route' });
    } catch (error) {
      send(res, { status: 500, body: String(error) });
    }
  });
  return {
    url,
    base: `${url}/teamleader`,
    ctx,
    emulator,
    advanceClock: (ms) => void (offset += ms),
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** Collects webhook POSTs. */
export async function startReceiver(): Promise<{ url: string; received: unknown[]; close(): Promise<void> }> {
  const received: unknown[] = [];
  const server = createServer(async (req, res) => {
    received.push(JSON.parse((await readBody(req)).toString('utf8')));
    res.statusCode = 200;
    res.end('ok');
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}/hooks/secret-token`, received, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

export function apiClient(base: string, token: string) {
  return async (endpoint: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}/api/${endpoint}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
  };
}
