/**
 * The sandbox: one HTTP server that hosts every emulator under its own path prefix, plus the home
 * page linking the emulated CRMs. Started by `npm run dev` (port 4000) and in-process by tests (port 0).
 *
 *   /pipedrive/...   Pipedrive OAuth server, API (api_domain), web UI with the Marketplace
 *   /teamleader/...  Teamleader Focus OAuth server, API, web UI with the Marketplace
 *   /google/...      Google OAuth 2 / OIDC (accounts.google.com + oauth2.googleapis.com)
 *   /v1/...          Google People API (served at the origin root: the googleapis client drops path prefixes)
 *   /microsoft/...   Microsoft identity platform v2 + Microsoft Graph (/microsoft/graph/v1.0/...)
 *   /_sandbox/...    reset, clock, health (test and reviewer controls)
 */
import { createServer, type Server } from 'node:http';
import { mkdirSync, readFileSync, writeFileSync, existsSync, renameSync } from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { BadBody, html, json, readBody, send, escapeHtml, type SandboxResponse } from './lib/http';
import { defaultRegistration, type AppRegistration, type Emulator, type SandboxContext } from './lib/types';
import { createPipedriveEmulator, type PipedriveEmulator } from './pipedrive';
import { createTeamleaderEmulator, type TeamleaderEmulator } from './teamleader';
import { createGoogleEmulator, type GoogleEmulator } from './google';
import { createMicrosoftEmulator, type MicrosoftEmulator } from './microsoft';

export type SandboxOptions = {
  port?: number;
  host?: string;
  /** Public origin; defaults to http://localhost:<port>. */
  baseUrl?: string;
  appUrl?: string;
  app?: AppRegistration;
  /** Directory to persist emulator state in (JSON). Omit for in-memory only (tests). */
  dataDir?: string;
  quiet?: boolean;
};

export type Sandbox = {
  url: string;
  ctx: SandboxContext;
  pipedrive: PipedriveEmulator;
  teamleader: TeamleaderEmulator;
  google: GoogleEmulator;
  microsoft: MicrosoftEmulator;
  /** Moves the emulated clock forward (token expiry, sync-token expiry, code expiry). */
  advanceClock(ms: number): void;
  reset(): void;
  close(): Promise<void>;
};

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const host = options.host ?? '127.0.0.1';
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const baseUrl = (options.baseUrl ?? `http://localhost:${port}`).replace(/\/$/, '');
  const appUrl = (options.appUrl ?? process.env.APP_URL ?? 'http://localhost:3000').replace(/\/$/, '');
  let clockOffset = 0;
  const ctx: SandboxContext = {
    baseUrl,
    app: options.app ?? defaultRegistration(appUrl),
    now: () => Date.now() + clockOffset,
  };

  const pipedrive = createPipedriveEmulator(ctx);
  const teamleader = createTeamleaderEmulator(ctx);
  const google = createGoogleEmulator(ctx);
  const microsoft = createMicrosoftEmulator(ctx);
  const emulators: Emulator[] = [pipedrive, teamleader, google, microsoft];

  const statePath = options.dataDir ? path.join(options.dataDir, 'sandbox-state.json') : null;
  if (statePath && existsSync(statePath)) {
    try {
      const saved = JSON.parse(readFileSync(statePath, 'utf8')) as Record<string, unknown>;
      for (const e of emulators) if (saved[e.name]) e.setState(saved[e.name]);
    } catch (error) {
      console.warn(`[sandbox] could not read ${statePath} (${(error as Error).message}); starting from demo data`);
    }
  }
  let saveTimer: NodeJS.Timeout | null = null;
  const scheduleSave = () => {
    if (!statePath || saveTimer) return;
    saveTimer = setTimeout(() => {
      saveTimer = null;
      persist();
    }, 500);
  };
  const persist = () => {
    if (!statePath) return;
    mkdirSync(path.dirname(statePath), { recursive: true });
    const data: Record<string, unknown> = {};
    for (const e of emulators) data[e.name] = e.getState();
    writeFileSync(`${statePath}.tmp`, JSON.stringify(data));
    renameSync(`${statePath}.tmp`, statePath);
  };

  const homePage = (): SandboxResponse =>
    html(200, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Synclane sandbox</title>
<style>body{font-family:system-ui,sans-serif;max-width:760px;margin:48px auto;padding:0 16px;color:#1b1f24}
a.card{display:block;border:1px solid #d6dbe0;border-radius:10px;padding:18px 20px;margin:12px 0;text-decoration:none;color:inherit}
a.card:hover{border-color:#1b6ef3}h1{font-size:26px}code{background:#f1f3f5;padding:1px 5px;border-radius:4px}</style></head>
<body><h1>Synclane sandbox</h1>
<p>Everything on this page runs on this machine, offline: emulated CRMs and providers that speak the vendors' documented APIs. The Synclane app runs at <a href="${escapeHtml(appUrl)}">${escapeHtml(appUrl)}</a>.</p>
<a class="card" href="/pipedrive"><strong>Pipedrive</strong><br>Northwind Traders — open the Marketplace and install Synclane.</a>
<a class="card" href="/teamleader"><strong>Teamleader</strong><br>Brugge Bikes — open the Marketplace and install Synclane.</a>
<a class="card" href="/google/contacts"><strong>Google Contacts</strong><br>Demo Google accounts and their contacts.</a>
<a class="card" href="/microsoft/outlook"><strong>Outlook</strong><br>Demo Microsoft accounts and their contacts.</a>
<p>Reset everything: <code>curl -X POST ${escapeHtml(baseUrl)}/_sandbox/reset</code></p>
</body></html>`);

  server.on('request', async (rawReq, res) => {
    try {
      const url = new URL(rawReq.url ?? '/', baseUrl);
      const method = (rawReq.method ?? 'GET').toUpperCase();
      const body = await readBody(rawReq);
      const base = { method, url, headers: rawReq.headers, body, raw: rawReq };
      let result: SandboxResponse | null = null;
      const p = url.pathname;
      if (p === '/' || p === '') result = homePage();
      else if (p === '/_sandbox/health') result = json(200, { ok: true });
      else if (p === '/_sandbox/reset' && method === 'POST') {
        for (const e of emulators) e.reset();
        clockOffset = 0;
        result = json(200, { ok: true });
      } else if (p === '/_sandbox/clock' && method === 'POST') {
        const { advanceMs } = JSON.parse(body.toString('utf8') || '{}') as { advanceMs?: number };
        clockOffset += Number(advanceMs ?? 0);
        result = json(200, { now: ctx.now() });
      } else if (p.startsWith('/v1/')) {
        result = await google.handle({ ...base, path: p });
      } else {
        for (const e of emulators) {
          if (p === e.prefix || p.startsWith(`${e.prefix}/`)) {
            result = await e.handle({ ...base, path: p.slice(e.prefix.length) || '/' });
            break;
          }
        }
      }
      if (!result) result = json(404, { error: 'not_found', message: `No sandbox route for ${method} ${p}` });
      // Every vendor answers with its own clock in `Date` (RFC 9110): the emulated clock, not the host's.
      if (!Object.keys(result.headers ?? {}).some((h) => h.toLowerCase() === 'date')) res.setHeader('date', new Date(ctx.now()).toUTCString());
      send(res, result);
      if (method !== 'GET' && method !== 'HEAD') scheduleSave();
    } catch (error) {
      if (error instanceof BadBody) return send(res, json(400, { error: 'bad_request', message: error.message }));
      console.error('[sandbox] unhandled error', error);
      send(res, json(500, { error: 'internal_error', message: (error as Error).message }));
    }
  });

  return {
    url: baseUrl,
    ctx,
    pipedrive,
    teamleader,
    google,
    microsoft,
    advanceClock(ms: number) {
      clockOffset += ms;
    },
    reset() {
      for (const e of emulators) e.reset();
      clockOffset = 0;
    },
    async close() {
      if (saveTimer) clearTimeout(saveTimer);
      persist();
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
