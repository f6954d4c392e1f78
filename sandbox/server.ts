/**
 * The sandbox: one HTTP server that hosts every emulator under its own path prefix, plus the home
 * page linking the emulated CRMs. Started by `npm run dev` (port 4000) and in-process by tests (port 0).
 *
 *   /pipedrive/...   Pipedrive OAuth server, API (api_domain), web UI with the Marketplace
 *   /teamleader/...  Teamleader Focus OAuth server, API, web UI with the Marketplace
 *   /google/...      Google OAuth 2 / OIDC (accounts.google.com + oauth2.googleapis.com)
 *   /v1/...          Google People API (served at the origin root: the googleapis client drops path prefixes)
 *   /microsoft/...   Microsoft identity platform v2 + Microsoft Graph (/microsoft/graph/v1.0/...)
 *   /dropbox-sign/...  Dropbox Sign API v3 (/dropbox-sign/v3/...), OAuth, web UI, outgoing callbacks
 *   /dropbox/...     Dropbox OAuth 2 + API v2: /dropbox/{api,content,notify}/2/... stand for the three hosts
 *   /_sandbox/...    reset, clock, latency, health (test and reviewer controls)
 *
 * Every vendor call can be given network latency (`latencyMs`, `jitterMs`; SANDBOX_LATENCY_MS) and the
 * vendors' real default limits (`realLimits`; SANDBOX_REAL_LIMITS=1): see lib/latency.ts, lib/real-limits.ts.
 */
import { createServer, type Server } from 'node:http';
import { mkdirSync, readFileSync, writeFileSync, existsSync, renameSync } from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { BadBody, html, json, readBody, send, escapeHtml, type SandboxResponse } from './lib/http';
import { Latency, type LatencySettings } from './lib/latency';
import { REAL_LIMITS } from './lib/real-limits';
import { defaultRegistration, type AppRegistration, type Emulator, type SandboxContext } from './lib/types';
import { createPipedriveEmulator, type PipedriveEmulator } from './pipedrive';
import { createTeamleaderEmulator, type TeamleaderEmulator } from './teamleader';
import { createGoogleEmulator, type GoogleEmulator } from './google';
import { createMicrosoftEmulator, type MicrosoftEmulator } from './microsoft';
import { createDropboxSignEmulator, type DropboxSignEmulator } from './dropbox-sign';
import { createDropboxEmulator, type DropboxEmulator } from './dropbox';

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
  /** Per-call latency before every vendor answer (default SANDBOX_LATENCY_MS or 0). */
  latencyMs?: number;
  /** Uniform ± jitter around latencyMs (default SANDBOX_LATENCY_JITTER_MS or 0). */
  jitterMs?: number;
  /** The vendors' documented default rate limits instead of the loose sandbox ones (default SANDBOX_REAL_LIMITS=1). */
  realLimits?: boolean;
};

export type Sandbox = {
  url: string;
  ctx: SandboxContext;
  pipedrive: PipedriveEmulator;
  teamleader: TeamleaderEmulator;
  google: GoogleEmulator;
  microsoft: MicrosoftEmulator;
  dropboxSign: DropboxSignEmulator;
  dropbox: DropboxEmulator;
  /** Moves the emulated clock forward (token expiry, sync-token expiry, code expiry). */
  advanceClock(ms: number): void;
  /** Reads or changes the per-call latency. */
  latency(patch?: Partial<LatencySettings>): LatencySettings;
  /** Whether the vendors' real default limits are applied (they are re-applied after every reset). */
  realLimits: boolean;
  reset(): void;
  close(): Promise<void>;
};

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const host = options.host ?? '127.0.0.1';
  const server: Server = createServer();
  // Clients (undici) keep sockets alive between calls; a server that closes idle sockets after Node's default
  // 5 s races a reused socket after a slow step ("fetch failed"). Vendor front ends keep them about a minute.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
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
  const dropboxSign = createDropboxSignEmulator(ctx);
  const dropbox = createDropboxEmulator(ctx);
  const emulators: Emulator[] = [pipedrive, teamleader, google, microsoft, dropboxSign, dropbox];

  const latency = new Latency({ ...Latency.fromEnv(), ...definedOnly({ latencyMs: options.latencyMs, jitterMs: options.jitterMs }) });
  const realLimits = options.realLimits ?? process.env.SANDBOX_REAL_LIMITS === '1';
  const applyRealLimits = () => {
    if (!realLimits) return;
    teamleader.config({ ...REAL_LIMITS.teamleader });
    microsoft.config({ ...REAL_LIMITS.microsoft });
    google.config({ ...REAL_LIMITS.google });
  };
  const resetAll = () => {
    for (const e of emulators) e.reset();
    clockOffset = 0;
    applyRealLimits();
  };

  const statePath = options.dataDir ? path.join(options.dataDir, 'sandbox-state.json') : null;
  if (statePath && existsSync(statePath)) {
    try {
      const saved = JSON.parse(readFileSync(statePath, 'utf8')) as Record<string, unknown>;
      for (const e of emulators) if (saved[e.name]) e.setState(saved[e.name]);
    } catch (error) {
      console.warn(`[sandbox] could not read ${statePath} (${(error as Error).message}); starting from demo data`);
    }
  }
  applyRealLimits();
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
<a class="card" href="/dropbox-sign"><strong>Dropbox Sign</strong><br>Northwind Traders team — send, sign and decline signature requests as sender, signer or CC.</a>
<a class="card" href="/dropbox/home"><strong>Dropbox</strong><br>Demo Dropbox accounts — browse, upload, rename and delete files in each one's Apps/Synclane folder.</a>
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
        resetAll();
        result = json(200, { ok: true });
      } else if (p === '/_sandbox/latency') {
        try {
          if (method === 'POST') latency.set(JSON.parse(body.toString('utf8') || '{}') as Partial<LatencySettings>);
          result = json(200, { ...latency.get(), realLimits });
        } catch (error) {
          result = json(400, { error: 'bad_request', message: (error as Error).message });
        }
      } else if (p === '/_sandbox/clock' && method === 'POST') {
        const { advanceMs } = JSON.parse(body.toString('utf8') || '{}') as { advanceMs?: number };
        clockOffset += Number(advanceMs ?? 0);
        result = json(200, { now: ctx.now() });
      } else if (p.startsWith('/v1/')) {
        await latency.wait();
        result = await google.handle({ ...base, path: p });
      } else {
        for (const e of emulators) {
          if (p === e.prefix || p.startsWith(`${e.prefix}/`)) {
            // Admin routes are the sandbox's own controls, not vendor calls: no latency.
            if (!p.includes('/_admin')) await latency.wait();
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
    dropboxSign,
    dropbox,
    advanceClock(ms: number) {
      clockOffset += ms;
    },
    latency: (patch) => (patch ? latency.set(patch) : latency.get()),
    realLimits,
    reset: resetAll,
    async close() {
      if (saveTimer) clearTimeout(saveTimer);
      dropboxSign.callbacks.stop();
      persist();
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function definedOnly<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
