/**
 * Microsoft emulator: identity platform v2 (OAuth 2 / OIDC) + Microsoft Graph v1.0 Outlook contacts,
 * mounted at `/microsoft` on the sandbox server.
 *
 *   /microsoft/{tenant}/v2.0/.well-known/openid-configuration   OIDC discovery (issuer per tenant)
 *   /microsoft/{tenant}/oauth2/v2.0/authorize|token              account picker + consent, tokens
 *   /microsoft/{tenant}/discovery/v2.0/keys                      JWKS
 *   /microsoft/oidc/userinfo                                     userinfo
 *   /microsoft/graph/v1.0/...                                    Graph (/me, contactFolders, contacts, delta, $batch)
 *   /microsoft/graph/v1.0/subscriptions                          change notifications (validation handshake, delivery, lifecycle)
 *   /microsoft/outlook                                           web UI
 *   /microsoft/_admin/...                                        faults, config, revocation, delta invalidation
 */
import { randomBytes } from 'node:crypto';
import { Router, json, redirect, type SandboxRequest, type SandboxResponse } from '../lib/http';
import { FaultInjector, SlidingWindow } from '../lib/faults';
import type { Emulator, SandboxContext } from '../lib/types';
import { registerAdminApi } from './admin-api';
import { ContactStore, type ContactInput } from './contact-store';
import { DEMO_ACCOUNTS, generateContactInputs, seedDemoData } from './demo-data';
import { GraphContactsApi } from './graph-contacts-api';
import { GraphDelta } from './graph-delta';
import { GraphSubscriptions } from './graph-subscriptions';
import { handleGraphBatch } from './graph-batch';
import { GraphApiError, graphErrorResponse } from './graph-errors';
import { IdentityServer, generateSigningKey } from './identity-server';
import {
  DEFAULT_CONFIG,
  GRAPH_PREFIX,
  type ContactFolder,
  type MicrosoftAccount,
  type MicrosoftConfig,
  type MicrosoftState,
  type StoredContact,
} from './microsoft-state';
import { OutlookWebUi } from './web-ui';

export type { MicrosoftState, MicrosoftConfig, StoredContact, ContactFolder, MicrosoftAccount } from './microsoft-state';
export type { ContactInput } from './contact-store';
export { DEMO_ACCOUNTS } from './demo-data';

export type { MicrosoftEmulator } from './emulator-types';
import type { MicrosoftEmulator } from './emulator-types';

export function createMicrosoftEmulator(ctx: SandboxContext): MicrosoftEmulator {
  let state: MicrosoftState = emptyState(generateSigningKey(), { ...DEFAULT_CONFIG });
  const getState = () => state;
  const store = new ContactStore(getState, ctx.now);
  const identity = new IdentityServer(ctx, getState);
  const delta = new GraphDelta(store, getState, ctx.now);
  const graph = new GraphContactsApi(ctx, getState, store, delta);
  const subscriptions = new GraphSubscriptions(ctx, getState, store);
  store.onChange = (email, change) => subscriptions.changed(email, change);
  const webUi = new OutlookWebUi(getState, store);
  const faults = new FaultInjector();
  const inFlight = new Map<string, number>();
  let window = new SlidingWindow(state.config.requestsPer10Min, 10 * 60 * 1000);

  const seed = (keep: Pick<MicrosoftState, 'signingKey' | 'config'>) => {
    state = emptyState(keep.signingKey, keep.config);
    store.rebuildIndexes();
    seedDemoData(store, state.accounts);
  };
  seed(state);

  const router = new Router();
  router.get('/', () => redirect('/microsoft/outlook'));
  identity.register(router);
  webUi.register(router);

  const countRequest = (email: string, method: string) => {
    const counts = (state.requestCounts[email] ??= {});
    counts[method] = (counts[method] ?? 0) + 1;
  };

  const throttled = (message: string, retryAfterSeconds: number) =>
    new GraphApiError(429, 'ApplicationThrottled', message, { 'retry-after': String(Math.max(1, retryAfterSeconds)) });

  /**
   * One request to the Outlook service for `email`'s mailbox: it counts against the 10,000 per 10 minutes and
   * holds one of the 4 concurrent slots while it runs (`latencyMs` is its service time).
   */
  async function outlook(email: string, run: () => Promise<SandboxResponse> | SandboxResponse): Promise<SandboxResponse> {
    const now = ctx.now();
    const quota = window.hit(email, now);
    if (!quota.allowed) throw throttled('Application is over its MailboxRequests limit.', Math.ceil((quota.resetAt - now) / 1000));
    const running = inFlight.get(email) ?? 0;
    if (running >= state.config.maxConcurrent) throw throttled('Application is over its MailboxConcurrency limit.', 1);
    inFlight.set(email, running + 1);
    try {
      if (state.config.latencyMs > 0) await sleep(state.config.latencyMs);
      return await run();
    } finally {
      inFlight.set(email, (inFlight.get(email) ?? 1) - 1);
    }
  }

  async function handleGraph(req: Omit<SandboxRequest, 'params'>): Promise<SandboxResponse> {
    const grant = identity.authenticate(req);
    const email = grant.accountEmail;
    countRequest(email, req.method);
    const path = req.path.slice(GRAPH_PREFIX.length);
    if (req.method === 'POST' && path.toLowerCase() === '/$batch') {
      // The envelope is Graph's, not an Outlook request: each request in it meets the mailbox's limits on its
      // own (Graph dispatches up to 4 at a time; one that finds the mailbox busy answers 429 in the batch).
      const root = `${req.url.origin}${req.url.pathname.slice(0, -'/$batch'.length)}`;
      return await handleGraphBatch(req, root, async (sub) => {
        const subPath = sub.url.pathname.slice(sub.url.pathname.toLowerCase().indexOf(GRAPH_PREFIX));
        const inner = { ...sub, path: subPath };
        // Faults aimed at an endpoint apply inside a batch too.
        const fault = faults.match(inner, 'before');
        if (fault) return fault;
        try {
          const answer = await outlook(email, () => graph.handle(inner, grant, subPath.slice(GRAPH_PREFIX.length)));
          return faults.match(inner, 'after') ?? answer;
        } catch (error) {
          if (error instanceof GraphApiError) return graphErrorResponse(inner, ctx.now(), error);
          throw error;
        }
      });
    }
    if (/^\/subscriptions(\/|$)/i.test(path)) return await outlook(email, () => subscriptions.handle(req, grant, path));
    return await outlook(email, () => graph.handle(req, grant, path));
  }

  async function dispatch(req: Omit<SandboxRequest, 'params'>): Promise<SandboxResponse | null> {
    const isGraph = req.path.toLowerCase().startsWith(`${GRAPH_PREFIX}/`) || req.path.toLowerCase() === GRAPH_PREFIX;
    try {
      if (isGraph) return await handleGraph(req);
      return await router.handle(req);
    } catch (error) {
      if (!(error instanceof GraphApiError)) throw error;
      if (isGraph) return graphErrorResponse(req, ctx.now(), error);
      if (req.path.startsWith('/outlook')) return OutlookWebUi.errorPage(error);
      return json(error.status, { error: error.code, message: error.message });
    }
  }

  const adminRouter = new Router();

  const emulator: MicrosoftEmulator = {
    name: 'microsoft',
    prefix: '/microsoft',
    faults,

    async handle(req) {
      if (req.path === '/_admin' || req.path.startsWith('/_admin/')) {
        try {
          return await adminRouter.handle(req);
        } catch (error) {
          if (error instanceof GraphApiError) return json(error.status, { error: error.code, message: error.message });
          throw error;
        }
      }
      const delayMs = faults.delayFor(req);
      if (delayMs > 0) await sleep(delayMs);
      const before = faults.match(req, 'before');
      if (before) return before;
      const response = await dispatch(req);
      return faults.match(req, 'after') ?? response;
    },

    getState: () => state,
    setState(next) {
      state = { ...emptyState(state.signingKey, { ...DEFAULT_CONFIG }), ...next, config: { ...DEFAULT_CONFIG, ...next.config } };
      store.rebuildIndexes();
      window = new SlidingWindow(state.config.requestsPer10Min, 10 * 60 * 1000);
    },
    reset() {
      subscriptions.stop();
      seed({ signingKey: state.signingKey, config: { ...DEFAULT_CONFIG } });
      window = new SlidingWindow(state.config.requestsPer10Min, 10 * 60 * 1000);
      inFlight.clear();
      faults.clear();
    },

    config(patch = {}) {
      const known = Object.fromEntries(Object.entries(patch).filter(([k, v]) => k in DEFAULT_CONFIG && typeof v === 'number'));
      state.config = { ...state.config, ...known };
      if ('requestsPer10Min' in known) window = new SlidingWindow(state.config.requestsPer10Min, 10 * 60 * 1000);
      return { ...state.config };
    },
    accounts: () => Object.values(state.accounts).map((a) => ({ ...a })),
    folders(email) {
      const mailbox = store.mailbox(email);
      return Object.values(mailbox.folders).sort((a, b) => Number(!!b.isDefault) - Number(!!a.isDefault));
    },
    contacts: (email, folderId) => store.listContacts(email, folderId ?? store.mailbox(email).defaultFolderId),
    getContact: (email, id) => store.findContact(email, id),
    createContact: (email, folderId, contact) => store.createContact(email, folderId ?? store.mailbox(email).defaultFolderId, contact),
    updateContact: (email, id, patch) => store.updateContact(email, id, patch),
    deleteContact: (email, id) => store.deleteContact(email, id),
    moveContact: (email, id, folderId) => store.moveContact(email, id, folderId),
    generateContacts(email, folderId, count) {
      const folder = folderId ?? store.mailbox(email).defaultFolderId;
      const start = store.listContacts(email, folder).length;
      const seedKey = `${email}:${folder}`;
      const batch = 10_000;
      for (let offset = 0; offset < count; offset += batch) {
        for (const input of generateContactInputs(seedKey, Math.min(batch, count - offset), start + offset)) store.createContact(email, folder, input);
      }
      return count;
    },
    revokeAll: (email) => identity.revokeRefreshTokens(email),
    subscriptions: (email) => subscriptions.list(email).map((s) => ({ ...s })),
    sendLifecycleNotification: (id, event) => subscriptions.lifecycle(id, event),
    expireSubscription: (id) => subscriptions.expire(id),
    flushNotifications: () => subscriptions.flush(),
    notificationLog: () => [...subscriptions.log],
    invalidateDeltaTokens(email) {
      store.mailbox(email).deltaEpoch++;
    },
    expireAccessTokens: () => identity.expireAccessTokens(),
    requestCounts: (email) => ({ ...(state.requestCounts[email.toLowerCase()] ?? {}) }),
    issueIdToken(email, tenant = 'common', nonce) {
      return identity.idToken(state.accounts[email.toLowerCase()], ctx.app.microsoft.clientId, tenant, nonce);
    },
    summary() {
      return {
        config: state.config,
        issuer: identity.issuer('common'),
        graphBaseUrl: graph.graphBaseUrl,
        accounts: Object.values(state.accounts).map((account) => {
          const mailbox = state.mailboxes[account.email];
          return {
            ...account,
            folders: Object.values(mailbox.folders).map((f) => ({ ...f, contacts: Object.values(mailbox.contacts).filter((c) => c.folderId === f.id).length })),
            deltaEpoch: mailbox.deltaEpoch,
            requestCounts: state.requestCounts[account.email] ?? {},
            activeRefreshTokens: Object.values(state.refreshTokens).filter((t) => t.accountEmail === account.email && t.status === 'active').length,
          };
        }),
        subscriptions: subscriptions.list().map((s) => ({ ...s, clientState: s.clientState ? '(set)' : null })),
        faults: faults.list(),
      };
    },
  };
  registerAdminApi(adminRouter, emulator);
  return emulator;
}

function emptyState(signingKey: MicrosoftState['signingKey'], config: MicrosoftConfig): MicrosoftState {
  return {
    version: 1,
    config,
    signingKey,
    tokenSecret: randomBytes(24).toString('base64url'),
    accounts: {},
    mailboxes: {},
    authorizationCodes: {},
    accessTokens: {},
    refreshTokens: {},
    requestCounts: {},
    idCounter: 0,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Demo account emails, e.g. for tests and the app's sandbox docs. */
export const DEMO_ACCOUNT_EMAILS = DEMO_ACCOUNTS.map((a) => a.email);
