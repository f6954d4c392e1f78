/**
 * Emulated Pipedrive, mounted at `/pipedrive`:
 *   /oauth/authorize|token|revoke       oauth.pipedrive.com
 *   /c/<companyDomain>/api/v1|v2/...    the company's api_domain (also /c/<domain>/v1/...)
 *   /c/<companyDomain>/person/<id> …    the same domain serves the web app (https://<company>.pipedrive.com/person/1)
 *   /, /persons, /organizations, /deals (lists), /person/<id>, /organization/<id>, /deal/<id> (records, singular
 *   as in Pipedrive), /settings/marketplace[...]   the web app hosting our iframes
 *   /pictures/:id                       person picture bytes
 *   /_admin/...                         faults, config, generated persons, summary
 */
import { FaultInjector, SlidingWindow } from '../lib/faults';
import { bearer, Router, type SandboxRequest, type SandboxResponse } from '../lib/http';
import type { Emulator, SandboxContext } from '../lib/types';
import { applyConfig, registerAdminRoutes, stateSummary, type PipedriveConfigPatch } from './admin-api';
import { ApiRoutes, attachCaller } from './api-context';
import { registerFileRoutes } from './api-v1-files';
import { registerOrganizationFieldRoutes, registerPersonFieldRoutes } from './api-v1-person-fields';
import { registerPictureRoutes } from './api-v1-person-pictures';
import { registerUserRoutes } from './api-v1-users';
import { registerWebhookRoutes } from './api-v1-webhooks';
import { registerOrganizationAndDealRoutes } from './api-v2-organizations-and-deals';
import { registerPersonRoutes } from './api-v2-persons';
import { DEMO_USERS, NORTHWIND_COMPANY_ID } from './demo-data';
import type { EmulatorDeps } from './emulator-deps';
import { registerHostPages } from './host-pages';
import { SurfaceRegistry } from './host-session';
import { signIframeJwt } from './iframe-jwt';
import { InstallationRegistry, type UninstallResult } from './installations';
import { registerOAuthRoutes } from './oauth-server';
import { burstLimit } from './plans';
import { DailyTokens, dailyTokenBudget, tokenCost } from './daily-budget';
import { PipedriveStore, type PersonInput } from './store';
import type { Company, PersonV2, PipedriveState, User } from './types';
import type { DeliveryLogEntry } from './webhook-delivery';
import { WebhookDispatcher } from './webhook-delivery';
import { apiError, unauthorized } from './wire-format';

export { DEMO_USERS, NORTHWIND_COMPANY_ID, NORTHWIND_DOMAIN, ORG_PHONE_FIELD_KEY } from './demo-data';
export { verifyIframeJwt, signIframeJwt } from './iframe-jwt';
export type { PipedriveState, PersonV2, Company, User } from './types';
export type { PipedriveConfigPatch } from './admin-api';
export type { UninstallResult } from './installations';

export type InstallationInfo = {
  companyId: number;
  userId: number;
  scope: string;
  installedAt: number;
  refreshToken: string | null;
  accessTokens: { token: string; expiresAt: number }[];
};

export interface PipedriveEmulator extends Emulator<PipedriveState> {
  name: 'pipedrive';
  prefix: '/pipedrive';
  faults: FaultInjector;
  /** Global settings (token TTL, burst limit) and per-company settings (plan, contact sync, field cap). */
  config(patch: PipedriveConfigPatch): void;
  config(companyId: number, patch: PipedriveConfigPatch): void;
  companies(): Company[];
  users(companyId: number): User[];
  /** v2 shape, including soft-deleted persons. */
  persons(companyId: number): PersonV2[];
  getPerson(companyId: number, id: number): PersonV2 | null;
  /** Like a change in the Pipedrive UI: validates as the API does and fires webhooks (change_source 'app'). */
  createPerson(companyId: number, data: PersonInput, asUserId?: number): PersonV2;
  updatePerson(companyId: number, id: number, data: PersonInput, asUserId?: number): PersonV2;
  deletePerson(companyId: number, id: number, asUserId?: number): void;
  /** Like an organization or deal edited in the Pipedrive UI: fires `change.organization` / `change.deal` webhooks. */
  updateOrganization(companyId: number, id: number, data: Record<string, unknown>, asUserId?: number): Record<string, unknown>;
  updateDeal(companyId: number, id: number, data: { title?: string; status?: 'open' | 'won' | 'lost' }, asUserId?: number): Record<string, unknown>;
  generatePersons(companyId: number, ownerId: number, count: number): { firstId: number; lastId: number };
  installations(): InstallationInfo[];
  /** Uninstall from the Marketplace: removes tokens and sends `DELETE callbackUrl` to the app. */
  uninstall(companyId: number, userId: number): Promise<UninstallResult>;
  expireAccessTokens(): void;
  signIframeToken(companyId: number, userId: number): string;
  apiDomain(companyId: number): string;
  /** API requests (under the api_domain) since start/reset, total and per `METHOD /normalized/path`. */
  requestCount(): number;
  requestCounts(): Record<string, number>;
  resetRequestCounts(): void;
  /** Waits for all webhook deliveries started so far. */
  flushWebhooks(): Promise<void>;
  webhookDeliveries(): DeliveryLogEntry[];
  summary(): ReturnType<typeof stateSummary>;
}

export function createPipedriveEmulator(ctx: SandboxContext): PipedriveEmulator {
  const store = new PipedriveStore(ctx);
  const faults = new FaultInjector();
  const dailyTokens = new DailyTokens();
  const burst = new SlidingWindow(store.state.settings.burstLimit ?? 80, store.state.settings.burstWindowMs);
  const deps: EmulatorDeps = {
    ctx,
    store,
    installs: new InstallationRegistry(ctx, store),
    webhooks: new WebhookDispatcher(ctx, store),
    surfaces: new SurfaceRegistry(),
    faults,
    burst,
    base: '/pipedrive',
  };
  const defaultCompanyId = () => store.state.companies[0]?.id ?? NORTHWIND_COMPANY_ID;

  const webRouter = new Router();
  registerOAuthRoutes(webRouter, deps);
  registerHostPages(webRouter, deps);

  const adminRouter = new Router();
  registerAdminRoutes(adminRouter, deps, defaultCompanyId);

  const apiRouter = new Router();
  const api = new ApiRoutes(apiRouter);
  registerUserRoutes(api, deps);
  registerPersonFieldRoutes(api, deps);
  registerOrganizationFieldRoutes(api);
  registerWebhookRoutes(api, deps);
  registerPictureRoutes(api, deps);
  registerPersonRoutes(api, deps);
  registerOrganizationAndDealRoutes(api, deps);
  registerFileRoutes(api, deps);

  let requestTotal = 0;
  let requestsByEndpoint: Record<string, number> = {};

  const syncBurstWindow = () => {
    burst.limit = store.state.settings.burstLimit ?? 80;
    burst.windowMs = store.state.settings.burstWindowMs;
    burst.reset();
    dailyTokens.reset();
  };

  /**
   * The api_domain gateway: company, bearer token, burst window with x-ratelimit-* headers. The burst
   * limit follows the company's plan (reference §3.9) unless a test overrides it for everyone. Pipedrive
   * documents only the x-ratelimit-* headers for a 429, so no Retry-After is sent.
   */
  async function handleApi(req: Omit<SandboxRequest, 'params'>, domain: string, rest: string): Promise<SandboxResponse> {
    const apiPath = rest.startsWith('/v1/') ? `/api${rest}` : rest;
    const endpoint = `${req.method} ${apiPath.replace(/\/\d+(?=\/|$)/g, '/:id')}`;
    requestTotal++;
    requestsByEndpoint[endpoint] = (requestsByEndpoint[endpoint] ?? 0) + 1;

    const company = store.companyByDomain(domain);
    if (!company) return apiError(404, 'Company not found');
    const token = bearer(req.headers);
    const access = token ? deps.installs.authenticate(token) : null;
    if (!token || !access || access.companyId !== company.id) return unauthorized();
    const user = store.user(access.userId);
    if (!user) return unauthorized();

    const now = ctx.now();
    const limit = store.state.settings.burstLimit ?? burstLimit(company.plan);
    const window = burst.hit(token, now, limit);
    const rateHeaders = {
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': String(window.remaining),
      'x-ratelimit-reset': String(Math.max(1, Math.ceil((window.resetAt - now) / 1000))),
    };
    if (!window.allowed) {
      const response = apiError(429, 'Request over limit');
      return { ...response, headers: { ...response.headers, ...rateHeaders } };
    }
    const budget = company.dailyTokenBudget ?? dailyTokenBudget(company.plan, store.usersOf(company.id).length);
    if (!dailyTokens.charge(company.id, tokenCost(endpoint), budget, now)) {
      const response = apiError(429, 'Daily token budget exceeded');
      return { ...response, headers: { ...response.headers, ...rateHeaders } };
    }
    attachCaller(req, { company, user, token });
    const response = (await apiRouter.handle({ ...req, path: apiPath })) ?? apiError(404, 'Unknown method .');
    return { ...response, headers: { ...response.headers, ...rateHeaders } };
  }

  async function route(req: Omit<SandboxRequest, 'params'>): Promise<SandboxResponse | null> {
    const apiMatch = /^\/c\/([^/]+)(\/.*)$/.exec(req.path);
    if (apiMatch) {
      const rest = apiMatch[2];
      // The company domain is also the web app's host: record links are `<api_domain>/person/<id>`.
      if (/^\/(person|organization|deal)\/\d+$/.test(rest) && req.method === 'GET') {
        if (!store.companyByDomain(decodeURIComponent(apiMatch[1]))) return apiError(404, 'Company not found');
        return webRouter.handle({ ...req, path: rest });
      }
      return handleApi(req, decodeURIComponent(apiMatch[1]), rest);
    }
    return webRouter.handle(req);
  }

  const actorOf = (companyId: number, asUserId?: number) => ({
    userId: asUserId ?? store.usersOf(companyId).find((u) => u.isAdmin)?.id ?? DEMO_USERS.admin,
    source: 'app' as const,
  });

  function config(companyOrPatch: number | PipedriveConfigPatch, maybePatch?: PipedriveConfigPatch): void {
    if (typeof companyOrPatch === 'number') applyConfig(deps, companyOrPatch, maybePatch ?? {});
    else applyConfig(deps, defaultCompanyId(), companyOrPatch);
  }

  return {
    name: 'pipedrive',
    prefix: '/pipedrive',
    faults,

    async handle(req) {
      if (req.path === '/_admin' || req.path.startsWith('/_admin/')) return adminRouter.handle(req);
      const delay = faults.delayFor(req);
      if (delay) await new Promise((resolve) => setTimeout(resolve, delay));
      const before = faults.match(req, 'before');
      if (before) return before;
      const response = await route(req);
      const after = faults.match(req, 'after');
      return after ?? response;
    },

    getState: () => store.state,
    setState(state) {
      store.load(state);
      syncBurstWindow();
    },
    reset() {
      store.reset();
      faults.clear();
      deps.surfaces.clear();
      syncBurstWindow();
      requestTotal = 0;
      requestsByEndpoint = {};
    },

    config,
    companies: () => store.state.companies,
    users: (companyId) => store.usersOf(companyId),
    persons: (companyId) => store.personsOf(companyId).map((p) => store.serializePerson(p)),
    getPerson(companyId, id) {
      const person = store.person(companyId, id);
      return person ? store.serializePerson(person) : null;
    },
    createPerson: (companyId, data, asUserId) => store.serializePerson(store.createPerson(companyId, data, actorOf(companyId, asUserId))),
    updatePerson: (companyId, id, data, asUserId) => store.serializePerson(store.updatePerson(companyId, id, data, actorOf(companyId, asUserId))),
    updateOrganization: (companyId, id, data, asUserId) => store.serializeOrganization(store.updateOrganization(companyId, id, data, actorOf(companyId, asUserId))),
    updateDeal: (companyId, id, data, asUserId) => store.serializeDeal(store.updateDeal(companyId, id, data, actorOf(companyId, asUserId))),
    deletePerson(companyId, id, asUserId) {
      store.deletePerson(companyId, id, actorOf(companyId, asUserId));
    },
    generatePersons: (companyId, ownerId, count) => store.generatePersons(companyId, ownerId, count),
    installations: () =>
      store.state.installations.map((i) => ({
        companyId: i.companyId,
        userId: i.userId,
        scope: i.scope,
        installedAt: i.installedAt,
        refreshToken: store.state.refreshTokens.find((t) => t.companyId === i.companyId && t.userId === i.userId)?.token ?? null,
        accessTokens: store.state.accessTokens.filter((t) => t.companyId === i.companyId && t.userId === i.userId).map((t) => ({ token: t.token, expiresAt: t.expiresAt })),
      })),
    uninstall: (companyId, userId) => deps.installs.uninstall(companyId, userId),
    expireAccessTokens: () => deps.installs.expireAccessTokens(),
    signIframeToken: (companyId, userId) => signIframeJwt(ctx.app.pipedrive.clientSecret, { companyId, userId }, ctx.now()),
    apiDomain: (companyId) => deps.installs.apiDomain(companyId),
    requestCount: () => requestTotal,
    requestCounts: () => ({ ...requestsByEndpoint }),
    resetRequestCounts() {
      requestTotal = 0;
      requestsByEndpoint = {};
    },
    flushWebhooks: () => deps.webhooks.flush(),
    webhookDeliveries: () => [...deps.webhooks.log],
    summary: () => stateSummary(deps),
  };
}
