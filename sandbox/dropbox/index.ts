/**
 * Dropbox emulator, mounted at `/dropbox` on the sandbox server. Dropbox uses several hosts; each gets
 * its own path prefix, so the app's custom `fetch` only swaps the origin (configuration, lib/env.ts):
 *
 *   https://www.dropbox.com/oauth2/authorize        → /dropbox/oauth2/authorize    (consent page)
 *   https://api.dropboxapi.com/oauth2/token         → /dropbox/api/oauth2/token
 *   https://api.dropboxapi.com/2/<route>            → /dropbox/api/2/<route>       (RPC)
 *   https://content.dropboxapi.com/2/<route>        → /dropbox/content/2/<route>   (upload/download)
 *   https://notify.dropboxapi.com/2/<route>         → /dropbox/notify/2/<route>    (longpoll, no auth)
 *   /dropbox/home                                    web UI (each account's Apps/<app folder>)
 *   /dropbox/_admin/...                              faults, config, tokens, cursors, webhook
 */
import { randomBytes } from 'node:crypto';
import { Router, escapeHtml, redirect, type SandboxRequest, type SandboxResponse } from '../lib/http';
import { FaultInjector, type FaultRule } from '../lib/faults';
import type { Emulator, SandboxContext } from '../lib/types';
import { registerAdminApi } from './admin-api';
import { DropboxApiError, toResponse } from './api-errors';
import { DEMO_ACCOUNTS } from './demo-data';
import { DEFAULT_CONFIG, type DropboxAccount, type DropboxConfig, type DropboxState, type StoredEntry, type WebhookDelivery } from './dropbox-state';
import { DropboxFilesApi, fileMetadata } from './files-api';
import { FileStore, StoreFailure } from './file-store';
import { DropboxOAuthServer } from './oauth-server';
import { DropboxSharingApi } from './sharing-api';
import { WebhookNotifier } from './webhooks';
import { DropboxWebUi } from './web-ui';

export type { DropboxState, DropboxConfig, DropboxAccount, StoredEntry, WebhookDelivery } from './dropbox-state';
export { DEMO_ACCOUNTS } from './demo-data';
export { contentHash } from './content-hash';
export { webhookSignature } from './webhooks';

export type { DropboxEmulator } from './emulator-types';
import type { DropboxEmulator } from './emulator-types';

export function createDropboxEmulator(ctx: SandboxContext): DropboxEmulator {
  let state: DropboxState = emptyState({ ...DEFAULT_CONFIG }, ctx.app.dropbox.webhookUrl);
  const getState = () => state;
  const store = new FileStore(getState, ctx.now);
  const oauth = new DropboxOAuthServer(ctx, getState, page);
  const api = new DropboxFilesApi(getState, store, oauth, ctx.now);
  const sharing = new DropboxSharingApi(getState, store, ctx.now);
  sharing.register(api);
  const webhooks = new WebhookNotifier(ctx, getState);
  const faults = new FaultInjector();
  const requestLog: string[] = [];
  store.onChange((accountId) => webhooks.accountChanged(accountId));

  const seed = (config: DropboxConfig) => {
    state = emptyState(config, ctx.app.dropbox.webhookUrl);
    store.rebuildIndexes();
    for (const account of DEMO_ACCOUNTS) {
      state.accounts[account.accountId] = { ...account };
      store.createNamespace(account.accountId);
    }
  };
  seed({ ...DEFAULT_CONFIG });

  const findAccount = (key: string): DropboxAccount => {
    const account = Object.values(state.accounts).find((a) => a.accountId === key || a.email === key.toLowerCase());
    if (!account) throw new Error(`Unknown Dropbox account ${key}`);
    return account;
  };
  const unlink = (accountId: string) => oauth.revokeAccount(accountId);

  const router = new Router();
  router.get('/', () => redirect('/dropbox/home'));
  router.get('/oauth2/authorize', (req) => oauth.authorizePage(req));
  router.post('/oauth2/authorize', (req) => oauth.authorizeDecision(req));
  router.post('/api/oauth2/token', (req) => {
    oauth.pruneExpired();
    return oauth.token(req);
  });
  const webUi = new DropboxWebUi(ctx, getState, store, unlink);
  webUi.register(router);

  const API_PATH = /^\/(api|content|notify)\/2\/(.+)$/;

  async function dispatch(req: Omit<SandboxRequest, 'params'>): Promise<SandboxResponse | null> {
    const match = API_PATH.exec(req.path);
    try {
      if (match) return await api.handle(match[1] as 'api' | 'content' | 'notify', match[2], req);
      return await router.handle(req);
    } catch (error) {
      if (error instanceof DropboxApiError) return toResponse(error);
      if (error instanceof StoreFailure && req.path.startsWith('/home')) return DropboxWebUi.errorPage(error);
      if (error instanceof Error && /^Unknown Dropbox account/.test(error.message) && req.path.startsWith('/home')) return DropboxWebUi.errorPage(new StoreFailure('lookup', { '.tag': 'not_found' }));
      throw error;
    }
  }

  const adminRouter = new Router();

  const emulator: DropboxEmulator = {
    name: 'dropbox',
    prefix: '/dropbox',
    faults,

    async handle(req) {
      if (req.path === '/_admin' || req.path.startsWith('/_admin/')) return adminRouter.handle(req);
      if (API_PATH.test(req.path)) {
        requestLog.push(`${req.method} ${req.path}`);
        if (requestLog.length > 1000) requestLog.splice(0, requestLog.length - 1000);
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
      state = { ...emptyState({ ...DEFAULT_CONFIG }, ctx.app.dropbox.webhookUrl), ...next, config: { ...DEFAULT_CONFIG, ...next.config } };
      store.rebuildIndexes();
      api.resetRuntime();
    },
    reset() {
      webhooks.stop();
      faults.clear();
      seed({ ...DEFAULT_CONFIG });
      api.resetRuntime();
      sharing.reset();
      webhooks.log.length = 0;
      requestLog.length = 0;
    },

    config(patch = {}) {
      const known = Object.fromEntries(Object.entries(patch).filter(([k, v]) => k in DEFAULT_CONFIG && typeof v === typeof DEFAULT_CONFIG[k as keyof DropboxConfig]));
      state.config = { ...state.config, ...known };
      api.configChanged();
      return { ...state.config };
    },
    accounts: () => Object.values(state.accounts).map((a) => ({ ...a })),
    account: (key) => ({ ...findAccount(key) }),
    entries: (key) => store.listUnder(findAccount(key).accountId, '', true),
    entry(key, pathOrId) {
      const accountId = findAccount(key).accountId;
      try {
        return store.lookup(accountId, pathOrId);
      } catch (error) {
        if (error instanceof StoreFailure) return undefined;
        throw error;
      }
    },
    fileBytes(key, pathOrId) {
      return store.content(store.lookup(findAccount(key).accountId, pathOrId));
    },
    writeFile(key, path, bytes, mode = 'overwrite') {
      const entry = store.commitFile(findAccount(key).accountId, path, bytes, { mode: { kind: mode }, autorename: mode === 'add', strictConflict: false });
      return fileMetadata(entry, false);
    },
    createFolder: (key, path) => store.createFolder(findAccount(key).accountId, path, false),
    rename(key, pathOrId, newName) {
      const accountId = findAccount(key).accountId;
      return store.rename(accountId, store.lookup(accountId, pathOrId).id, newName);
    },
    move: (key, pathOrId, toPath) => store.move(findAccount(key).accountId, pathOrId, toPath, false),
    deleteEntry(key, pathOrId) {
      store.delete(findAccount(key).accountId, pathOrId);
    },
    issueTokens(key, scope) {
      const account = findAccount(key);
      return { ...oauth.issueTokens(account, scope), accountId: account.accountId };
    },
    sharedFolders: (key) => sharing.sharedFolders(findAccount(key).accountId),
    unlink: (key) => unlink(findAccount(key).accountId),
    expireAccessTokens: () => oauth.expireAccessTokens(),
    resetCursors(key) {
      store.namespace(findAccount(key).accountId).cursorEpoch++;
      api.resetRuntime();
    },
    rateLimit(reason, options = {}) {
      const retryAfter = options.retryAfterSeconds ?? state.config.retryAfterSeconds;
      const rule: FaultRule = {
        path: options.path ?? '^/(api|content)/2/',
        status: 429,
        times: options.times ?? 1,
        headers: { 'retry-after': String(retryAfter), 'content-type': 'application/json' },
        body: { error_summary: `${reason}/..`, error: { reason: { '.tag': reason }, retry_after: retryAfter } },
      };
      return faults.add(rule);
    },
    webhookUrl: () => state.webhookUrl,
    async registerWebhook(url) {
      const result = await webhooks.verify(url);
      if (result.ok) state.webhookUrl = url;
      return result;
    },
    webhookDeliveries: () => webhooks.log.map((d) => ({ ...d })),
    flushWebhooks: () => webhooks.flush(),
    requests: () => [...requestLog],
    summary() {
      return {
        config: state.config,
        appFolder: `Apps/${ctx.app.dropbox.appFolderName}`,
        webhookUrl: state.webhookUrl,
        accounts: Object.values(state.accounts).map((account) => ({
          ...account,
          linked: !!state.linked[account.accountId],
          entries: Object.keys(state.namespaces[account.accountId]?.entries ?? {}).length,
          usedBytes: store.usedBytes(account.accountId),
          changeSeq: state.namespaces[account.accountId]?.seq ?? 0,
          activeRefreshTokens: Object.values(state.refreshTokens).filter((t) => t.accountId === account.accountId && !t.revoked).length,
        })),
        faults: faults.list(),
        webhookDeliveries: webhooks.log.slice(-20),
      };
    },
  };
  registerAdminApi(adminRouter, emulator);
  return emulator;
}

function emptyState(config: DropboxConfig, webhookUrl: string): DropboxState {
  return {
    version: 1,
    webhookUrl,
    config,
    cursorSecret: randomBytes(24).toString('base64url'),
    accounts: {},
    namespaces: {},
    linked: {},
    authorizationCodes: {},
    accessTokens: {},
    refreshTokens: {},
    idCounter: 0,
  };
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} | Dropbox (sandbox)</title>
<style>body{font-family:system-ui,sans-serif;background:#f7f5f2;margin:0;color:#1e1919}
main{background:#fff;max-width:480px;margin:48px auto;padding:36px;border-radius:10px;box-shadow:0 2px 8px rgba(0,0,0,.12)}
.logo{color:#0061fe;font-weight:700;font-size:20px;margin-bottom:12px}h1{font-size:22px;margin:0 0 12px}h2{font-size:15px;margin:18px 0 8px}
.account{display:flex;gap:12px;align-items:center;padding:10px;border:1px solid #e0ddd8;border-radius:8px;margin:6px 0;cursor:pointer}
.avatar{width:34px;height:34px;border-radius:50%;background:#0061fe;color:#fff;display:grid;place-items:center;font-weight:600}
ul{padding-left:20px}.fine{font-size:12px;color:#6b6560}.error{color:#c22}.code{font-family:monospace;font-size:18px;background:#f1efec;padding:10px;border-radius:6px;word-break:break-all}
.buttons{display:flex;gap:8px;justify-content:flex-end;margin-top:20px}
button{padding:8px 22px;border:0;border-radius:6px;background:#0061fe;color:#fff;font-size:15px;cursor:pointer}button.secondary{background:#e0ddd8;color:#1e1919}</style></head>
<body><main><div class="logo">◆ Dropbox</div><h1>${escapeHtml(title)}</h1>${body}<p class="fine">Dropbox — Synclane sandbox emulator</p></main></body></html>`;
}

