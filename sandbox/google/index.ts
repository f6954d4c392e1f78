/**
 * Google emulator: OAuth 2 / OpenID Connect under /google (issuer `${baseUrl}/google`) and the People
 * API v1 at the sandbox origin root (/v1/...), because googleapis drops path prefixes from `rootUrl`.
 *
 *   /google/.well-known/openid-configuration, /google/oauth2/v3/certs     discovery + JWKS
 *   /google/o/oauth2/v2/auth                                              account chooser + consent
 *   /google/token, /google/revoke, /google/oauth2/v3/userinfo             token, revoke, userinfo
 *   /v1/people/..., /v1/contactGroups/...                                 People API
 *   /google/contacts                                                      web UI
 *   /google/photos/:id                                                    contact photo bytes
 *   /google/_admin/...                                                    faults, config, revoke, counters
 */
import { BadBody, redirect, type SandboxRequest, type SandboxResponse } from '../lib/http';
import { FaultInjector, SlidingWindow } from '../lib/faults';
import type { Emulator, SandboxContext } from '../lib/types';
import { createAdminApi } from './admin-api';
import { quotaExceeded, type ApiCall } from './api-support';
import { resolveContactGroupsRoute } from './contact-groups-api';
import { DEMO_ACCOUNTS, avatarPng, generateContactsInto, newAccount, seedAccount } from './demo-data';
import { GoogleApiError, invalidArgument } from './google-errors';
import { DEFAULT_CONFIG, type GoogleAccount, type GoogleConfig, type GoogleState, type SigningKey } from './google-state';
import { OidcServer, generateSigningKey } from './oidc-server';
import { resolvePeopleRoute } from './people-api';
import { MY_CONTACTS, READABLE_PERSON_FIELDS, UPDATABLE_PERSON_FIELDS } from './person-fields';
import { PersonStore, type Person } from './person-store';
import { createWebUi } from './web-ui';

export type { GoogleConfig, GoogleState } from './google-state';
export { DEMO_ACCOUNTS } from './demo-data';

type Req = Omit<SandboxRequest, 'params'>;

export type { GoogleAccountSummary, GoogleGroupSummary, GoogleEmulator } from './emulator-types';
import type { GoogleAccountSummary, GoogleGroupSummary, GoogleEmulator } from './emulator-types';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createGoogleEmulator(ctx: SandboxContext): GoogleEmulator {
  let state: GoogleState;
  const faults = new FaultInjector();
  const readQuota = new SlidingWindow(DEFAULT_CONFIG.readQuotaPerMinute, 60_000);
  const writeQuota = new SlidingWindow(DEFAULT_CONFIG.writeQuotaPerMinute, 60_000);
  const store = new PersonStore(() => state, ctx.baseUrl);
  const writeOptions = () => ({ now: ctx.now(), propagationDelayMs: state.config.propagationDelayMs });

  const addAccount = (email: string, givenName: string, familyName: string, locale: string): GoogleAccount => {
    const account = newAccount(email, givenName, familyName, locale);
    state.accounts[account.email] = account;
    return account;
  };

  const freshState = (signingKey: SigningKey): GoogleState => {
    state = { version: 1, signingKey, config: { ...DEFAULT_CONFIG }, accounts: {}, codes: {}, accessTokens: {}, refreshTokens: {} };
    store.clearCaches();
    for (const demo of DEMO_ACCOUNTS) seedAccount(store, addAccount(demo.email, demo.givenName, demo.familyName, demo.locale));
    return state;
  };

  const oidc = new OidcServer({
    ctx,
    state: () => state,
    ensureAccount: (email) => {
      const existing = state.accounts[email.toLowerCase()];
      if (existing) return existing;
      const local = email.split('@')[0].split(/[._-]+/).map((p) => p.charAt(0).toUpperCase() + p.slice(1));
      const account = addAccount(email, local[0] ?? 'Demo', local.slice(1).join(' ') || 'User', 'en');
      store.ensureSystemGroups(account, ctx.now());
      return account;
    },
  });

  const applyQuotaLimits = () => {
    readQuota.limit = state.config.readQuotaPerMinute;
    writeQuota.limit = state.config.writeQuotaPerMinute;
  };

  const accountOf = (email: string) => store.account(email);

  // ------------------------------------------------------------------ People API gateway

  const handleApi = (req: Req): SandboxResponse => {
    if (req.path === '/v1/userinfo') return oidc.userinfo(req);
    const route = resolvePeopleRoute(req.method, req.path) ?? resolveContactGroupsRoute(req.method, req.path);
    if (!route) return new GoogleApiError('NOT_FOUND', `Method not found: ${req.method} ${req.path}`).toResponse();
    try {
      const { account } = oidc.authenticate(req, route.name, route.isWrite);
      account.requestCounts[route.name] = (account.requestCounts[route.name] ?? 0) + 1;
      account.requestCounts.total = (account.requestCounts.total ?? 0) + 1;
      const window = route.isWrite ? writeQuota : readQuota;
      if (!window.hit(account.email, ctx.now()).allowed) throw quotaExceeded(route.isWrite ? 'write' : 'read', window.limit);
      const now = ctx.now();
      const call: ApiCall = { req, query: req.url.searchParams, account, store, config: state.config, now, write: { now, propagationDelayMs: state.config.propagationDelayMs } };
      return route.run(call);
    } catch (error) {
      if (error instanceof GoogleApiError) return error.toResponse();
      if (error instanceof BadBody) return invalidArgument(`Invalid JSON payload received. ${error.message}.`).toResponse();
      throw error;
    }
  };

  // ------------------------------------------------------------------ photos

  const defaultPhotos = new Map<string, Buffer>();
  const servePhoto = (id: string): SandboxResponse | null => {
    if (id.startsWith('default/')) {
      const initial = decodeURIComponent(id.slice('default/'.length)) || '?';
      let png = defaultPhotos.get(initial);
      if (!png) {
        const code = initial.codePointAt(0) ?? 63;
        png = avatarPng([60 + ((code * 37) % 120), 80 + ((code * 53) % 110), 120 + ((code * 71) % 100)], 64);
        defaultPhotos.set(initial, png);
      }
      return { status: 200, headers: { 'content-type': 'image/png', 'cache-control': 'public, max-age=86400' }, body: png };
    }
    for (const account of Object.values(state.accounts)) {
      const photo = account.photos[id];
      if (photo) return { status: 200, headers: { 'content-type': photo.contentType, 'cache-control': 'public, max-age=86400' }, body: Buffer.from(photo.base64, 'base64') };
    }
    return null;
  };

  // ------------------------------------------------------------------ /google/... routes

  let emulator: GoogleEmulator;
  const admin = createAdminApi(() => emulator);
  const webUi = createWebUi({ store, accounts: () => Object.values(state.accounts), writeOptions, baseUrl: ctx.baseUrl });

  const handleGoogle = async (req: Req): Promise<SandboxResponse | null> => {
    const { method, path } = req;
    switch (path) {
      case '/':
        return redirect(`${ctx.baseUrl}/google/contacts`);
      case '/.well-known/openid-configuration':
        return oidc.discovery();
      case '/oauth2/v3/certs':
        return oidc.jwks();
      case '/oauth2/v1/certs':
        return oidc.pemCerts();
      case '/o/oauth2/v2/auth':
      case '/o/oauth2/auth':
        if (method === 'GET') return oidc.authorizePage(req);
        if (method === 'POST') return oidc.authorizeDecision(req);
        break;
      case '/token':
      case '/oauth2/v4/token':
        if (method === 'POST') return oidc.token(req);
        break;
      case '/revoke':
      case '/o/oauth2/revoke':
        if (method === 'POST' || method === 'GET') return oidc.revoke(req);
        break;
      case '/userinfo':
      case '/oauth2/v3/userinfo':
        return oidc.userinfo(req);
      case '/tokeninfo':
      case '/oauth2/v3/tokeninfo':
        return oidc.tokeninfo(req);
      default:
        if (path.startsWith('/photos/') && method === 'GET') return servePhoto(path.slice('/photos/'.length));
        return webUi.handle(req);
    }
    return { status: 405, headers: { 'content-type': 'text/plain' }, body: 'Method Not Allowed' };
  };

  // ------------------------------------------------------------------ in-process API

  const allFields = new Set<string>(READABLE_PERSON_FIELDS);
  const wire = (account: GoogleAccount, resourceName: string) => store.toWire(account, store.getLive(account, resourceName), allFields);
  const summarizeGroups = (account: GoogleAccount): GoogleGroupSummary[] => {
    const counts = store.memberCounts(account);
    return store.liveGroups(account).map((g) => ({ resourceName: g.resourceName, name: g.name, groupType: g.groupType, memberCount: counts.get(g.resourceName) ?? 0 }));
  };

  emulator = {
    name: 'google',
    prefix: '/google',
    faults,
    issuer: oidc.issuer,

    async handle(req) {
      if (req.path.startsWith('/_admin')) return admin.handle(req);
      const delay = faults.delayFor(req);
      if (delay) await sleep(delay);
      const before = faults.match(req, 'before');
      if (before) return before;
      const result = req.path.startsWith('/v1/') ? handleApi(req) : await handleGoogle(req);
      // 'after': the request was applied, the caller never sees the real answer.
      return faults.match(req, 'after') ?? result;
    },

    getState: () => state,
    setState(saved) {
      if (!saved || saved.version !== 1 || !saved.signingKey) return;
      state = { ...saved, config: { ...DEFAULT_CONFIG, ...saved.config } };
      store.clearCaches();
      readQuota.reset();
      writeQuota.reset();
      applyQuotaLimits();
    },
    reset() {
      freshState(state.signingKey);
      faults.clear();
      readQuota.reset();
      writeQuota.reset();
      applyQuotaLimits();
    },

    config(patch) {
      if (patch) {
        for (const [key, value] of Object.entries(patch)) {
          if (!(key in DEFAULT_CONFIG)) throw new BadBody(`Unknown config key "${key}". Known keys: ${Object.keys(DEFAULT_CONFIG).join(', ')}.`);
          if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new BadBody(`Config "${key}" must be a non-negative number.`);
        }
        state.config = { ...state.config, ...patch };
        applyQuotaLimits();
      }
      return { ...state.config };
    },
    accounts: () =>
      Object.values(state.accounts).map((a) => ({ email: a.email, name: a.name, sub: a.sub, contactCount: Object.values(a.contacts).filter((c) => !c.deleted).length })),
    contacts(email, options = {}) {
      const account = accountOf(email);
      return Object.values(account.contacts)
        .filter((c) => options.includeDeleted || !c.deleted)
        .map((c) => store.toWire(account, c, allFields));
    },
    getContact(email, resourceName) {
      const account = accountOf(email);
      const contact = account.contacts[resourceName];
      return contact && !contact.deleted ? store.toWire(account, contact, allFields) : null;
    },
    createContact(email, person) {
      const account = accountOf(email);
      return store.toWire(account, store.createContact(account, person, writeOptions()), allFields);
    },
    updateContact(email, resourceName, patch) {
      const account = accountOf(email);
      const current = store.getLive(account, resourceName);
      const fields = new Set(Object.keys(patch).filter((k) => (UPDATABLE_PERSON_FIELDS as readonly string[]).includes(k)));
      store.updateContact(account, resourceName, { ...patch, etag: current.etag }, fields, writeOptions());
      return wire(account, resourceName);
    },
    deleteContact(email, resourceName) {
      store.deleteContact(accountOf(email), resourceName, writeOptions());
    },
    groups: (email) => summarizeGroups(accountOf(email)),
    createGroup(email, name) {
      const account = accountOf(email);
      const group = store.createGroup(account, name, undefined, ctx.now());
      return summarizeGroups(account).find((g) => g.resourceName === group.resourceName)!;
    },
    generateContacts(email, count, groupResourceName) {
      const account = accountOf(email);
      if (groupResourceName && groupResourceName !== MY_CONTACTS) store.getGroup(account, groupResourceName);
      return generateContactsInto(store, account, count, writeOptions(), groupResourceName);
    },
    revokeAll: (email) => oidc.revokeAll(email),
    expireAccessTokens: () => oidc.expireAccessTokens(),
    requestCounts: (email) => ({ ...(state.accounts[email.toLowerCase()]?.requestCounts ?? {}) }),
    resetRequestCounts(email) {
      for (const account of Object.values(state.accounts)) if (!email || account.email === email.toLowerCase()) account.requestCounts = {};
    },
  };

  freshState(generateSigningKey());
  applyQuotaLimits();
  return emulator;
}
