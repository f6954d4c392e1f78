/**
 * Teamleader Focus emulator, mounted at /teamleader:
 *   /oauth2/authorize, /oauth2/access_token      focus.teamleader.eu OAuth 2
 *   /api/<resource>.<action>                     api.focus.teamleader.eu
 *   /files-host/upload|download/<token>          the signed file-transfer host (files.teamleader.eu)
 *   /, /contacts, /companies, /marketplace       the Teamleader Focus web app (host UI)
 *   /_admin/...                                  faults, config, bulk data, state summary
 */
import { FaultInjector, type FaultRule } from '../lib/faults';
import { BadBody, json, noContent, readJson, Router, type SandboxRequest, type SandboxResponse } from '../lib/http';
import type { Emulator, SandboxContext } from '../lib/types';
import { registerFileHost } from './api-files';
import { ApiServer } from './api-server';
import { createDemoState } from './demo-data';
import { TeamleaderError } from './errors';
import { HostPages } from './host-pages';
import { OAuthServer, type TokenPair, type TokenStats } from './oauth-server';
import { TeamleaderStore } from './store';
import { defaultConfig, type Account, type ContactRecord, type CompanyRecord, type Installation, type TeamleaderConfig, type TeamleaderState, type TeamleaderUser, type Webhook } from './types';
import { WebhookDispatcher, type WebhookDelivery } from './webhooks';

export type { TeamleaderState, TeamleaderConfig, ContactRecord, CompanyRecord, Installation, TeamleaderUser, Account } from './types';
export type { TokenPair, TokenStats } from './oauth-server';
export type { WebhookDelivery } from './webhooks';
export { TeamleaderError } from './errors';
export {
  DEMO_ACCOUNT_ID,
  DEMO_ADMIN_USER_ID,
  DEMO_REGULAR_USER_ID,
  DEMO_RESTRICTED_USER_ID,
  DEMO_CUSTOM_FIELD_IDS,
} from './demo-data';

export interface TeamleaderEmulator extends Emulator<TeamleaderState> {
  name: 'teamleader';
  prefix: '/teamleader';
  faults: FaultInjector;
  /** Reads and (with a patch) changes the emulator config; returns the resulting config. */
  config(patch?: Partial<TeamleaderConfig>): TeamleaderConfig;
  accounts(): Account[];
  users(accountId: string): TeamleaderUser[];
  contacts(accountId: string): ContactRecord[];
  companies(accountId: string): CompanyRecord[];
  getContact(accountId: string, id: string): ContactRecord | undefined;
  /** `data` is a `contacts.add` body. Throws TeamleaderError (400/403/404) like the API. Fires webhooks. */
  createContact(accountId: string, data: Record<string, unknown>, options?: { userId?: string }): ContactRecord;
  /** `patch` is a `contacts.update` body without `id`. Fires webhooks. */
  updateContact(accountId: string, id: string, patch: Record<string, unknown>, options?: { userId?: string }): ContactRecord;
  deleteContact(accountId: string, id: string, options?: { userId?: string }): void;
  /** A company renamed in the Teamleader UI. Fires `company.updated` webhooks. */
  renameCompany(accountId: string, id: string, name: string, options?: { userId?: string }): CompanyRecord;
  generateContacts(accountId: string, count: number): { created: number; total: number };
  installations(): Installation[];
  /** Grants the integration without the browser flow (tests): returns a fresh token pair. */
  issueTokens(accountId: string, userId: string): TokenPair;
  /** Marketplace "Uninstall" for every active installation of this user. */
  uninstall(accountId: string, userId: string): void;
  expireAccessTokens(): void;
  tokenStats(): TokenStats;
  /** Requests received per endpoint since the last reset, e.g. `contacts.list`, `oauth2/access_token`. */
  requestCounts(): Record<string, number>;
  resetRequestCounts(): void;
  webhooks(accountId: string): Webhook[];
  webhookDeliveries(): WebhookDelivery[];
  /** Waits for every webhook delivery started so far. */
  flushWebhooks(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The counter key for a request: the API endpoint (`contacts.list`) or the path (`oauth2/access_token`). */
function endpointKey(path: string): string {
  return path.startsWith('/api/') ? path.slice(5) : path.replace(/^\//, '') || '/';
}

export function createTeamleaderEmulator(ctx: SandboxContext): TeamleaderEmulator {
  const faults = new FaultInjector();
  // The store reports changes; the dispatcher (created right after) turns them into webhook deliveries.
  const store = new TeamleaderStore(ctx, (event) => dispatcher.dispatch(event));
  const dispatcher = new WebhookDispatcher(ctx, store);
  const oauth = new OAuthServer(ctx, store);
  const api = new ApiServer(ctx, store, oauth);
  let requestCounts: Record<string, number> = {};

  const router = new Router();
  oauth.register(router);
  api.register(router);
  registerFileHost(router, ctx, store);
  new HostPages(ctx, store, oauth).register(router);

  const admin = new Router();
  admin.post('/_admin/faults', (req) => {
    const rule = readJson<FaultRule>(req);
    if (!rule || typeof rule.status !== 'number') return json(400, { errors: [{ title: 'A fault rule needs a numeric status' }] });
    return json(201, { id: faults.add(rule) });
  });
  admin.get('/_admin/faults', () => json(200, { faults: faults.list() }));
  admin.delete('/_admin/faults', () => {
    faults.clear();
    return noContent();
  });
  admin.post('/_admin/config', (req) => json(200, emulator.config(readJson<Partial<TeamleaderConfig>>(req) ?? {})));
  admin.get('/_admin/config', () => json(200, emulator.config()));
  admin.post('/_admin/accounts/:id/generate-contacts', (req) => {
    const { count } = readJson<{ count?: number }>(req) ?? {};
    return json(200, store.generateContacts(req.params.id, Number(count ?? 0)));
  });
  admin.post('/_admin/expire-access-tokens', () => {
    oauth.expireAccessTokens();
    return noContent();
  });
  admin.get('/_admin/state/summary', () =>
    json(200, {
      accounts: store.state.accounts.map((a) => ({
        id: a.id,
        name: a.name,
        users: store.usersOf(a.id).map((u) => ({ id: u.id, name: `${u.first_name} ${u.last_name}`, role: u.role, can_add_contacts: u.can_add_contacts })),
        contacts: store.contactsOf(a.id).length,
        companies: store.companiesOf(a.id).length,
        customFieldDefinitions: store.definitionsOf(a.id).length,
        webhooks: store.webhooksOf(a.id),
      })),
      installations: store.state.installations,
      config: store.state.config,
      tokenStats: oauth.tokenStats(),
      requestCounts,
      faults: faults.list(),
      webhookDeliveries: dispatcher.deliveries().slice(-20),
    }),
  );
  admin.get('/_admin/webhook-deliveries', () => json(200, { deliveries: dispatcher.deliveries() }));

  async function handleAdmin(req: Omit<SandboxRequest, 'params'>): Promise<SandboxResponse | null> {
    try {
      return await admin.handle(req);
    } catch (error) {
      if (error instanceof TeamleaderError || error instanceof BadBody) return json(error instanceof TeamleaderError ? error.status : 400, { errors: [{ title: error.message }] });
      throw error;
    }
  }

  const resetRuntime = () => {
    faults.clear();
    api.resetRateLimits();
    oauth.resetStats();
    dispatcher.clear();
    requestCounts = {};
  };

  const emulator: TeamleaderEmulator = {
    name: 'teamleader',
    prefix: '/teamleader',
    faults,

    async handle(req) {
      if (req.path.startsWith('/_admin/')) return handleAdmin(req);
      const key = endpointKey(req.path);
      requestCounts[key] = (requestCounts[key] ?? 0) + 1;
      const delay = faults.delayFor(req);
      if (delay) await sleep(delay);
      const before = faults.match(req, 'before');
      if (before) return before;
      const response = await router.handle(req);
      return faults.match(req, 'after') ?? response;
    },
    getState: () => store.state,
    setState(state) {
      if (state?.version !== 1) return;
      store.replaceState({ ...createDemoState(), ...state, config: { ...defaultConfig(), ...state.config } });
    },
    reset() {
      store.replaceState(createDemoState());
      resetRuntime();
    },

    config(patch = {}) {
      const allowed = Object.keys(store.state.config) as (keyof TeamleaderConfig)[];
      for (const [key, value] of Object.entries(patch)) {
        if (allowed.includes(key as keyof TeamleaderConfig) && value !== undefined) {
          (store.state.config as Record<string, unknown>)[key] = value;
        }
      }
      return { ...store.state.config };
    },
    accounts: () => store.state.accounts.map((a) => ({ ...a })),
    users: (accountId) => store.usersOf(accountId),
    contacts: (accountId) => store.contactsOf(accountId),
    companies: (accountId) => store.companiesOf(accountId),
    getContact: (accountId, id) => store.getContact(accountId, id),
    createContact: (accountId, data, options) => store.createContact(accountId, data, options?.userId ?? null),
    updateContact: (accountId, id, patch, options) => store.updateContact(accountId, id, patch, options?.userId ?? null),
    renameCompany: (accountId, id, name, options) => store.renameCompany(accountId, id, name, options?.userId ?? null),
    deleteContact: (accountId, id, options) => store.deleteContact(accountId, id, options?.userId ?? null),
    generateContacts: (accountId, count) => store.generateContacts(accountId, count),
    installations: () => store.state.installations.map((i) => ({ ...i })),
    issueTokens(accountId, userId) {
      const user = store.user(userId);
      if (!user || user.account_id !== accountId) throw new TeamleaderError(404, `User ${userId} not found in account ${accountId}`);
      return oauth.issueTokens(oauth.installFor(accountId, userId, ctx.app.teamleader.clientId).id);
    },
    uninstall(accountId, userId) {
      for (const i of store.state.installations) {
        if (i.account_id === accountId && i.user_id === userId && !i.uninstalled_at) oauth.uninstall(i.id);
      }
    },
    expireAccessTokens: () => oauth.expireAccessTokens(),
    tokenStats: () => oauth.tokenStats(),
    requestCounts: () => ({ ...requestCounts }),
    resetRequestCounts: () => {
      requestCounts = {};
    },
    webhooks: (accountId) => store.webhooksOf(accountId),
    webhookDeliveries: () => dispatcher.deliveries(),
    flushWebhooks: () => dispatcher.flush(),
  };
  return emulator;
}
