/**
 * Dropbox API v2 on its three hosts (providers.md §1.1, §1.6): RPC routes on api.dropboxapi.com (JSON
 * body), content-upload/-download routes on content.dropboxapi.com (`Dropbox-API-Arg` header or `arg`
 * URL parameter, `Dropbox-API-Result` response header), longpoll on notify.dropboxapi.com (no auth).
 * Mounted as `/api/2/…`, `/content/2/…` and `/notify/2/…` under the emulator prefix.
 */
import { randomBytes } from 'node:crypto';
import type { SandboxRequest, SandboxResponse } from '../lib/http';
import { SlidingWindow } from '../lib/faults';
import { DropboxApiError, badInput, rateLimited, routeError, type Union } from './api-errors';
import { contentHash } from './content-hash';
import { decodeCursor, encodeCursor, type CursorData } from './cursors';
import {
  CONCURRENT_CHUNK_BYTES,
  MAX_REQUEST_BYTES,
  MAX_SESSION_BYTES,
  UPLOAD_SESSION_TTL_MS,
  type AccessTokenGrant,
  type DropboxAccount,
  type DropboxState,
  type StoredEntry,
  type UploadSession,
} from './dropbox-state';
import { FileStore, StoreFailure, parentOf, type CommitOptions, type WriteMode } from './file-store';
import type { DropboxOAuthServer } from './oauth-server';

type Host = 'api' | 'content' | 'notify';
type Style = 'rpc' | 'upload' | 'download';
export type Call = { route: string; arg: Record<string, unknown>; body: Buffer; account: DropboxAccount; grant: AccessTokenGrant & { token: string }; req: Omit<SandboxRequest, 'params'> };
export type RouteSpec = { host: Host; style: Style; auth: 'user' | 'noauth'; scope?: string; write?: boolean; voidArg?: boolean; handler: (call: Call) => unknown };

/** Header JSON must be ASCII: every char U+007F–U+FFFF becomes \uXXXX (the SDK does the same). */
export function httpHeaderSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function fileMetadata(entry: StoredEntry, tagged: boolean): Record<string, unknown> {
  return {
    ...(tagged ? { '.tag': 'file' } : {}),
    name: entry.name,
    path_lower: entry.pathLower,
    path_display: entry.pathDisplay,
    id: entry.id,
    client_modified: entry.clientModified,
    server_modified: entry.serverModified,
    rev: entry.rev,
    size: entry.size,
    is_downloadable: true,
    content_hash: entry.contentHash,
  };
}

export function folderMetadata(entry: StoredEntry, tagged: boolean): Record<string, unknown> {
  return { ...(tagged ? { '.tag': 'folder' } : {}), name: entry.name, path_lower: entry.pathLower, path_display: entry.pathDisplay, id: entry.id };
}

export function metadata(entry: StoredEntry): Record<string, unknown> {
  return entry.kind === 'file' ? fileMetadata(entry, true) : folderMetadata(entry, true);
}

export class DropboxFilesApi {
  private readonly routes = new Map<string, RouteSpec>();
  private readonly sessions = new Map<string, UploadSession>();
  private readonly writeLocks = new Set<string>();
  private readonly waiters = new Set<{ accountId: string; wake: () => void }>();
  private window: SlidingWindow;

  constructor(
    private readonly state: () => DropboxState,
    private readonly store: FileStore,
    private readonly oauth: DropboxOAuthServer,
    private readonly now: () => number,
  ) {
    this.window = new SlidingWindow(Math.max(1, state().config.requestsPerMinute), 60_000);
    store.onChange((accountId) => {
      for (const waiter of [...this.waiters]) if (waiter.accountId === accountId) waiter.wake();
    });
    this.defineRoutes();
  }

  /** More route families (sharing-api.ts) plug in here; they share auth, rate limits and error answers. */
  defineRoute(route: string, spec: RouteSpec): void {
    this.routes.set(route, spec);
  }

  resetRuntime(): void {
    this.sessions.clear();
    this.writeLocks.clear();
    this.window = new SlidingWindow(Math.max(1, this.state().config.requestsPerMinute), 60_000);
    for (const waiter of [...this.waiters]) waiter.wake();
  }

  configChanged(): void {
    this.window = new SlidingWindow(Math.max(1, this.state().config.requestsPerMinute), 60_000);
  }

  async handle(host: Host, route: string, req: Omit<SandboxRequest, 'params'>): Promise<SandboxResponse> {
    const spec = this.routes.get(route);
    if (!spec) return { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: `Unknown API function: "${route}"` };
    if (spec.host !== host) throw badInput(route, `This endpoint is only available on the ${spec.host}.dropboxapi.com host.`);
    if (req.method !== 'POST' && !(spec.style === 'download' && req.method === 'GET')) throw badInput(route, `Only POST is allowed${spec.style === 'download' ? ' (or GET)' : ''}.`);
    const arg = this.parseArg(route, spec, req);
    if (spec.auth === 'noauth') return this.respond(spec, await spec.handler({ route, arg, body: req.body, req } as Call));

    const grant = this.oauth.authenticate(req);
    if (spec.scope && !grant.scope.split(' ').includes(spec.scope)) {
      throw new DropboxApiError(401, { json: { error_summary: 'missing_scope/..', error: { '.tag': 'missing_scope', required_scope: spec.scope } } });
    }
    const config = this.state().config;
    if (config.requestsPerMinute > 0 && !this.window.hit(grant.token, this.now()).allowed) throw rateLimited('too_many_requests', config.retryAfterSeconds);
    const account = this.state().accounts[grant.accountId];
    const call: Call = { route, arg, body: req.body, account, grant, req };
    if (!spec.write) return this.respond(spec, await spec.handler(call));

    // Writes to one account serialise on its namespace lock; contention → too_many_write_operations.
    if (this.writeLocks.has(account.accountId)) throw rateLimited('too_many_write_operations', config.retryAfterSeconds);
    this.writeLocks.add(account.accountId);
    try {
      if (config.writeLockMs > 0) await sleep(config.writeLockMs);
      return this.respond(spec, await spec.handler(call));
    } finally {
      this.writeLocks.delete(account.accountId);
    }
  }

  private respond(spec: RouteSpec, result: unknown): SandboxResponse {
    if (isResponse(result)) return result;
    return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(result ?? null) };
  }

  private parseArg(route: string, spec: RouteSpec, req: Omit<SandboxRequest, 'params'>): Record<string, unknown> {
    if (spec.style === 'rpc') {
      if (spec.voidArg) {
        if (req.body.length && req.body.toString('utf8').trim() !== 'null') throw badInput(route, 'request body: This function takes no arguments (send no body or "null").');
        return {};
      }
      const type = String(req.headers['content-type'] ?? '').toLowerCase();
      if (!type.startsWith('application/json') && !type.startsWith('text/plain; charset=dropbox-cors-hack')) {
        throw badInput(route, `Bad HTTP "Content-Type" header: "${type}".  Expecting one of "application/json", "application/json; charset=utf-8", "text/plain; charset=dropbox-cors-hack".`);
      }
      return parseJsonArg(route, req.body.toString('utf8'), 'request body');
    }
    const header = req.headers['dropbox-api-arg'];
    const raw = typeof header === 'string' ? header : req.url.searchParams.get('arg');
    if (raw === null || raw === undefined) throw badInput(route, 'Must provide HTTP header "Dropbox-API-Arg" or URL parameter "arg".');
    if (typeof header === 'string' && /[^\u0000-\u007e]/.test(header)) throw badInput(route, 'HTTP header "Dropbox-API-Arg": could not decode input as JSON');
    if (spec.style === 'upload') {
      const type = String(req.headers['content-type'] ?? '').toLowerCase();
      if (type && !type.startsWith('application/octet-stream') && !type.startsWith('text/plain; charset=dropbox-cors-hack')) {
        throw badInput(route, `Bad HTTP "Content-Type" header: "${type}".  Expecting one of "application/octet-stream", "text/plain; charset=dropbox-cors-hack".`);
      }
    }
    return parseJsonArg(route, raw, 'HTTP header "Dropbox-API-Arg"');
  }

  // ---- routes --------------------------------------------------------------------------------------

  private defineRoutes(): void {
    const rpc = (route: string, scope: string, handler: RouteSpec['handler'], extra: Partial<RouteSpec> = {}) =>
      this.routes.set(route, { host: 'api', style: 'rpc', auth: 'user', scope, handler, ...extra });

    rpc('files/list_folder', 'files.metadata.read', (c) => this.listFolder(c));
    rpc('files/list_folder/continue', 'files.metadata.read', (c) => this.listFolderContinue(c));
    rpc('files/list_folder/get_latest_cursor', 'files.metadata.read', (c) => ({ cursor: this.startCursor(c, true) }));
    rpc('files/get_metadata', 'files.metadata.read', (c) => this.getMetadata(c));
    rpc('files/create_folder_v2', 'files.content.write', (c) => this.createFolder(c), { write: true });
    rpc('files/move_v2', 'files.content.write', (c) => this.move(c), { write: true });
    rpc('files/delete_v2', 'files.content.write', (c) => this.deleteEntry(c), { write: true });
    rpc('users/get_current_account', 'account_info.read', (c) => this.currentAccount(c.account), { voidArg: true });
    rpc('users/get_space_usage', 'account_info.read', (c) => ({ used: this.store.usedBytes(c.account.accountId), allocation: { '.tag': 'individual', allocated: c.account.quotaBytes } }), { voidArg: true });
    rpc('auth/token/revoke', '', (c) => {
      this.oauth.revoke(c.grant.token);
      return null;
    }, { voidArg: true, scope: undefined });

    const content = (route: string, style: Style, scope: string, handler: RouteSpec['handler'], write = false) =>
      this.routes.set(route, { host: 'content', style, auth: 'user', scope, handler, write });
    content('files/upload', 'upload', 'files.content.write', (c) => this.upload(c), true);
    content('files/upload_session/start', 'upload', 'files.content.write', (c) => this.sessionStart(c));
    content('files/upload_session/append_v2', 'upload', 'files.content.write', (c) => this.sessionAppend(c));
    content('files/upload_session/finish', 'upload', 'files.content.write', (c) => this.sessionFinish(c), true);
    content('files/download', 'download', 'files.content.read', (c) => this.download(c));

    this.routes.set('files/list_folder/longpoll', { host: 'notify', style: 'rpc', auth: 'noauth', handler: (c) => this.longpoll(c) });
  }

  private currentAccount(account: DropboxAccount) {
    return {
      account_id: account.accountId,
      name: {
        given_name: account.givenName,
        surname: account.surname,
        familiar_name: account.givenName,
        display_name: account.displayName,
        abbreviated_name: `${account.givenName[0] ?? ''}${account.surname[0] ?? ''}`,
      },
      email: account.email,
      email_verified: true,
      disabled: false,
      country: account.country,
      locale: account.locale,
      referral_link: `https://www.dropbox.com/referrals/${account.uid}`,
      is_paired: false,
      account_type: { '.tag': 'basic' },
      root_info: { '.tag': 'user', root_namespace_id: account.uid, home_namespace_id: account.uid },
    };
  }

  // ---- listing -------------------------------------------------------------------------------------

  /** Resolves the folder a listing is about: "" (app-folder root), a path or `id:`. */
  private listRoot(call: Call, raw: unknown, wrap: (u: Union) => Union): StoredEntry | null {
    const path = stringArg(call.route, raw, 'path');
    if (path === '/') throw badInput(call.route, 'request body: path: Specify the root folder as an empty string rather than as "/".');
    if (path === '') return null;
    const entry = this.lookupOrThrow(call.account.accountId, path, wrap);
    if (entry.kind !== 'folder') throw routeError(wrap({ '.tag': 'not_folder' }));
    return entry;
  }

  private startCursor(call: Call, latest: boolean, limit?: number): string {
    const wrap = (u: Union): Union => ({ '.tag': 'path', path: u });
    const root = this.listRoot(call, call.arg.path ?? '', wrap);
    const ns = this.store.namespace(call.account.accountId);
    const data: CursorData = {
      a: call.account.accountId,
      r: root?.id ?? '',
      rec: boolArg(call.route, call.arg.recursive, 'recursive', false),
      del: boolArg(call.route, call.arg.include_deleted, 'include_deleted', false),
      s: ns.seq,
      e: ns.cursorEpoch,
      ...(latest ? {} : { after: '', ...(limit ? { limit } : {}) }),
    };
    return encodeCursor(this.state().cursorSecret, data);
  }

  private listFolder(call: Call) {
    const limit = call.arg.limit === undefined ? undefined : numberArg(call.route, call.arg.limit, 'limit', 1, 2000);
    const cursor = this.startCursor(call, false, limit);
    return this.page(call, decodeCursor(this.state().cursorSecret, cursor)!);
  }

  private listFolderContinue(call: Call) {
    const data = this.readCursor(call.route, call.arg.cursor, call.account.accountId);
    return this.page(call, data);
  }

  /** Unknown, foreign or invalidated cursors answer 409 `reset` (start over with list_folder). */
  private readCursor(route: string, raw: unknown, accountId: string | null): CursorData {
    if (typeof raw !== 'string' || !raw) throw badInput(route, 'request body: cursor: expected string');
    const data = decodeCursor(this.state().cursorSecret, raw);
    const ns = data ? this.state().namespaces[data.a] : undefined;
    if (!data || !ns || (accountId !== null && data.a !== accountId) || data.e !== ns.cursorEpoch) throw routeError({ '.tag': 'reset' });
    return data;
  }

  private cursorRoot(data: CursorData): StoredEntry | null {
    if (!data.r) return null;
    const root = this.store.getById(data.a, data.r);
    if (!root) throw routeError({ '.tag': 'path', path: { '.tag': 'not_found' } });
    return root;
  }

  private page(call: Call, data: CursorData) {
    const root = this.cursorRoot(data);
    const rootLower = root?.pathLower ?? '';
    const limit = data.limit ?? 2000;
    const secret = this.state().cursorSecret;
    if (data.after !== undefined) {
      // Listing phase: the folder itself first (recursive listings of a sub-folder include it), then entries by path.
      type Row = { pathLower: string; body: Record<string, unknown> };
      const live: Row[] = this.store.listUnder(data.a, rootLower, data.rec).map((e) => ({ pathLower: e.pathLower, body: metadata(e) }));
      // include_deleted: what used to be here and is gone now (from the change log).
      const gone: Row[] = data.del ? this.deletedUnder(data.a, rootLower, data.rec) : [];
      const all = [...live, ...gone].sort((a, b) => (a.pathLower < b.pathLower ? -1 : a.pathLower > b.pathLower ? 1 : 0));
      const withRoot = root && data.rec ? [{ pathLower: root.pathLower, body: metadata(root) }, ...all] : all;
      const rest = data.after === '' ? withRoot : withRoot.filter((e) => e.pathLower > data.after!);
      const slice = rest.slice(0, limit);
      const hasMore = rest.length > slice.length;
      const next: CursorData = hasMore ? { ...data, after: slice[slice.length - 1].pathLower } : { ...data, after: undefined };
      if (!hasMore) delete next.after;
      return { entries: slice.map((r) => r.body), cursor: encodeCursor(secret, next), has_more: hasMore };
    }
    // Change phase: replay the log since the cursor, one result per path (its latest state).
    const ns = this.store.namespace(data.a);
    const inScope = (pathLower: string) =>
      (data.rec ? pathLower.startsWith(`${rootLower}/`) || pathLower === rootLower : parentOf(pathLower) === rootLower) && pathLower !== '';
    const latest = new Map<string, { seq: number; pathDisplay: string; name: string }>();
    for (const change of ns.changes) {
      if (change.seq <= data.s || !inScope(change.pathLower)) continue;
      latest.delete(change.pathLower);
      latest.set(change.pathLower, change);
    }
    const ordered = [...latest.entries()].sort((a, b) => a[1].seq - b[1].seq);
    const slice = ordered.slice(0, limit);
    const hasMore = ordered.length > slice.length;
    const entries = slice.map(([pathLower, change]) => {
      const current = this.store.get(data.a, pathLower);
      return current ? metadata(current) : { '.tag': 'deleted', name: change.name, path_lower: pathLower, path_display: change.pathDisplay };
    });
    const seq = hasMore ? slice[slice.length - 1][1].seq : ns.seq;
    return { entries, cursor: encodeCursor(secret, { ...data, s: seq }), has_more: hasMore };
  }

  /** DeletedMetadata for every logged path under the folder that no longer holds anything. */
  private deletedUnder(accountId: string, rootLower: string, recursive: boolean): { pathLower: string; body: Record<string, unknown> }[] {
    const latest = new Map<string, { pathDisplay: string; name: string }>();
    for (const change of this.store.namespace(accountId).changes) {
      const inScope = recursive ? change.pathLower.startsWith(`${rootLower}/`) : parentOf(change.pathLower) === rootLower;
      if (inScope) latest.set(change.pathLower, change);
    }
    return [...latest.entries()]
      .filter(([pathLower]) => !this.store.get(accountId, pathLower))
      .map(([pathLower, change]) => ({ pathLower, body: { '.tag': 'deleted', name: change.name, path_lower: pathLower, path_display: change.pathDisplay } }));
  }

  private async longpoll(call: Call) {
    const timeout = call.arg.timeout === undefined ? 30 : numberArg(call.route, call.arg.timeout, 'timeout', 30, 480);
    const data = this.readCursor(call.route, call.arg.cursor, null);
    const pending = () => {
      if (data.after !== undefined) return true;
      const root = data.r ? this.store.getById(data.a, data.r) : null;
      if (data.r && !root) return true;
      const rootLower = root?.pathLower ?? '';
      return this.store
        .namespace(data.a)
        .changes.some((c) => c.seq > data.s && (data.rec ? c.pathLower.startsWith(`${rootLower}/`) : parentOf(c.pathLower) === rootLower));
    };
    if (pending()) return { changes: true };
    const waitMs = Math.min(timeout * 1000, this.state().config.longpollMaxWaitMs);
    const changes = await new Promise<boolean>((resolve) => {
      const waiter = {
        accountId: data.a,
        wake: () => {
          if (!pending() && this.state().namespaces[data.a]?.cursorEpoch === data.e) return;
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(true);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        resolve(false);
      }, waitMs);
      timer.unref?.();
      this.waiters.add(waiter);
    });
    return { changes };
  }

  // ---- metadata and writes -------------------------------------------------------------------------

  private lookupOrThrow(accountId: string, raw: string, wrap: (u: Union) => Union): StoredEntry {
    try {
      return this.store.lookup(accountId, raw);
    } catch (error) {
      if (error instanceof StoreFailure) throw routeError(wrap(error.union));
      throw error;
    }
  }

  private getMetadata(call: Call) {
    const path = stringArg(call.route, call.arg.path, 'path');
    if (path === '') throw badInput(call.route, 'request body: path: The root folder is unsupported.');
    const wrap = (u: Union): Union => ({ '.tag': 'path', path: u });
    try {
      return metadata(this.lookupOrThrow(call.account.accountId, path, wrap));
    } catch (error) {
      // include_deleted: a path that once held something answers DeletedMetadata instead of not_found.
      if (!(error instanceof DropboxApiError) || call.arg.include_deleted !== true || path.startsWith('id:')) throw error;
      const lower = path.toLowerCase();
      const change = [...this.store.namespace(call.account.accountId).changes].reverse().find((c) => c.pathLower === lower);
      if (!change) throw error;
      return { '.tag': 'deleted', name: change.name, path_lower: lower, path_display: change.pathDisplay };
    }
  }

  private createFolder(call: Call) {
    const path = stringArg(call.route, call.arg.path, 'path');
    const entry = this.writeOrThrow(() => this.store.createFolder(call.account.accountId, path, boolArg(call.route, call.arg.autorename, 'autorename', false)), (u) => ({ '.tag': 'path', path: u }));
    return { metadata: folderMetadata(entry, false) };
  }

  private move(call: Call) {
    const from = stringArg(call.route, call.arg.from_path, 'from_path');
    const to = stringArg(call.route, call.arg.to_path, 'to_path');
    try {
      return { metadata: metadata(this.store.move(call.account.accountId, from, to, boolArg(call.route, call.arg.autorename, 'autorename', false))) };
    } catch (error) {
      if (error instanceof StoreFailure) throw routeError(error.union);
      throw error;
    }
  }

  private deleteEntry(call: Call) {
    const path = stringArg(call.route, call.arg.path, 'path');
    const parentRev = call.arg.parent_rev === undefined ? undefined : stringArg(call.route, call.arg.parent_rev, 'parent_rev');
    try {
      return { metadata: metadata(this.store.delete(call.account.accountId, path, parentRev)) };
    } catch (error) {
      if (!(error instanceof StoreFailure)) throw error;
      if (error.union['.tag'] === 'conflict') throw routeError({ '.tag': 'path_write', path_write: error.union });
      throw routeError({ '.tag': 'path_lookup', path_lookup: error.union });
    }
  }

  private writeOrThrow(write: () => StoredEntry, wrap: (u: Union) => Union): StoredEntry {
    try {
      return write();
    } catch (error) {
      if (error instanceof StoreFailure) throw routeError(wrap(error.union));
      throw error;
    }
  }

  private commitInfo(route: string, arg: Record<string, unknown>): { path: string; options: CommitOptions } {
    return {
      path: stringArg(route, arg.path, 'path'),
      options: {
        mode: writeMode(route, arg.mode),
        autorename: boolArg(route, arg.autorename, 'autorename', false),
        strictConflict: boolArg(route, arg.strict_conflict, 'strict_conflict', false),
        clientModified: arg.client_modified === undefined ? undefined : timestampArg(route, arg.client_modified),
      },
    };
  }

  private checkPayload(call: Call, body: Buffer, expectedHash: unknown, wrap: (tag: string) => Union): void {
    if (body.length > MAX_REQUEST_BYTES) throw routeError(wrap('payload_too_large'));
    if (expectedHash !== undefined) {
      const hash = stringArg(call.route, expectedHash, 'content_hash');
      if (!/^[0-9a-f]{64}$/.test(hash)) throw badInput(call.route, `content_hash: '${hash}' did not match pattern '^[0-9a-f]{64}$'`);
      if (contentHash(body) !== hash) throw routeError(wrap('content_hash_mismatch'));
    }
  }

  private upload(call: Call) {
    this.checkPayload(call, call.body, call.arg.content_hash, (tag) => ({ '.tag': tag }));
    const { path, options } = this.commitInfo(call.route, call.arg);
    const entry = this.writeOrThrow(() => this.store.commitFile(call.account.accountId, path, call.body, options), (u) => ({ '.tag': 'path', reason: u, upload_session_id: '' }));
    return fileMetadata(entry, false);
  }

  private sessionStart(call: Call) {
    this.checkPayload(call, call.body, call.arg.content_hash, (tag) => ({ '.tag': tag }));
    const type = call.arg.session_type === undefined ? 'sequential' : unionTag(call.route, call.arg.session_type, 'session_type');
    if (type !== 'sequential' && type !== 'concurrent') throw badInput(call.route, `session_type: unknown tag '${type}'`);
    const concurrent = type === 'concurrent';
    const close = boolArg(call.route, call.arg.close, 'close', false);
    if (concurrent && call.body.length) throw routeError({ '.tag': 'concurrent_session_data_not_allowed' });
    if (concurrent && close) throw routeError({ '.tag': 'concurrent_session_close_not_allowed' });
    const id = randomBytes(16).toString('hex').toUpperCase();
    const chunks = new Map<number, Buffer>();
    if (call.body.length) chunks.set(0, Buffer.from(call.body));
    this.sessions.set(id, { accountId: call.account.accountId, offset: call.body.length, closed: close, concurrent, chunks, expiresAt: this.now() + UPLOAD_SESSION_TTL_MS });
    return { session_id: id };
  }

  /** The session behind a cursor, or the UploadSessionLookupError Dropbox answers. */
  private session(call: Call, cursorArg: unknown, dataLength: number, wrap: (u: Union) => Union): { id: string; session: UploadSession; offset: number } {
    const cursor = cursorArg as { session_id?: unknown; offset?: unknown } | undefined;
    if (!cursor || typeof cursor !== 'object') throw badInput(call.route, 'cursor: missing required field');
    const id = stringArg(call.route, cursor.session_id, 'session_id');
    const offset = numberArg(call.route, cursor.offset, 'offset', 0, MAX_SESSION_BYTES);
    const session = this.sessions.get(id);
    if (!session || session.accountId !== call.account.accountId || session.expiresAt <= this.now()) throw routeError(wrap({ '.tag': 'not_found' }));
    if (session.concurrent) {
      if (offset % CONCURRENT_CHUNK_BYTES !== 0) throw routeError(wrap({ '.tag': 'concurrent_session_invalid_offset' }));
    } else if (offset !== session.offset) {
      throw routeError(wrap({ '.tag': 'incorrect_offset', correct_offset: session.offset }));
    }
    if (session.closed && dataLength > 0) throw routeError(wrap({ '.tag': 'closed' }));
    if (offset + dataLength > MAX_SESSION_BYTES) throw routeError(wrap({ '.tag': 'too_large' }));
    return { id, session, offset };
  }

  private sessionAppend(call: Call) {
    this.checkPayload(call, call.body, call.arg.content_hash, (tag) => ({ '.tag': tag }));
    const { session, offset } = this.session(call, call.arg.cursor, call.body.length, (u) => u);
    const close = boolArg(call.route, call.arg.close, 'close', false);
    if (session.concurrent && !close && call.body.length % CONCURRENT_CHUNK_BYTES !== 0) throw routeError({ '.tag': 'concurrent_session_invalid_data_size' });
    if (call.body.length) session.chunks.set(offset, Buffer.from(call.body));
    session.offset = session.concurrent ? Math.max(session.offset, offset + call.body.length) : session.offset + call.body.length;
    if (close) session.closed = true;
    return null;
  }

  private sessionFinish(call: Call) {
    this.checkPayload(call, call.body, call.arg.content_hash, (tag) => ({ '.tag': tag }));
    const { id, session, offset } = this.session(call, call.arg.cursor, call.body.length, (u) => ({ '.tag': 'lookup_failed', lookup_failed: u }));
    if (session.concurrent && call.body.length) throw routeError({ '.tag': 'concurrent_session_data_not_allowed' });
    if (call.body.length) session.chunks.set(offset, Buffer.from(call.body));
    const ordered = [...session.chunks.entries()].sort((a, b) => a[0] - b[0]);
    let expected = 0;
    for (const [at, chunk] of ordered) {
      if (at !== expected) throw routeError({ '.tag': 'concurrent_session_missing_data' });
      expected += chunk.length;
    }
    const bytes = Buffer.concat(ordered.map(([, chunk]) => chunk));
    const commit = call.arg.commit as Record<string, unknown> | undefined;
    if (!commit || typeof commit !== 'object') throw badInput(call.route, 'commit: missing required field');
    const { path, options } = this.commitInfo(call.route, commit);
    const entry = this.writeOrThrow(() => this.store.commitFile(call.account.accountId, path, bytes, options), (u) => ({ '.tag': 'path', path: u }));
    this.sessions.delete(id);
    return fileMetadata(entry, false);
  }

  private download(call: Call): SandboxResponse {
    const path = stringArg(call.route, call.arg.path, 'path');
    const wrap = (u: Union): Union => ({ '.tag': 'path', path: u });
    const entry = this.lookupOrThrow(call.account.accountId, path, wrap);
    if (entry.kind !== 'file') throw routeError(wrap({ '.tag': 'not_file' }));
    const bytes = this.store.content(entry);
    const etag = `W/"${entry.rev}"`;
    const headers: Record<string, string> = {
      'content-type': 'application/octet-stream',
      'dropbox-api-result': httpHeaderSafeJson(fileMetadata(entry, false)),
      etag,
      'accept-ranges': 'bytes',
    };
    if (call.req.headers['if-none-match'] === etag) return { status: 304, headers, body: '' };
    const range = parseRange(call.req.headers.range, bytes.length);
    if (range === 'unsatisfiable') return { status: 416, headers: { ...headers, 'content-range': `bytes */${bytes.length}` }, body: '' };
    if (range) {
      const [start, end] = range;
      return { status: 206, headers: { ...headers, 'content-range': `bytes ${start}-${end}/${bytes.length}`, 'content-length': String(end - start + 1) }, body: bytes.subarray(start, end + 1) };
    }
    return { status: 200, headers: { ...headers, 'content-length': String(bytes.length) }, body: bytes };
  }
}

// ---- argument helpers (wrong types → 400 plain text, like Dropbox) --------------------------------------

function parseJsonArg(route: string, text: string, where: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badInput(route, `${where}: could not decode input as JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badInput(route, `${where}: expected object, got ${value === null ? 'null' : typeof value}`);
  return value as Record<string, unknown>;
}

function stringArg(route: string, value: unknown, name: string): string {
  if (typeof value !== 'string') throw badInput(route, `request body: ${name}: expected string, got ${value === undefined ? 'nothing' : typeof value}`);
  return value;
}

function boolArg(route: string, value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') throw badInput(route, `request body: ${name}: expected boolean, got ${typeof value}`);
  return value;
}

function numberArg(route: string, value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw badInput(route, `request body: ${name}: expected integer, got ${typeof value}`);
  if (value < min || value > max) throw badInput(route, `request body: ${name}: ${value} is not within range [${min}, ${max}]`);
  return value;
}

function timestampArg(route: string, value: unknown): string {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(value)) throw badInput(route, `request body: client_modified: expected timestamp in format %Y-%m-%dT%H:%M:%SZ`);
  return value;
}

function unionTag(route: string, value: unknown, name: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && typeof (value as Union)['.tag'] === 'string') return (value as Union)['.tag'];
  throw badInput(route, `request body: ${name}: expected union`);
}

/** WriteMode: "add" | "overwrite" | {".tag":"update","update":"<rev>"}; a bare "update" is invalid. */
function writeMode(route: string, value: unknown): WriteMode {
  if (value === undefined) return { kind: 'add' };
  const tag = unionTag(route, value, 'mode');
  if (tag === 'add' || tag === 'overwrite') return { kind: tag };
  if (tag === 'update') {
    const rev = typeof value === 'object' ? (value as Union).update : undefined;
    if (typeof rev !== 'string' || !/^[0-9a-f]{9,}$/.test(rev)) throw badInput(route, `request body: mode: update: expected rev matching '[0-9a-f]{9,}'`);
    return { kind: 'update', rev };
  }
  throw badInput(route, `request body: mode: unknown tag '${tag}'`);
}

/** `Range: bytes=a-b | a- | -n` (one range). null = whole file. */
function parseRange(header: string | string[] | undefined, size: number): [number, number] | 'unsatisfiable' | null {
  if (typeof header !== 'string') return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) return 'unsatisfiable';
  return [start, end];
}

function isResponse(value: unknown): value is SandboxResponse {
  return typeof value === 'object' && value !== null && typeof (value as SandboxResponse).status === 'number' && 'body' in value && 'headers' in value;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

