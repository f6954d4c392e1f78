/**
 * The app folder of every account: entries keyed by stable `id:` ids with a case-insensitive path index
 * (lookups by path_lower, names case-preserving), revs, content hashes, the WriteMode/autorename/
 * strict_conflict matrix (providers.md §1.7) and a monotonic change log that list_folder/continue replays.
 * Paths are relative to the app folder: "" is its root.
 */
import { createHash, randomBytes } from 'node:crypto';
import { contentHash } from './content-hash';
import type { Union } from './api-errors';
import type { Change, DropboxState, Namespace, StoredEntry } from './dropbox-state';

/** A LookupError / WriteError / RelocationError member; the API wraps it in the route's own union. */
export class StoreFailure extends Error {
  constructor(
    readonly side: 'lookup' | 'write' | 'relocation',
    readonly union: Union,
  ) {
    super(`${side}: ${union['.tag']}`);
  }
}

export type WriteMode = { kind: 'add' } | { kind: 'overwrite' } | { kind: 'update'; rev: string };
export type CommitOptions = { mode: WriteMode; autorename: boolean; strictConflict: boolean; clientModified?: string };

const lookupFailure = (tag: string, extra: Record<string, unknown> = {}) => new StoreFailure('lookup', { '.tag': tag, ...extra });
const writeFailure = (tag: string, extra: Record<string, unknown> = {}) => new StoreFailure('write', { '.tag': tag, ...extra });
const conflict = (what: 'file' | 'folder' | 'file_ancestor') => writeFailure('conflict', { conflict: { '.tag': what } });

/** Names the desktop client refuses to sync; the API rejects them as disallowed_name. */
const DISALLOWED_NAMES = new Set(['desktop.ini', 'thumbs.db', '.ds_store', 'icon\r', '.dropbox', '.dropbox.attr']);

export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function parentOf(pathLowerOrDisplay: string): string {
  const i = pathLowerOrDisplay.lastIndexOf('/');
  return i <= 0 ? '' : pathLowerOrDisplay.slice(0, i);
}

function splitExtension(name: string): [string, string] {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
}

export class FileStore {
  /** accountId → path_lower → id */
  private index = new Map<string, Map<string, string>>();
  private listeners = new Set<(accountId: string) => void>();

  constructor(
    private readonly state: () => DropboxState,
    private readonly now: () => number,
  ) {}

  /** Called after every change to an account's app folder (webhooks, longpoll). */
  onChange(listener: (accountId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  rebuildIndexes(): void {
    this.index.clear();
    for (const [accountId, ns] of Object.entries(this.state().namespaces)) {
      const map = new Map<string, string>();
      for (const entry of Object.values(ns.entries)) map.set(entry.pathLower, entry.id);
      this.index.set(accountId, map);
    }
  }

  createNamespace(accountId: string): void {
    this.state().namespaces[accountId] = { entries: {}, changes: [], seq: 0, cursorEpoch: 0, revCounter: 0 };
    this.index.set(accountId, new Map());
  }

  namespace(accountId: string): Namespace {
    const ns = this.state().namespaces[accountId];
    if (!ns) throw lookupFailure('not_found');
    return ns;
  }

  private pathIndex(accountId: string): Map<string, string> {
    let map = this.index.get(accountId);
    if (!map) {
      map = new Map();
      this.index.set(accountId, map);
    }
    return map;
  }

  // ---- paths ---------------------------------------------------------------------------------------

  /**
   * Validates a path argument and splits `id:…[/rest]`. Returns the cased display path the caller asked
   * for ("" for the root), or throws malformed_path / not_found.
   */
  resolvePath(accountId: string, raw: string): string {
    if (raw === '') return '';
    if (raw.startsWith('id:')) {
      const slash = raw.indexOf('/');
      const id = slash < 0 ? raw : raw.slice(0, slash);
      const entry = this.namespace(accountId).entries[id];
      if (!entry) throw lookupFailure('not_found');
      return slash < 0 ? entry.pathDisplay : this.resolvePath(accountId, `${entry.pathDisplay}${raw.slice(slash)}`);
    }
    if (raw.startsWith('ns:') || raw.startsWith('rev:')) throw lookupFailure('not_found');
    if (!raw.startsWith('/') || raw.endsWith('/') || raw.includes('//') || raw.includes('\\')) throw lookupFailure('malformed_path');
    for (const part of raw.split('/').slice(1)) if (part === '.' || part === '..') throw lookupFailure('malformed_path');
    return raw;
  }

  get(accountId: string, pathLower: string): StoredEntry | undefined {
    const id = this.pathIndex(accountId).get(pathLower);
    return id ? this.namespace(accountId).entries[id] : undefined;
  }

  getById(accountId: string, id: string): StoredEntry | undefined {
    return this.state().namespaces[accountId]?.entries[id];
  }

  /** The entry at a path or `id:`; throws LookupError not_found. */
  lookup(accountId: string, raw: string): StoredEntry {
    const display = this.resolvePath(accountId, raw);
    if (display === '') throw lookupFailure('not_found');
    const entry = this.get(accountId, display.toLowerCase());
    if (!entry) throw lookupFailure('not_found');
    return entry;
  }

  /** Entries under a folder ("" = app-folder root), parents before children. */
  listUnder(accountId: string, folderPathLower: string, recursive: boolean): StoredEntry[] {
    const prefix = `${folderPathLower}/`;
    return Object.values(this.namespace(accountId).entries)
      .filter((e) => e.pathLower.startsWith(prefix) && (recursive || parentOf(e.pathLower) === folderPathLower))
      .sort((a, b) => (a.pathLower < b.pathLower ? -1 : a.pathLower > b.pathLower ? 1 : 0));
  }

  usedBytes(accountId: string): number {
    let total = 0;
    for (const e of Object.values(this.namespace(accountId).entries)) total += e.size ?? 0;
    return total;
  }

  content(entry: StoredEntry): Buffer {
    return Buffer.from(entry.content ?? '', 'base64');
  }

  // ---- writes --------------------------------------------------------------------------------------

  createFolder(accountId: string, rawPath: string, autorename: boolean): StoredEntry {
    const path = this.writablePath(accountId, rawPath);
    const existing = this.get(accountId, path.toLowerCase());
    let target = path;
    if (existing) {
      if (!autorename) throw conflict(existing.kind === 'folder' ? 'folder' : 'file');
      target = this.freeName(accountId, path, (base, ext, n) => `${base} (${n})${ext}`, false);
    }
    this.ensureParents(accountId, target);
    const entry = this.insert(accountId, { kind: 'folder', pathDisplay: target });
    this.touch(accountId, [entry]);
    return entry;
  }

  commitFile(accountId: string, rawPath: string, bytes: Buffer, options: CommitOptions): StoredEntry {
    const path = this.writablePath(accountId, rawPath);
    const hash = contentHash(bytes);
    const existing = this.get(accountId, path.toLowerCase());
    const { mode, strictConflict } = options;

    const write = (target: string, over?: StoredEntry) => {
      const account = this.state().accounts[accountId];
      const freed = over?.size ?? 0;
      if (account && this.usedBytes(accountId) - freed + bytes.length > account.quotaBytes) throw writeFailure('insufficient_space');
      this.ensureParents(accountId, target);
      const entry = over ?? this.insert(accountId, { kind: 'file', pathDisplay: target });
      const now = this.now();
      entry.rev = this.nextRev(accountId);
      entry.size = bytes.length;
      entry.contentHash = hash;
      entry.content = bytes.toString('base64');
      entry.serverModified = isoSeconds(now);
      entry.clientModified = options.clientModified ?? isoSeconds(now);
      this.touch(accountId, [entry]);
      return entry;
    };
    const renamed = (pattern: 'number' | 'conflicted') =>
      write(this.freeName(accountId, path, pattern === 'number' ? (b, e, n) => `${b} (${n})${e}` : (b, e, n) => `${b} (conflicted copy${n > 1 ? ` ${n}` : ''})${e}`, true));

    if (!existing) {
      // strict_conflict: an update whose rev no longer exists is a conflict even though the file is gone.
      if (mode.kind === 'update' && strictConflict) {
        if (options.autorename) return renamed('conflicted');
        throw conflict('file');
      }
      return write(path);
    }
    if (existing.kind === 'folder') {
      if (options.autorename) return renamed(mode.kind === 'update' ? 'conflicted' : 'number');
      throw conflict('folder');
    }
    const identical = existing.contentHash === hash;
    if (mode.kind === 'overwrite') return identical ? existing : write(path, existing);
    if (mode.kind === 'update' && mode.rev === existing.rev) return identical ? existing : write(path, existing);
    if (identical && !strictConflict) return existing;
    if (options.autorename) return renamed(mode.kind === 'update' ? 'conflicted' : 'number');
    throw conflict('file');
  }

  /** move_v2: ids survive; a folder moves with everything inside it. Case-only renames are a no-op (files.stone). */
  move(accountId: string, rawFrom: string, rawTo: string, autorename: boolean): StoredEntry {
    let source: StoredEntry;
    try {
      source = this.lookup(accountId, rawFrom);
    } catch (error) {
      if (error instanceof StoreFailure) throw new StoreFailure('relocation', { '.tag': 'from_lookup', from_lookup: error.union });
      throw error;
    }
    let to: string;
    try {
      to = this.writablePath(accountId, rawTo);
    } catch (error) {
      if (error instanceof StoreFailure) throw new StoreFailure('relocation', { '.tag': 'to', to: error.union });
      throw error;
    }
    const toLower = to.toLowerCase();
    if (toLower === source.pathLower) return source; // "we do not currently support case-only renaming"
    if (toLower.startsWith(`${source.pathLower}/`)) throw new StoreFailure('relocation', { '.tag': 'cant_move_folder_into_itself' });
    let target = to;
    const existing = this.get(accountId, toLower);
    if (existing) {
      if (!autorename) throw new StoreFailure('relocation', { '.tag': 'to', to: { '.tag': 'conflict', conflict: { '.tag': existing.kind } } });
      target = this.freeName(accountId, to, (b, e, n) => `${b} (${n})${e}`, source.kind === 'file');
    }
    const ancestor = this.fileAncestor(accountId, target);
    if (ancestor) throw new StoreFailure('relocation', { '.tag': 'to', to: { '.tag': 'conflict', conflict: { '.tag': 'file_ancestor' } } });
    this.ensureParents(accountId, target);
    return this.relocate(accountId, source, target);
  }

  /** A person renaming in the web UI: case-only renames are allowed there (and not reported by continue). */
  rename(accountId: string, id: string, newName: string): StoredEntry {
    const entry = this.getById(accountId, id);
    if (!entry) throw lookupFailure('not_found');
    const target = `${parentOf(entry.pathDisplay)}/${newName}`;
    if (target.toLowerCase() !== entry.pathLower) return this.move(accountId, id, target, false);
    this.writablePath(accountId, target);
    const index = this.pathIndex(accountId);
    const oldDisplay = entry.pathDisplay;
    for (const e of [entry, ...(entry.kind === 'folder' ? this.listUnder(accountId, entry.pathLower, true) : [])]) {
      e.pathDisplay = target + e.pathDisplay.slice(oldDisplay.length);
      if (e === entry) e.name = newName;
      index.set(e.pathLower, e.id);
    }
    this.notify(accountId);
    return entry;
  }

  /** delete_v2: returns the metadata as it was; a folder goes with its contents. */
  delete(accountId: string, raw: string, parentRev?: string): StoredEntry {
    const entry = this.lookup(accountId, raw);
    if (parentRev !== undefined && (entry.kind !== 'file' || entry.rev !== parentRev)) throw writeFailure('conflict', { conflict: { '.tag': 'file' } });
    const ns = this.namespace(accountId);
    const index = this.pathIndex(accountId);
    const removed = [entry, ...(entry.kind === 'folder' ? this.listUnder(accountId, entry.pathLower, true) : [])];
    for (const e of removed) {
      delete ns.entries[e.id];
      index.delete(e.pathLower);
    }
    // Only the top path is logged: a deleted folder implies its children (sync recipe, providers.md §1.12).
    this.log(ns, entry);
    this.notify(accountId);
    return { ...entry };
  }

  // ---- internals -----------------------------------------------------------------------------------

  /** A path that can be written: well-formed, not the root, allowed names, no file among its ancestors. */
  private writablePath(accountId: string, raw: string): string {
    let path: string;
    try {
      path = this.resolvePath(accountId, raw);
    } catch (error) {
      if (error instanceof StoreFailure) throw writeFailure(error.union['.tag'] === 'malformed_path' ? 'malformed_path' : 'conflict', error.union['.tag'] === 'malformed_path' ? {} : { conflict: { '.tag': 'file' } });
      throw error;
    }
    if (path === '') throw writeFailure('malformed_path');
    const name = path.slice(path.lastIndexOf('/') + 1);
    if (DISALLOWED_NAMES.has(name.toLowerCase()) || /[\u0000-\u001f]/.test(name) || name.endsWith(' ')) throw writeFailure('disallowed_name');
    if (this.fileAncestor(accountId, path)) throw conflict('file_ancestor');
    return path;
  }

  private fileAncestor(accountId: string, path: string): StoredEntry | undefined {
    for (let p = parentOf(path.toLowerCase()); p; p = parentOf(p)) {
      const entry = this.get(accountId, p);
      if (entry) return entry.kind === 'file' ? entry : undefined;
    }
    return undefined;
  }

  /** Missing parent folders are created, like Dropbox does on upload. */
  private ensureParents(accountId: string, path: string): void {
    const parent = parentOf(path);
    if (!parent || this.get(accountId, parent.toLowerCase())) return;
    this.ensureParents(accountId, parent);
    const folder = this.insert(accountId, { kind: 'folder', pathDisplay: parent });
    this.log(this.namespace(accountId), folder);
  }

  private insert(accountId: string, input: { kind: 'file' | 'folder'; pathDisplay: string }): StoredEntry {
    const state = this.state();
    const digest = createHash('sha256').update(`${accountId}:${++state.idCounter}:${randomBytes(4).toString('hex')}`).digest('base64url');
    const entry: StoredEntry = {
      id: `id:${digest.slice(0, 22)}`,
      kind: input.kind,
      name: input.pathDisplay.slice(input.pathDisplay.lastIndexOf('/') + 1),
      pathLower: input.pathDisplay.toLowerCase(),
      pathDisplay: input.pathDisplay,
    };
    this.namespace(accountId).entries[entry.id] = entry;
    this.pathIndex(accountId).set(entry.pathLower, entry.id);
    return entry;
  }

  private relocate(accountId: string, source: StoredEntry, target: string): StoredEntry {
    const ns = this.namespace(accountId);
    const index = this.pathIndex(accountId);
    const moved = [source, ...(source.kind === 'folder' ? this.listUnder(accountId, source.pathLower, true) : [])];
    this.log(ns, { ...source });
    const oldDisplay = source.pathDisplay;
    for (const e of moved) index.delete(e.pathLower);
    for (const e of moved) {
      e.pathDisplay = target + e.pathDisplay.slice(oldDisplay.length);
      e.pathLower = e.pathDisplay.toLowerCase();
      if (e === source) e.name = target.slice(target.lastIndexOf('/') + 1);
      index.set(e.pathLower, e.id);
    }
    this.touch(accountId, moved);
    return source;
  }

  /** First "<base> (n)<ext>" (or conflicted-copy variant) that is free. */
  private freeName(accountId: string, path: string, pattern: (base: string, ext: string, n: number) => string, keepExtension: boolean): string {
    const dir = parentOf(path);
    const name = path.slice(path.lastIndexOf('/') + 1);
    const [base, ext] = keepExtension ? splitExtension(name) : [name, ''];
    for (let n = 1; ; n++) {
      const candidate = `${dir}/${pattern(base, ext, n)}`;
      if (!this.get(accountId, candidate.toLowerCase())) return candidate;
    }
  }

  private nextRev(accountId: string): string {
    const ns = this.namespace(accountId);
    const suffix = createHash('sha1').update(accountId).digest('hex').slice(0, 6);
    return `${(++ns.revCounter).toString(16).padStart(9, '0')}${suffix}`;
  }

  private log(ns: Namespace, entry: Pick<StoredEntry, 'pathLower' | 'pathDisplay' | 'name'>): Change {
    const change = { seq: ++ns.seq, pathLower: entry.pathLower, pathDisplay: entry.pathDisplay, name: entry.name };
    ns.changes.push(change);
    return change;
  }

  private touch(accountId: string, entries: StoredEntry[]): void {
    const ns = this.namespace(accountId);
    for (const e of entries) this.log(ns, e);
    this.notify(accountId);
  }

  private notify(accountId: string): void {
    for (const listener of this.listeners) listener(accountId);
  }
}
