/**
 * Dropbox Sign emulator (API v3, reference §3), mounted at `/dropbox-sign` on the sandbox server.
 *
 *   /dropbox-sign/v3/...                 API v3 (Basic API key or OAuth bearer), rate limited, 409 while files are prepared
 *   /dropbox-sign/oauth/authorize|token  OAuth for API apps (the SDK's OAuthApi basePath is /dropbox-sign)
 *   /dropbox-sign/_files/{token}         expiring links from files_as_file_url
 *   /dropbox-sign, /app/{email}, /requests/{id}   web UI (act as sender, signer, CC, team admin)
 *   /dropbox-sign/_admin/...             faults, config, callback log, token revocation
 * Callbacks go out as multipart `json` with event_hash and are retried until acknowledged.
 */
import { Router, type SandboxRequest, type SandboxResponse } from '../lib/http';
import { FaultInjector } from '../lib/faults';
import type { Emulator, SandboxContext } from '../lib/types';
import { registerAdminApi } from './admin-api';
import { SignApiV3 } from './api-v3';
import { CallbackDispatcher } from './callback-delivery';
import { DEMO_REQUESTS, seedAccountsAndApp } from './demo-data';
import { SignOAuthServer } from './oauth-server';
import { buildPdf } from './pdf';
import { SignApiError, signErrorResponse } from './sign-errors';
import { DEFAULT_CONFIG, type SignAccount, type SignConfig, type SignState, type StoredRequest } from './sign-state';
import { SignStore, type NewRequest } from './sign-store';
import { SignWebUi } from './web-ui';

export type { SignState, SignConfig, StoredRequest, SignAccount } from './sign-state';
export type { CallbackDelivery } from './callback-delivery';
export { ACKNOWLEDGEMENT, eventHash } from './callback-delivery';
export { DEMO_ACCOUNTS, NORTHWIND_TEAM_ID } from './demo-data';
export { buildPdf } from './pdf';

export type { DropboxSignEmulator } from './emulator-types';
import type { DropboxSignEmulator } from './emulator-types';

export function createDropboxSignEmulator(ctx: SandboxContext): DropboxSignEmulator {
  let state = emptyState();
  const getState = () => state;
  const prefixUrl = () => `${ctx.baseUrl}/dropbox-sign`;
  const apiBase = () => `${prefixUrl()}/v3`;
  const store = new SignStore(getState, ctx.now);
  const callbacks = new CallbackDispatcher(ctx, getState, store, apiBase, prefixUrl);
  const api = new SignApiV3(ctx, getState, store, apiBase, prefixUrl, prefixUrl);
  const oauth = new SignOAuthServer(ctx, getState, store);
  const webUi = new SignWebUi(getState, store, ctx.now);
  const faults = new FaultInjector();

  const seed = (config: SignConfig) => {
    state = emptyState(config);
    seedAccountsAndApp(state, ctx);
    // Demo history must not fire callbacks at URLs configured later.
    callbacks.muted = true;
    try {
      for (const [index, demo] of DEMO_REQUESTS.entries()) {
        const requester = store.requireAccount(demo.from);
        const request = store.create({
          requester,
          title: demo.title,
          signers: demo.signers.map((s) => ({ ...s })),
          ccEmails: [...demo.cc],
          documents: [{ name: `${demo.title}.pdf`, data: buildPdf([demo.title, '', `Prepared by ${requester.name}`]) }],
        });
        request.filesReadyAt = ctx.now();
        for (const email of demo.signedBy) store.sign(request.id, email);
        // Spread the demo history over the past days so lists and PDFs show believable dates.
        const shift = (DEMO_REQUESTS.length - index) * 24 * 60 * 60 * 1000;
        request.createdAt -= shift;
        for (const signer of request.signers) {
          if (signer.signedAt) signer.signedAt -= shift - 60 * 60 * 1000;
          if (signer.lastViewedAt) signer.lastViewedAt -= shift - 60 * 60 * 1000;
        }
        if (request.completedAt) request.completedAt -= shift - 60 * 60 * 1000;
        request.filesReadyAt = ctx.now();
        store.settle();
      }
    } finally {
      callbacks.muted = false;
    }
  };
  seed({ ...DEFAULT_CONFIG });
  // `downloadable` must also fire when nobody calls the API (web UI signing): settle once the files are ready.
  const settleTimers = new Set<NodeJS.Timeout>();
  store.onEvent((event) => {
    if (event.type !== 'signature_request_all_signed') return;
    const timer = setTimeout(() => {
      settleTimers.delete(timer);
      store.settle();
    }, state.config.filesPreparingMs + 10);
    timer.unref();
    settleTimers.add(timer);
  });

  const router = new Router();
  oauth.register(router);
  webUi.register(router);
  router.get('/_files/:token', (req) => api.fileLink(req.params.token));
  const adminRouter = new Router();

  async function dispatch(req: Omit<SandboxRequest, 'params'>): Promise<SandboxResponse | null> {
    const isApi = req.path === '/v3' || req.path.startsWith('/v3/');
    try {
      if (isApi) return await api.handle(req, req.path.slice(3) || '/');
      return await router.handle(req);
    } catch (error) {
      if (!(error instanceof SignApiError)) throw error;
      if (isApi || req.path.startsWith('/oauth/token') || req.path.startsWith('/_files')) return signErrorResponse(error);
      return SignWebUi.errorPage(error);
    }
  }

  const emulator: DropboxSignEmulator = {
    name: 'dropbox-sign',
    prefix: '/dropbox-sign',
    faults,
    callbacks,
    store,
    get apiBaseUrl() {
      return apiBase();
    },
    get oauthBaseUrl() {
      return prefixUrl();
    },

    async handle(req) {
      if (req.path === '/_admin' || req.path.startsWith('/_admin/')) {
        try {
          return await adminRouter.handle(req);
        } catch (error) {
          if (error instanceof SignApiError) return signErrorResponse(error);
          throw error;
        }
      }
      const delayMs = faults.delayFor(req);
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      const before = faults.match(req, 'before');
      if (before) return before;
      const response = await dispatch(req);
      return faults.match(req, 'after') ?? response;
    },

    getState: () => state,
    setState(next) {
      state = { ...emptyState(), ...next, config: { ...DEFAULT_CONFIG, ...next.config } };
      api.resetLimits();
    },
    reset() {
      callbacks.clear();
      for (const t of settleTimers) clearTimeout(t);
      settleTimers.clear();
      seed({ ...DEFAULT_CONFIG });
      api.resetLimits();
      faults.clear();
    },

    config(patch = {}) {
      const known = Object.fromEntries(Object.entries(patch).filter(([k]) => k in DEFAULT_CONFIG));
      state.config = { ...state.config, ...known } as SignConfig;
      api.resetLimits();
      return { ...state.config };
    },
    account: (email) => store.requireAccount(email),
    createRequest: ({ from, ...input }) => store.create({ ...input, requester: store.requireAccount(from) }),
    sign: (id, email) => store.sign(id, email),
    decline: (id, email, reason) => store.decline(id, email, reason),
    revokeAll: (email) => oauth.revokeAll(email),
    expireAccessTokens: () => oauth.expireAccessTokens(),
    requestCount: (email) => api.requestCounts.get(email) ?? 0,
    summary() {
      return {
        config: state.config,
        apiBaseUrl: apiBase(),
        oauthBaseUrl: prefixUrl(),
        accounts: store.accounts().map((a) => ({ ...a, requestCount: api.requestCounts.get(a.email) ?? 0 })),
        teams: Object.values(state.teams),
        apps: Object.values(state.apps).map(({ clientSecret: _secret, ...app }) => app),
        requests: state.requestOrder.length,
        callbacks: callbacks.deliveries.slice(-50).map(({ json: _json, ...d }) => d),
        faults: faults.list(),
      };
    },
  };
  registerAdminApi(adminRouter, emulator);
  return emulator;
}

function emptyState(config: SignConfig = { ...DEFAULT_CONFIG }): SignState {
  return { version: 1, config, accounts: {}, teams: {}, apps: {}, requests: {}, requestOrder: [], codes: {}, grants: {}, fileLinks: {}, counter: 0 };
}
