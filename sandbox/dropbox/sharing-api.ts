/**
 * Dropbox folder sharing (`sharing/share_folder`, `sharing/add_folder_member`, `sharing/list_folder_members`) on
 * the documented wire format (sharing_folders.stone; the SDK's `sharing.*` types).
 *
 * What an app-folder app may do decides most of it: Dropbox's route docs say these endpoints "do not support apps
 * with the app folder permission", and such an app gets a 400 plain-text answer naming its type (dropbox-sdk-java
 * issue #34 quotes it). Synclane is registered as an app-folder app, so that is the default (`appAccessType`).
 * The access type is checked before the scope, so an app-folder app without `sharing.write` sees the same refusal.
 * With `full_dropbox` the routes share for real; SharePathError's documented members cover the paths that cannot
 * be shared (a file, an already shared folder, a folder inside a shared one). Shared folders live in memory only.
 */
import { randomBytes } from 'node:crypto';
import { DropboxApiError, badInput, routeError } from './api-errors';
import type { DropboxState, StoredEntry } from './dropbox-state';
import type { Call, DropboxFilesApi } from './files-api';
import { StoreFailure, type FileStore } from './file-store';

export const SHARING_SCOPE = 'sharing.write';
const READ_SCOPE = 'sharing.read';

type SharedFolder = {
  sharedFolderId: string;
  ownerAccountId: string;
  folderId: string;
  aclUpdatePolicy: string;
  members: { email: string; accessLevel: 'editor' | 'viewer'; invitedAt: string }[];
  createdAt: string;
};

export class DropboxSharingApi {
  private readonly folders = new Map<string, SharedFolder>();

  constructor(
    private readonly state: () => DropboxState,
    private readonly store: FileStore,
    private readonly now: () => number,
  ) {}

  register(api: DropboxFilesApi): void {
    const rpc = (route: string, scope: string, handler: (call: Call) => unknown, write = false) =>
      api.defineRoute(route, { host: 'api', style: 'rpc', auth: 'user', handler: (call) => this.guard(call, scope, handler), write });
    rpc('sharing/share_folder', SHARING_SCOPE, (c) => this.shareFolder(c), true);
    rpc('sharing/add_folder_member', SHARING_SCOPE, (c) => this.addFolderMember(c), true);
    rpc('sharing/list_folder_members', READ_SCOPE, (c) => this.listMembers(c));
  }

  reset(): void {
    this.folders.clear();
  }

  /** Shared folders of an account (tests and the admin summary). */
  sharedFolders(accountId: string): SharedFolder[] {
    return [...this.folders.values()].filter((f) => f.ownerAccountId === accountId).map((f) => ({ ...f, members: [...f.members] }));
  }

  private guard(call: Call, scope: string, handler: (call: Call) => unknown): unknown {
    if (this.state().config.appAccessType === 'app_folder') throw badInput(call.route, 'Your API app is an "App Folder" app. It is not allowed to access this API function.');
    const granted = call.grant.scope.split(' ');
    if (!granted.includes(scope) && !(scope === READ_SCOPE && granted.includes(SHARING_SCOPE)))
      throw new DropboxApiError(401, { json: { error_summary: 'missing_scope/..', error: { '.tag': 'missing_scope', required_scope: scope } } });
    return handler(call);
  }

  private shareFolder(call: Call) {
    const path = call.arg.path;
    if (typeof path !== 'string') throw badInput(call.route, 'request body: missing required field "path"');
    let entry: StoredEntry;
    try {
      entry = this.store.lookup(call.account.accountId, path);
    } catch (error) {
      if (error instanceof StoreFailure) throw routeError({ '.tag': 'bad_path', bad_path: { '.tag': 'invalid_path' } });
      throw error;
    }
    if (entry.kind !== 'folder') throw routeError({ '.tag': 'bad_path', bad_path: { '.tag': 'is_file' } });
    const existing = [...this.folders.values()].find((f) => f.ownerAccountId === call.account.accountId && f.folderId === entry.id);
    if (existing) throw routeError({ '.tag': 'bad_path', bad_path: { '.tag': 'already_shared', ...this.metadata(existing) } });
    const inside = [...this.folders.values()].find((f) => {
      const shared = this.store.getById(f.ownerAccountId, f.folderId);
      return f.ownerAccountId === call.account.accountId && shared && (entry.pathLower.startsWith(`${shared.pathLower}/`) || shared.pathLower.startsWith(`${entry.pathLower}/`));
    });
    if (inside) {
      const shared = this.store.getById(inside.ownerAccountId, inside.folderId)!;
      throw routeError({ '.tag': 'bad_path', bad_path: { '.tag': entry.pathLower.startsWith(`${shared.pathLower}/`) ? 'inside_shared_folder' : 'contains_shared_folder' } });
    }
    const acl = (call.arg.acl_update_policy as { '.tag'?: string } | string | undefined) ?? 'owner';
    const folder: SharedFolder = {
      sharedFolderId: String(8_000_000_000 + this.folders.size + Math.floor(Math.random() * 1_000_000)),
      ownerAccountId: call.account.accountId,
      folderId: entry.id,
      aclUpdatePolicy: typeof acl === 'string' ? acl : (acl['.tag'] ?? 'owner'),
      members: [],
      createdAt: new Date(this.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    };
    this.folders.set(folder.sharedFolderId, folder);
    // ShareFolderLaunch: `complete` carries the SharedFolderMetadata inline (a struct member of a union).
    return { '.tag': 'complete', ...this.metadata(folder) };
  }

  private addFolderMember(call: Call) {
    const folder = this.ownedFolder(call);
    const members = call.arg.members;
    if (!Array.isArray(members)) throw badInput(call.route, 'request body: missing required field "members"');
    const added: SharedFolder['members'] = [];
    for (const m of members as { member?: { '.tag'?: string; email?: string; dropbox_id?: string }; access_level?: { '.tag'?: string } | string }[]) {
      const tag = m.member?.['.tag'];
      if (tag !== 'email' || typeof m.member?.email !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(m.member.email)) {
        throw routeError({ '.tag': 'bad_member', bad_member: { '.tag': 'invalid_email', invalid_email: String(m.member?.email ?? m.member?.dropbox_id ?? '') } });
      }
      const level = typeof m.access_level === 'string' ? m.access_level : (m.access_level?.['.tag'] ?? 'viewer');
      if (level !== 'editor' && level !== 'viewer') throw routeError({ '.tag': 'bad_member', bad_member: { '.tag': 'invalid_dropbox_id', invalid_dropbox_id: level } });
      added.push({ email: m.member.email.toLowerCase(), accessLevel: level, invitedAt: new Date(this.now()).toISOString() });
    }
    for (const a of added) {
      const same = folder.members.find((m) => m.email === a.email);
      if (same) same.accessLevel = a.accessLevel;
      else folder.members.push(a);
    }
    return null;
  }

  private listMembers(call: Call) {
    const folder = this.ownedFolder(call);
    const owner = call.account;
    return {
      users: [{ access_type: { '.tag': 'owner' }, user: { account_id: owner.accountId, email: owner.email, display_name: owner.displayName, same_team: false }, permissions: [], is_inherited: false }],
      groups: [],
      // Invitees until they accept (the emulator has no other accounts' acceptance flow).
      invitees: folder.members.map((m) => ({ access_type: { '.tag': m.accessLevel }, invitee: { '.tag': 'email', email: m.email }, permissions: [], is_inherited: false })),
    };
  }

  private ownedFolder(call: Call): SharedFolder {
    const id = call.arg.shared_folder_id;
    if (typeof id !== 'string' || !/^[-_0-9a-zA-Z:]+$/.test(id)) throw badInput(call.route, 'request body: shared_folder_id: missing or invalid');
    const folder = this.folders.get(id);
    if (!folder || folder.ownerAccountId !== call.account.accountId) throw routeError({ '.tag': 'access_error', access_error: { '.tag': 'invalid_id' } });
    return folder;
  }

  private metadata(folder: SharedFolder) {
    const entry = this.store.getById(folder.ownerAccountId, folder.folderId);
    return {
      access_type: { '.tag': 'owner' },
      is_inside_team_folder: false,
      is_team_folder: false,
      name: entry?.name ?? '',
      policy: { acl_update_policy: { '.tag': folder.aclUpdatePolicy }, shared_link_policy: { '.tag': 'anyone' } },
      preview_url: `https://www.dropbox.com/scl/fo/${randomBytes(6).toString('hex')}`,
      shared_folder_id: folder.sharedFolderId,
      time_invited: folder.createdAt,
      path_lower: entry?.pathLower,
      path_display: entry?.pathDisplay,
      access_inheritance: { '.tag': 'inherit' },
    };
  }
}
