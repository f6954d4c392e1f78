/**
 * The files pillar's pure planner: one record folder, one Dropbox account, one pass.
 *
 * ## Contract with the effects layer
 *
 * Input (`PlanRecordFolderInput`), gathered by the effects layer before planning:
 * - the CRM's capabilities and the record's module, id and current name;
 * - `crmFiles`: the **complete** list of the record's files. Absence from it is the CRM's delete signal
 *   (neither CRM has file webhooks), so a failed or partial listing must not be planned at all;
 * - `dropbox`: the record folder looked up **by id** (`folder`, null when it no longer exists), a complete
 *   recursive listing of it (paths relative to the folder), and the deleted paths the folder's cursor
 *   reported since the last run. `isReset` when the cursor was reset: then no delete is inferred;
 * - `base`: the record's links (shared by all accounts, each with every account's state) and this
 *   account's record-folder state. Runs for the same record must be serialized (the shared links are
 *   read-modify-write);
 * - `now` (ISO) for bookkeeping and conflicted-copy names.
 *
 * Output: ordered actions. File paths in actions are relative to the record folder (join them with the
 * folder's path as it is after the folder actions); record-folder paths are app-folder paths. Apply the
 * actions in order; a failed effectful action (e.g. a Dropbox `conflict` on an `add`/`update` write, a
 * `parent_rev` mismatch) stops the rest of this record — the next run re-plans from what really happened. Every effectful action carries the bookkeeping the
 * effects layer writes **right after** it succeeds, from the vendor's answer:
 * - `dropbox.createFolder` / `dropbox.moveFolder` → this account's `RecordFolderState` (an existing folder
 *   at the create path is adopted; a move with `viaPath` is two moves, for case-only renames);
 * - `dropbox.upload` (stream the CRM file `crmFileId` to `path` with `mode`) → upsert the link (create it
 *   from `newLink` when given), set `contentHash` of the link to the written hash when `crmFileId` is the
 *   link's current CRM file, and this account's state from the written metadata with `crmFileId`;
 * - `dropbox.move` → `follow`: this account's `pathLower`; `detach`: drop this account's state on the link
 *   (the moved file is no longer that link's copy — a conflicted copy);
 * - `dropbox.delete` (with `parentRev`, so a file edited meanwhile survives) → drop this account's state,
 *   and the link itself when `removeLink`;
 * - `crm.upload` (download `dropboxId`, upload to the CRM) → upsert the link `linkId` from the CRM's
 *   answer (id, name, folder, size), `contentHash`/`rev` **of the downloaded version** (it may be newer
 *   than the listing), `relativePath: path`, and this account's state; `size`/`contentHash` in the action
 *   are the listing's, for preview (B2) and the brake;
 * - `crm.replace` → the same, but first upload the new file (skipped when `uploadedCrmFileId` names it
 *   already), then delete `oldCrmFileId` — never the other way round: a crash in between leaves two CRM
 *   files, never none, and the next plan finishes the replace. The link keeps its id;
 * - `crm.rename` → link `crmName` from the answer, `relativePath: path`, this account's `pathLower`.
 * - `crm.hash` writes nothing: download the CRM file, compute its content hash and plan the record again
 *   with it in `crmContentHashes`. The planner asks before deciding whether a same-sized file already in
 *   Dropbox is this CRM file (B10) or a different one (keep both), never guessing from sizes.
 * Bookkeeping-only actions (`link.*`, `folder.follow`) are written as given. `skip`, `notice` and
 * `conflict` are for the activity list and "Why not synced?" (B4); they change nothing.
 *
 * ## Rules
 * - Identity is ids (F9): Dropbox file/folder ids, CRM file ids, our link ids. Paths are display data.
 * - CRM → Dropbox (F4): adds, changes, renames and deletes. Deletes are counted for the brake (B3).
 * - Dropbox → CRM and every other account (F5): adds, changes and renames reach the CRM, and through the
 *   shared link the other accounts. A Dropbox delete tombstones this account's copy: never a CRM delete,
 *   never re-uploaded to this account.
 * - Deletes only from explicit signals (B3): a CRM file missing from its complete list; a Dropbox path in
 *   the cursor's deleted entries. A linked Dropbox file that is just absent (missing folder, reset cursor)
 *   is re-synced from the CRM by id, never deleted anywhere.
 * - Content never changes in place in a CRM: a Dropbox edit is `crm.replace` (add + delete, same link).
 *   A CRM "replace" (delete a file, add one with the same name and folder) is recognized as an edit.
 * - Conflicts (both sides changed since this account's base): equal content hashes are no conflict;
 *   otherwise keep both — the CRM version keeps the name, the Dropbox version becomes
 *   `name (conflicted copy YYYY-MM-DD).ext` in Dropbox and a new CRM file (Dropbox's convention: the later
 *   save gets the conflicted-copy name; the CRM version is the one every other account already has).
 * - Renames on both sides: the CRM's name wins. Pipedrive renames in place; Teamleader cannot rename or
 *   move, so a Dropbox rename there is a `crm.replace` under the new name/folder (same link).
 * - Teamleader meetings, products and legacy projects take no uploads: CRM → Dropbox only; Dropbox adds,
 *   edits and renames there are listed as skipped (`crm_cannot_receive_uploads`, `crm_cannot_rename`)
 *   and stay as the user left them.
 * - CRM delete vs. Dropbox edit since the base: the edit wins and goes back to the CRM as a new file.
 * - Names: CRM names are made Dropbox-safe; two CRM files with one name (CRMs allow it) become
 *   `name.ext` and `name (2).ext` (oldest id keeps the plain name). A path taken in one account by a file
 *   of its own is numbered in that account only; the link's canonical path stays.
 * - Record folder (F3/F9): created on the first sync (even without files) at `<Module>/<Name> (<id>)`;
 *   a record rename moves it by id where it is now (two moves for a case-only change); a folder the user
 *   renamed or moved is followed (`folder.follow`), never moved back; a missing folder is re-created and
 *   everything re-synced by id (tombstones kept).
 * - Folder levels the CRM lacks (Pipedrive none, Teamleader one): deeper Dropbox segments are joined into
 *   the CRM file name with `FLATTEN_SEPARATOR` (`Offers/2024/q1.pdf` → Pipedrive `Offers - 2024 - q1.pdf`,
 *   Teamleader folder `Offers`, name `2024 - q1.pdf`), with a notice. It never loops: the link stores both
 *   the CRM name and the Dropbox path, and changes are detected against those stored values, never by
 *   re-deriving one from the other. A new CRM file is never "unflattened" into sub-folders.
 * - F6: files over the limit are skipped before any download, with `too_large`.
 * - B10: a write whose bookkeeping was lost is recognized next run: an unlinked Dropbox file and an
 *   unlinked CRM file (or a link this account has no copy of) at the same place with the same content
 *   hash are linked without transfer (`crm.hash` first when the CRM file's hash is unknown and the sizes
 *   match).
 */
import type { CrmKind } from '@/lib/crm/port';
import {
  FLATTEN_SEPARATOR,
  IGNORED_DROPBOX_NAMES,
  MAX_FILE_SIZE_BYTES,
  conflictedCopyName,
  numberedName,
  recordFolderName,
  recordFolderPath,
  sanitizeDropboxName,
  type DeleteBrake,
  type FileNotice,
  type FileSkipReason,
  FILE_DELETE_BRAKE,
} from './constants';
import { isSameContent, linkIdForCrmFile, linkIdForDropboxFile, toPathLower, type AccountFileState, type FileLink, type RecordFilesBase } from './model';
import type { CrmFile, CrmFileCapabilities, DropboxWriteMode } from './port';

/** A Dropbox entry inside the record folder; `path` is relative to it (`Offers/q1.pdf`). */
export type RecordFolderEntry = {
  kind: 'file' | 'folder';
  id: string;
  path: string;
  rev?: string;
  contentHash?: string;
  size?: number;
  isDownloadable?: boolean;
};

export type RecordFolderListing = {
  /** The record folder found by the base's folder id; null when it is gone (or was never created). */
  folder: { id: string; pathLower: string; pathDisplay: string } | null;
  entries: RecordFolderEntry[];
  /** Relative, lower-cased paths the folder's cursor reported as deleted since the last run. */
  deletedPathsLower: string[];
  /** The cursor was reset and this is a fresh full listing: nothing is inferred as deleted. */
  isReset: boolean;
};

export type PlanRecordFolderInput = {
  crm: CrmKind;
  module: string;
  capabilities: CrmFileCapabilities;
  record: { id: string; name: string };
  /** Key of the Dropbox account being planned (its states in `FileLink.accounts`). */
  account: string;
  crmFiles: CrmFile[];
  dropbox: RecordFolderListing;
  base: RecordFilesBase;
  now: string;
  /**
   * Content hashes of CRM files computed elsewhere (the effects layer hashes what it streams, and answers
   * `crm.hash` requests). Links carry the hash of their current CRM file already.
   */
  crmContentHashes?: Readonly<Record<string, string>>;
  /** Put into conflicted-copy names (`Ada's conflicted copy`), e.g. the Dropbox account's display name. */
  conflictLabel?: string | null;
};

type LinkFields = Pick<FileLink, 'crmFileId' | 'crmName' | 'crmFolder' | 'crmSize' | 'contentHash' | 'relativePath'>;

export type FileAction =
  | { type: 'dropbox.createFolder'; path: string; derivedName: string }
  | { type: 'dropbox.moveFolder'; folderId: string; toPath: string; viaPath: string | null; derivedName: string }
  | { type: 'folder.follow'; folderId: string; pathLower: string; pathDisplay: string; derivedName: string }
  | { type: 'dropbox.upload'; linkId: string; newLink: LinkFields | null; crmFileId: string; path: string; size: number; mode: DropboxWriteMode }
  | { type: 'dropbox.move'; linkId: string | null; bookkeeping: 'follow' | 'detach' | 'none'; dropboxId: string; fromPath: string; toPath: string }
  | { type: 'dropbox.delete'; linkId: string; dropboxId: string; parentRev: string; path: string; removeLink: boolean }
  | { type: 'crm.upload'; linkId: string; dropboxId: string; path: string; name: string; folder: string | null; size: number; contentHash: string }
  | {
      type: 'crm.replace';
      linkId: string;
      oldCrmFileId: string;
      dropboxId: string;
      path: string;
      name: string;
      folder: string | null;
      size: number;
      contentHash: string;
      /** B10: the new file is already in the CRM (a replace interrupted after its upload): only delete the old one. */
      uploadedCrmFileId: string | null;
    }
  | { type: 'crm.rename'; linkId: string; crmFileId: string; name: string; path: string }
  | { type: 'crm.hash'; crmFileId: string }
  | { type: 'link.create'; link: FileLink }
  | { type: 'link.update'; linkId: string; link?: Partial<LinkFields>; account?: AccountFileState }
  | { type: 'link.tombstone'; linkId: string }
  | { type: 'link.forget'; linkId: string; removeLink: boolean }
  | { type: 'skip'; reason: FileSkipReason; side: 'crm' | 'dropbox'; fileId: string; name: string; size: number }
  | { type: 'notice'; reason: FileNotice; path: string; crmName: string }
  | { type: 'conflict'; reason: 'both_changed' | 'both_added'; linkId: string; path: string; copyPath: string };

export type FileActionType = FileAction['type'];

/** Actions that only inform (B4 list, activity); a converged record plans nothing else. */
export const INFORMATIONAL_ACTIONS: ReadonlySet<FileActionType> = new Set(['skip', 'notice', 'conflict']);

// ---------------------------------------------------------------------------------------------------
// Path and name mapping between Dropbox and the CRM
// ---------------------------------------------------------------------------------------------------

const segmentsOf = (path: string) => path.split('/').filter((s) => s !== '');
const basename = (path: string) => segmentsOf(path).at(-1) ?? '';
const dirname = (path: string) => segmentsOf(path).slice(0, -1).join('/');
const joinPath = (dir: string, name: string) => (dir ? `${dir}/${name}` : name);
const sameText = (a: string | null, b: string | null) => (a ?? '').toLowerCase() === (b ?? '').toLowerCase();

/** The CRM's top-level folder name, or null for its default folder (which lives at the folder's root). */
function normalizeCrmFolder(folder: string | null, capabilities: CrmFileCapabilities): string | null {
  if (capabilities.hasFolders === 'none' || !folder) return null;
  if (capabilities.defaultFolder && sameText(folder, capabilities.defaultFolder)) return null;
  return folder;
}

/** Whether a CRM file sits under this name and folder (case-insensitive; the default folder is the top). */
export function isAtCrmPlace(file: { name: string; folder: string | null }, place: { name: string; folder: string | null }, capabilities: CrmFileCapabilities): boolean {
  return sameText(file.name, place.name) && sameText(normalizeCrmFolder(file.folder, capabilities), normalizeCrmFolder(place.folder, capabilities));
}

/**
 * Where a Dropbox file lands in the CRM. Pipedrive: every folder segment joins the name; Teamleader: the
 * first segment is the folder, deeper ones join the name. Root files get no folder (the CRM's default).
 */
export function mapDropboxPathToCrm(path: string, capabilities: CrmFileCapabilities): { name: string; folder: string | null; notice: FileNotice | null } {
  const segments = segmentsOf(path);
  if (capabilities.hasFolders === 'none') {
    return { name: segments.join(FLATTEN_SEPARATOR), folder: null, notice: segments.length > 1 ? 'crm_no_folders_flattened' : null };
  }
  if (segments.length === 1) return { name: segments[0], folder: null, notice: null };
  return {
    name: segments.slice(1).join(FLATTEN_SEPARATOR),
    folder: segments[0],
    notice: segments.length > 2 ? 'crm_one_folder_level_flattened' : null,
  };
}

/** Where a new CRM file lands in Dropbox (never unflattened: a name with " - " stays one name). */
export function mapCrmFileToPath(file: Pick<CrmFile, 'name' | 'folder'>, capabilities: CrmFileCapabilities): string {
  const folder = normalizeCrmFolder(file.folder, capabilities);
  const name = sanitizeDropboxName(file.name);
  return folder ? joinPath(sanitizeDropboxName(folder), name) : name;
}

/**
 * A linked file's new Dropbox path after its CRM name/folder changed: the Dropbox sub-folders are kept and
 * the flattened prefix they contribute to the CRM name is stripped again (Pipedrive `Offers - q2.pdf` for
 * `Offers/q1.pdf` → `Offers/q2.pdf`).
 */
function pathAfterCrmRename(link: FileLink, name: string, folder: string | null, capabilities: CrmFileCapabilities): string {
  const before = normalizeCrmFolder(link.crmFolder, capabilities);
  const after = normalizeCrmFolder(folder, capabilities);
  if (!sameText(before, after)) return mapCrmFileToPath({ name, folder }, capabilities);
  const dir = dirname(link.relativePath);
  const dirSegments = segmentsOf(dir);
  const flattened = capabilities.hasFolders === 'none' ? dirSegments : dirSegments.slice(1);
  const prefix = flattened.length > 0 ? flattened.join(FLATTEN_SEPARATOR) + FLATTEN_SEPARATOR : '';
  const own = prefix && name.toLowerCase().startsWith(prefix.toLowerCase()) ? name.slice(prefix.length) : name;
  return joinPath(dir, sanitizeDropboxName(own));
}

// ---------------------------------------------------------------------------------------------------
// The planner
// ---------------------------------------------------------------------------------------------------

type Entry = RecordFolderEntry & { pathLower: string };

class Planner {
  readonly actions: FileAction[] = [];
  private readonly crmById = new Map<string, CrmFile>();
  private readonly claimedCrm = new Set<string>();
  private readonly entryById = new Map<string, Entry>();
  private readonly claimedEntries = new Set<string>();
  /** What is in this Dropbox now or after the planned writes: lower-cased path → entry id. */
  private readonly physical = new Map<string, string>();
  /** Canonical paths of the record's links (for every account): lower-cased path → link id. */
  private readonly reserved = new Map<string, string>();
  private readonly folderMissing: boolean;
  private readonly uploadLimit: number;

  constructor(private readonly input: PlanRecordFolderInput) {
    for (const file of input.crmFiles) this.crmById.set(file.id, file);
    this.folderMissing = input.dropbox.folder === null;
    if (!this.folderMissing) {
      for (const e of input.dropbox.entries) {
        const entry = { ...e, pathLower: toPathLower(e.path) };
        this.entryById.set(entry.id, entry);
        this.physical.set(entry.pathLower, entry.id);
      }
    }
    this.uploadLimit = Math.min(MAX_FILE_SIZE_BYTES, input.capabilities.maxFileSize);
  }

  private get canUpload() {
    return this.input.capabilities.canUploadTo(this.input.module);
  }

  private push(action: FileAction) {
    this.actions.push(action);
  }

  run(): FileAction[] {
    this.planFolder();
    const links = [...this.input.base.links].sort((a, b) => a.linkId.localeCompare(b.linkId));
    // Claim every link's CRM file first, so replacement detection only looks at truly new CRM files.
    for (const link of links) if (this.crmById.has(link.crmFileId)) this.claimedCrm.add(link.crmFileId);
    for (const link of links) {
      const state = link.accounts[this.input.account];
      if (state && this.entryById.has(state.dropboxId)) this.claimedEntries.add(state.dropboxId);
      if (this.crmById.has(link.crmFileId) || state) this.reserved.set(toPathLower(link.relativePath), link.linkId);
    }
    for (const link of links) this.planLink(link);
    const newCrmFiles = this.input.crmFiles.filter((f) => !this.claimedCrm.has(f.id)).sort((a, b) => compareIds(a.id, b.id));
    for (const file of newCrmFiles) this.planNewCrmFile(file);
    const newEntries = [...this.entryById.values()]
      .filter((e) => e.kind === 'file' && !this.claimedEntries.has(e.id) && !IGNORED_DROPBOX_NAMES.has(basename(e.pathLower)))
      .sort((a, b) => a.pathLower.localeCompare(b.pathLower));
    for (const entry of newEntries) this.planNewDropboxFile(entry, entry.path);
    return this.actions;
  }

  // --- record folder (F3, F9) ---------------------------------------------------------------------

  private planFolder() {
    const { crm, module, record, base, dropbox } = this.input;
    const derivedName = recordFolderName(record.name, record.id);
    const current = dropbox.folder;
    if (!base.folder || !current) {
      // First sync, or the folder (or the whole app folder) is gone: create it and re-sync by id.
      this.push({ type: 'dropbox.createFolder', path: recordFolderPath(crm, module, record.name, record.id), derivedName });
      return;
    }
    const moved = current.pathLower !== base.folder.pathLower;
    if (derivedName === base.folder.derivedName) {
      // The user renamed or moved the folder in Dropbox: follow it, never move it back or duplicate it.
      if (moved) this.push({ type: 'folder.follow', folderId: current.id, pathLower: current.pathLower, pathDisplay: current.pathDisplay, derivedName });
      return;
    }
    // The record was renamed in the CRM: rename the folder where it is now.
    const toPath = `/${joinPath(dirname(current.pathDisplay), derivedName)}`;
    if (toPath === current.pathDisplay) {
      this.push({ type: 'folder.follow', folderId: current.id, pathLower: current.pathLower, pathDisplay: current.pathDisplay, derivedName });
    } else if (toPathLower(toPath) === current.pathLower) {
      // move_v2 cannot change only the case: go through a temporary name.
      this.push({ type: 'dropbox.moveFolder', folderId: current.id, toPath, viaPath: `${toPath} (renaming)`, derivedName });
    } else {
      this.push({ type: 'dropbox.moveFolder', folderId: current.id, toPath, viaPath: null, derivedName });
    }
  }

  // --- helpers --------------------------------------------------------------------------------------

  private isDeletedBySignal(pathLower: string): boolean {
    if (this.input.dropbox.isReset) return false;
    return this.input.dropbox.deletedPathsLower.some((d) => d === pathLower || pathLower.startsWith(`${d}/`));
  }

  private unclaimedEntryAt(pathLower: string): Entry | undefined {
    for (const entry of this.entryById.values()) {
      if (entry.kind === 'file' && entry.pathLower === pathLower && !this.claimedEntries.has(entry.id)) return entry;
    }
    return undefined;
  }

  /**
   * A free relative path near `wanted` (Dropbox autorename style) for link `owner`, whose Dropbox copy (if
   * any) is `ownEntryId`: not taken by another file in this Dropbox, nor by another link's canonical path.
   */
  private claimPath(wanted: string, owner: string, ownEntryId?: string): string {
    let path = wanted;
    for (let n = 2; ; n++) {
      const inDropbox = this.physical.get(toPathLower(path));
      const inLinks = this.reserved.get(toPathLower(path));
      if ((inDropbox === undefined || inDropbox === ownEntryId) && (inLinks === undefined || inLinks === owner)) break;
      path = joinPath(dirname(wanted), numberedName(basename(wanted), n));
    }
    this.reserved.set(toPathLower(path), owner);
    return path;
  }

  private movePhysical(entryId: string, fromPath: string, toPath: string) {
    if (this.physical.get(toPathLower(fromPath)) === entryId) this.physical.delete(toPathLower(fromPath));
    this.physical.set(toPathLower(toPath), entryId);
  }

  private accountState(entry: Entry, crmFileId: string, path: string): AccountFileState {
    return {
      dropboxId: entry.id,
      rev: entry.rev ?? '',
      contentHash: entry.contentHash ?? '',
      pathLower: toPathLower(path),
      crmFileId,
      deletedInDropbox: false,
      lastSyncedAt: this.input.now,
    };
  }

  private knownCrmHash(crmFileId: string): string | null {
    return this.input.crmContentHashes?.[crmFileId] ?? null;
  }

  private otherAccounts(link: FileLink): number {
    return Object.keys(link.accounts).filter((a) => a !== this.input.account).length;
  }

  /** The CRM can rename this file in place (it cannot move it between folders). */
  private canRenameInCrm(folder: string | null, crmFile: CrmFile): boolean {
    const { capabilities } = this.input;
    return capabilities.canRename && sameText(normalizeCrmFolder(folder, capabilities), normalizeCrmFolder(crmFile.folder, capabilities));
  }

  /** Why a Dropbox file cannot go to the CRM, or null when it can. */
  private dropboxToCrmBlocker(entry: Entry): FileSkipReason | null {
    if (!this.canUpload) return 'crm_cannot_receive_uploads';
    if ((entry.size ?? 0) > this.uploadLimit) return 'too_large';
    if (entry.isDownloadable === false) return 'not_downloadable';
    return null;
  }

  private skipDropbox(entry: Entry, reason: FileSkipReason) {
    this.push({ type: 'skip', reason, side: 'dropbox', fileId: entry.id, name: entry.path, size: entry.size ?? 0 });
  }

  private skipCrm(file: CrmFile, reason: FileSkipReason) {
    this.push({ type: 'skip', reason, side: 'crm', fileId: file.id, name: file.name, size: file.size });
  }

  /** A Dropbox file that is not (or no longer) any link's copy: it goes to the CRM as a new file. */
  private planNewDropboxFile(entry: Entry, path: string, linkId = linkIdForDropboxFile(this.input.account, entry.id)) {
    this.claimedEntries.add(entry.id);
    const blocker = this.dropboxToCrmBlocker(entry);
    if (blocker) return this.skipDropbox(entry, blocker);
    const mapped = mapDropboxPathToCrm(path, this.input.capabilities);
    this.push({
      type: 'crm.upload',
      linkId,
      dropboxId: entry.id,
      path,
      name: mapped.name,
      folder: mapped.folder,
      size: entry.size ?? 0,
      contentHash: entry.contentHash ?? '',
    });
    if (mapped.notice) this.push({ type: 'notice', reason: mapped.notice, path, crmName: mapped.name });
  }

  /** Moves an unlinked Dropbox file aside as a conflicted copy; it then goes to the CRM as a new file. */
  private keepDropboxCopy(entry: Entry, detachFrom: string | null, reason: 'both_changed' | 'both_added', linkId: string) {
    const copyLinkId = linkIdForDropboxFile(this.input.account, entry.id, entry.rev);
    const copyName = conflictedCopyName(basename(entry.path), this.input.now, this.input.conflictLabel);
    const copyPath = this.claimPath(joinPath(dirname(entry.path), copyName), copyLinkId, entry.id);
    this.push({ type: 'conflict', reason, linkId, path: entry.path, copyPath });
    this.push({ type: 'dropbox.move', linkId: detachFrom, bookkeeping: detachFrom ? 'detach' : 'none', dropboxId: entry.id, fromPath: entry.path, toPath: copyPath });
    this.movePhysical(entry.id, entry.path, copyPath);
    this.planNewDropboxFile(entry, copyPath, copyLinkId);
  }

  /**
   * Puts the CRM file of a link into this account's Dropbox at `wanted` (this account has no copy yet).
   * A Dropbox file already there, or one that maps to the same CRM name and has the same size, may be this
   * very file (a transfer whose bookkeeping was lost, B10): it is adopted when the hashes match, after a
   * `crm.hash` when the CRM file's hash is unknown. A different file at the path is kept as a conflicted copy.
   */
  private placeCrmFile(linkId: string, file: CrmFile, linkHash: string | null, wanted: string, newLink: LinkFields | null, linkPatch: Partial<LinkFields>) {
    const knownHash = linkHash ?? this.knownCrmHash(file.id);
    const squatter = this.unclaimedEntryAt(toPathLower(wanted));
    const twin = squatter ?? this.findMappedTwin(file);
    if (twin) {
      this.claimedEntries.add(twin.id);
      if (knownHash === null && twin.size === file.size) {
        // Same size, unknown CRM hash: ask for it rather than guess (B10: no duplicates, no mislinks).
        if (!newLink && Object.keys(linkPatch).length > 0) this.push({ type: 'link.update', linkId, link: linkPatch });
        this.push({ type: 'crm.hash', crmFileId: file.id });
        return;
      }
      if (isSameContent(twin.contentHash, knownHash)) {
        const account = this.accountState(twin, file.id, twin.path);
        if (newLink) {
          const link: FileLink = { linkId, ...newLink, ...linkPatch, relativePath: twin.path, contentHash: knownHash, accounts: { [this.input.account]: account } };
          this.push({ type: 'link.create', link });
        } else {
          this.push({ type: 'link.update', linkId, link: { ...linkPatch, contentHash: knownHash }, account });
        }
        this.reserved.set(twin.pathLower, linkId);
        return;
      }
      if (twin === squatter) this.keepDropboxCopy(squatter, null, 'both_added', linkId);
      else this.claimedEntries.delete(twin.id); // a different file that only maps to the same CRM name
    }
    // Numbered only in this Dropbox when another file is in the way here; the canonical path stays.
    const path = this.claimPath(wanted, linkId);
    if (file.size > MAX_FILE_SIZE_BYTES) {
      if (Object.keys(linkPatch).length > 0) this.push({ type: 'link.update', linkId, link: linkPatch });
      return this.skipCrm(file, 'too_large');
    }
    const patchedNewLink = newLink ? { ...newLink, ...linkPatch, relativePath: path } : null;
    if (!newLink && Object.keys(linkPatch).length > 0) this.push({ type: 'link.update', linkId, link: linkPatch });
    this.physical.set(toPathLower(path), `upload:${linkId}`);
    this.push({ type: 'dropbox.upload', linkId, newLink: patchedNewLink, crmFileId: file.id, path, size: file.size, mode: { type: 'add' } });
  }

  /** An unlinked Dropbox file of the same size whose path maps to this CRM file's name and folder. */
  private findMappedTwin(file: CrmFile): Entry | undefined {
    const { capabilities } = this.input;
    return [...this.entryById.values()].find((e) => {
      if (e.kind !== 'file' || this.claimedEntries.has(e.id) || e.size !== file.size) return false;
      const mapped = mapDropboxPathToCrm(e.path, capabilities);
      return sameText(mapped.name, file.name) && sameText(normalizeCrmFolder(mapped.folder, capabilities), normalizeCrmFolder(file.folder, capabilities));
    });
  }

  // --- linked files ---------------------------------------------------------------------------------

  /** A new CRM file with the same name and folder as a vanished linked one: the CRM user replaced it. */
  private findCrmReplacement(link: FileLink): CrmFile | undefined {
    const matches = this.input.crmFiles.filter(
      (f) =>
        !this.claimedCrm.has(f.id) &&
        sameText(f.name, link.crmName) &&
        sameText(normalizeCrmFolder(f.folder, this.input.capabilities), normalizeCrmFolder(link.crmFolder, this.input.capabilities)),
    );
    return matches.length === 1 ? matches[0] : undefined;
  }

  private planLink(link: FileLink) {
    const { account, capabilities } = this.input;
    let state: AccountFileState | undefined = link.accounts[account];
    const linkPatch: Partial<LinkFields> = {};

    // CRM side: the same file, a replacement (same name and folder, new id), or deleted.
    let crmFile = this.crmById.get(link.crmFileId);
    let knownHash = link.contentHash ?? this.knownCrmHash(link.crmFileId);
    if (!crmFile) {
      crmFile = this.findCrmReplacement(link);
      if (crmFile) {
        this.claimedCrm.add(crmFile.id);
        knownHash = this.knownCrmHash(crmFile.id);
        Object.assign(linkPatch, { crmFileId: crmFile.id, crmSize: crmFile.size, contentHash: knownHash });
      }
    }

    // Dropbox side: the same file by id, a same-path replacement (delete + add), deleted, or just absent.
    let entry = state && !this.folderMissing ? this.entryById.get(state.dropboxId) : undefined;
    let isEntryReplaced = false;
    if (state && !entry && !this.folderMissing) {
      const twin = this.unclaimedEntryAt(state.pathLower);
      if (twin) {
        entry = twin;
        isEntryReplaced = true;
        this.claimedEntries.add(twin.id);
      }
    }
    if (state?.deletedInDropbox && entry && !isEntryReplaced) {
      // The user restored the very file (same id): it is synced again.
      state = { ...state, deletedInDropbox: false };
    }
    const isTombstoned = !!state?.deletedInDropbox && !entry;
    const isDeletedInDropbox = !!state && !entry && !isTombstoned && !this.folderMissing && this.isDeletedBySignal(state.pathLower);

    if (!crmFile) return this.planCrmDeleted(link, state, entry, isEntryReplaced, isTombstoned || isDeletedInDropbox);

    // CRM rename (Pipedrive; Teamleader files change name only through a replacement).
    let canonicalPath = link.relativePath;
    const isCrmRenamed = !sameText(crmFile.name, link.crmName) || !sameText(normalizeCrmFolder(crmFile.folder, capabilities), normalizeCrmFolder(link.crmFolder, capabilities));
    if (isCrmRenamed || crmFile.name !== link.crmName || crmFile.folder !== link.crmFolder) {
      if (isCrmRenamed) canonicalPath = this.pathForCrmRename(link, crmFile, state);
      Object.assign(linkPatch, { crmName: crmFile.name, crmFolder: crmFile.folder, relativePath: canonicalPath });
    }
    if (crmFile.size !== link.crmSize) linkPatch.crmSize = crmFile.size;

    if (isTombstoned) {
      if (Object.keys(linkPatch).length > 0) this.push({ type: 'link.update', linkId: link.linkId, link: linkPatch });
      return;
    }
    if (isDeletedInDropbox) {
      // F5: deleted in Dropbox → remembered, never deleted in the CRM, never uploaded here again.
      if (Object.keys(linkPatch).length > 0) this.push({ type: 'link.update', linkId: link.linkId, link: linkPatch });
      this.push({ type: 'link.tombstone', linkId: link.linkId });
      return;
    }
    if (!state || !entry) {
      // This account has no copy (fan-out, F5) or lost it without a delete signal: re-sync by id.
      if (canonicalPath !== link.relativePath) this.reserved.set(toPathLower(canonicalPath), link.linkId);
      return this.placeCrmFile(link.linkId, crmFile, knownHash, canonicalPath, null, linkPatch);
    }
    this.planLinkedPair(link, state, entry, isEntryReplaced, crmFile, knownHash, canonicalPath, isCrmRenamed, linkPatch);
  }

  private planCrmDeleted(link: FileLink, state: AccountFileState | undefined, entry: Entry | undefined, isEntryReplaced: boolean, isGoneFromDropbox: boolean) {
    const removeLink = this.otherAccounts(link) === 0;
    if (!state) {
      if (removeLink) this.push({ type: 'link.forget', linkId: link.linkId, removeLink: true });
      return;
    }
    if (!entry || isGoneFromDropbox) return this.push({ type: 'link.forget', linkId: link.linkId, removeLink });
    const isEditedInDropbox = isEntryReplaced || !isSameContent(entry.contentHash, state.contentHash);
    if (!isEditedInDropbox) {
      // F4: deleted in the CRM → deleted in Dropbox (counted by the B3 brake; parent_rev guards edits).
      this.push({ type: 'dropbox.delete', linkId: link.linkId, dropboxId: entry.id, parentRev: entry.rev ?? '', path: entry.path, removeLink });
      this.physical.delete(entry.pathLower);
      return;
    }
    // Edited in Dropbox after the CRM deleted it: the edit wins and goes back to the CRM as a new file.
    this.push({ type: 'link.forget', linkId: link.linkId, removeLink });
    this.planNewDropboxFile(entry, entry.path, linkIdForDropboxFile(this.input.account, entry.id, entry.rev));
  }

  private planLinkedPair(
    link: FileLink,
    state: AccountFileState,
    entry: Entry,
    isEntryReplaced: boolean,
    crmFile: CrmFile,
    knownHash: string | null,
    canonicalPath: string,
    isCrmRenamed: boolean,
    linkPatch: Partial<LinkFields>,
  ) {
    const { capabilities } = this.input;
    const linkId = link.linkId;
    const isDropboxEdited = !isSameContent(entry.contentHash, state.contentHash);
    const isCrmEdited = crmFile.id !== state.crmFileId;
    const isDropboxMoved = entry.pathLower !== state.pathLower;
    const isSameAsCrm = isSameContent(entry.contentHash, knownHash);

    if (isDropboxEdited && isCrmEdited && knownHash === null && entry.size === crmFile.size) {
      // Maybe the same bytes on both sides (e.g. our own write whose bookkeeping was lost): ask, don't guess.
      if (Object.keys(linkPatch).length > 0) this.push({ type: 'link.update', linkId, link: linkPatch });
      this.push({ type: 'crm.hash', crmFileId: crmFile.id });
      return;
    }
    if (isDropboxEdited && isCrmEdited && !isSameAsCrm) {
      // Both changed: keep both. The CRM version keeps the (CRM's) name; the Dropbox edit becomes a copy.
      if (Object.keys(linkPatch).length > 0) this.push({ type: 'link.update', linkId, link: linkPatch });
      this.keepDropboxCopy(entry, linkId, 'both_changed', linkId);
      const path = this.claimPath(canonicalPath, linkId);
      if (crmFile.size > MAX_FILE_SIZE_BYTES) return this.skipCrm(crmFile, 'too_large');
      this.physical.set(toPathLower(path), `upload:${linkId}`);
      this.push({ type: 'dropbox.upload', linkId, newLink: null, crmFileId: crmFile.id, path, size: crmFile.size, mode: { type: 'add' } });
      return;
    }

    // Where the file should be, and what the CRM should be called.
    let targetPath = canonicalPath;
    let crmTarget: { name: string; folder: string | null } | null = null;
    let renameBlocked: FileSkipReason | null = null;
    if (!isCrmRenamed && isDropboxMoved) {
      // The user renamed or moved the file in Dropbox: the CRM follows (F9), then every other account.
      const mapped = mapDropboxPathToCrm(entry.path, capabilities);
      const isSameInCrm =
        sameText(mapped.name, crmFile.name) &&
        sameText(normalizeCrmFolder(mapped.folder, capabilities), normalizeCrmFolder(crmFile.folder, capabilities));
      targetPath = entry.path;
      if (isSameInCrm) {
        linkPatch.relativePath = entry.path;
      } else if (this.canRenameInCrm(mapped.folder, crmFile) || this.dropboxToCrmBlocker(entry) === null) {
        crmTarget = { name: mapped.name, folder: mapped.folder };
      } else {
        // The CRM can neither rename nor take a new copy: the Dropbox name stays this account's own, and
        // the base keeps the old path so the skip is listed on every run instead of being undone.
        renameBlocked = 'crm_cannot_rename';
      }
    }
    if (targetPath !== entry.path) targetPath = this.claimPath(targetPath, linkId, entry.id);
    else this.reserved.set(entry.pathLower, linkId);

    if (Object.keys(linkPatch).length > 0) this.push({ type: 'link.update', linkId, link: linkPatch });
    if (renameBlocked) this.skipDropbox(entry, renameBlocked);

    // Follow the canonical path (a CRM rename, or another account's rename that reached the CRM).
    let currentPath = entry.path;
    // The account's pathLower after the move/rename below has been booked.
    let bookedPathLower = state.pathLower;
    /** Before a skip: where this account's copy is now (a same-path replacement, a followed move) is booked. */
    const bookPosition = () => {
      const pathLower = renameBlocked ? state.pathLower : toPathLower(currentPath);
      if (entry.id !== state.dropboxId || pathLower !== bookedPathLower) {
        this.push({ type: 'link.update', linkId, account: { ...state, dropboxId: entry.id, pathLower } });
      }
    };
    if (toPathLower(targetPath) !== entry.pathLower) {
      this.push({ type: 'dropbox.move', linkId, bookkeeping: 'follow', dropboxId: entry.id, fromPath: entry.path, toPath: targetPath });
      this.movePhysical(entry.id, entry.path, targetPath);
      currentPath = targetPath;
      bookedPathLower = toPathLower(targetPath);
    }

    if (isDropboxEdited && !isSameAsCrm) {
      // F5: a Dropbox edit reaches the CRM as a new file (no in-place content change), keeping the link.
      const blocker = this.dropboxToCrmBlocker(entry);
      if (blocker) {
        // The edit stays Dropbox-only (listed); a rename still reaches the CRM where it can rename.
        if (crmTarget && this.canRenameInCrm(crmTarget.folder, crmFile)) {
          this.push({ type: 'crm.rename', linkId, crmFileId: crmFile.id, name: crmTarget.name, path: currentPath });
          bookedPathLower = toPathLower(currentPath);
        }
        bookPosition();
        return this.skipDropbox(entry, blocker);
      }
      return this.pushReplace(linkId, crmFile, entry, currentPath, crmTarget ?? { name: crmFile.name, folder: crmFile.folder });
    }

    if (crmTarget) {
      if (this.canRenameInCrm(crmTarget.folder, crmFile)) {
        this.push({ type: 'crm.rename', linkId, crmFileId: crmFile.id, name: crmTarget.name, path: currentPath });
        bookedPathLower = toPathLower(currentPath);
      } else {
        // Teamleader cannot rename or move a file: the new name arrives as a new copy (same link). When the
        // CRM content changed too, the copy first takes the CRM content, so the replace carries the edit.
        if (isCrmEdited && !isSameAsCrm) {
          // Too large to bring the CRM edit over: nothing moves; the rename is retried (not booked).
          if (crmFile.size > MAX_FILE_SIZE_BYTES) return this.skipCrm(crmFile, 'too_large');
          this.push({ type: 'dropbox.upload', linkId, newLink: null, crmFileId: crmFile.id, path: currentPath, size: crmFile.size, mode: { type: 'update', rev: entry.rev ?? '' } });
        }
        return this.pushReplace(linkId, crmFile, entry, currentPath, crmTarget);
      }
    }

    if (isCrmEdited && !isSameAsCrm) {
      // F4: a CRM edit (a replacement there, or another account's edit) overwrites only the rev we know.
      if (crmFile.size > MAX_FILE_SIZE_BYTES) {
        bookPosition();
        return this.skipCrm(crmFile, 'too_large');
      }
      this.push({ type: 'dropbox.upload', linkId, newLink: null, crmFileId: crmFile.id, path: currentPath, size: crmFile.size, mode: { type: 'update', rev: entry.rev ?? '' } });
      return;
    }

    // Same content on both sides: bookkeeping only (a rev without content change, a restored tombstone,
    // a path that followed, or the CRM file's hash learned from the copy that mirrors it).
    const next = this.accountState(entry, crmFile.id, renameBlocked ? state.pathLower : currentPath);
    const isStateStale =
      next.dropboxId !== state.dropboxId ||
      next.rev !== state.rev ||
      next.contentHash !== state.contentHash ||
      next.pathLower !== bookedPathLower ||
      next.crmFileId !== state.crmFileId ||
      link.accounts[this.input.account]?.deletedInDropbox === true;
    const learnedHash = knownHash === null && !isCrmEdited && !isDropboxEdited && entry.contentHash ? entry.contentHash : null;
    if (isStateStale || learnedHash) {
      this.push({ type: 'link.update', linkId, ...(learnedHash ? { link: { contentHash: learnedHash } } : {}), ...(isStateStale ? { account: next } : {}) });
    }
  }

  /**
   * Where a CRM rename puts the file. When this account's copy already sits where the new CRM name maps
   * from (it was our own rename of a Dropbox move, booked only in the CRM before a crash), it stays.
   */
  private pathForCrmRename(link: FileLink, crmFile: CrmFile, state: AccountFileState | undefined): string {
    const { capabilities } = this.input;
    const entry = state && !state.deletedInDropbox ? this.entryById.get(state.dropboxId) : undefined;
    if (entry) {
      const mapped = mapDropboxPathToCrm(entry.path, capabilities);
      const isMappedHere =
        sameText(mapped.name, crmFile.name) && sameText(normalizeCrmFolder(mapped.folder, capabilities), normalizeCrmFolder(crmFile.folder, capabilities));
      if (isMappedHere && entry.pathLower !== toPathLower(link.relativePath)) return entry.path;
    }
    return pathAfterCrmRename(link, crmFile.name, crmFile.folder, capabilities);
  }

  /** crm.replace, finishing an interrupted one when its new file is already in the CRM (B10). */
  private pushReplace(linkId: string, crmFile: CrmFile, entry: Entry, path: string, target: { name: string; folder: string | null }) {
    const { capabilities } = this.input;
    const uploaded = this.input.crmFiles.find(
      (f) =>
        !this.claimedCrm.has(f.id) &&
        f.size === entry.size &&
        sameText(f.name, target.name) &&
        sameText(normalizeCrmFolder(f.folder, capabilities), normalizeCrmFolder(target.folder, capabilities)),
    );
    if (uploaded) {
      this.claimedCrm.add(uploaded.id);
      const hash = this.knownCrmHash(uploaded.id);
      if (hash === null) return this.push({ type: 'crm.hash', crmFileId: uploaded.id });
      if (!isSameContent(hash, entry.contentHash)) this.claimedCrm.delete(uploaded.id);
    }
    const isUploaded = uploaded !== undefined && this.claimedCrm.has(uploaded.id);
    this.push({
      type: 'crm.replace',
      linkId,
      oldCrmFileId: crmFile.id,
      dropboxId: entry.id,
      path,
      name: target.name,
      folder: target.folder,
      size: entry.size ?? 0,
      contentHash: entry.contentHash ?? '',
      uploadedCrmFileId: isUploaded ? uploaded.id : null,
    });
  }

  // --- new files --------------------------------------------------------------------------------------

  private planNewCrmFile(file: CrmFile) {
    this.claimedCrm.add(file.id);
    const newLink: LinkFields = { crmFileId: file.id, crmName: file.name, crmFolder: file.folder, crmSize: file.size, contentHash: null, relativePath: '' };
    this.placeCrmFile(linkIdForCrmFile(file.id), file, null, mapCrmFileToPath(file, this.input.capabilities), newLink, {});
  }
}

/** Numeric CRM ids sort numerically (older files first keep the plain name), others as text. */
function compareIds(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  return a.localeCompare(b);
}

/** Plans one record folder for one Dropbox account. Pure; see the contract at the top of this file. */
export function planRecordFolder(input: PlanRecordFolderInput): FileAction[] {
  return new Planner(input).run();
}

// ---------------------------------------------------------------------------------------------------
// B3 delete brake
// ---------------------------------------------------------------------------------------------------

export type DeleteBrakeDecision = { deletes: number; linked: number; shouldPause: boolean };

/**
 * B3: decides whether a run pauses and asks before deleting. `actions` are all actions of the run (every
 * record folder); `linked` is the number of linked files those records had. Only Dropbox deletes count
 * (CRM files are never deleted by a Dropbox delete; `crm.replace` re-adds what it removes).
 */
export function planDeleteBrake(actions: readonly FileAction[], totals: { linked: number }, brake: DeleteBrake = FILE_DELETE_BRAKE): DeleteBrakeDecision {
  const deletes = actions.filter((a) => a.type === 'dropbox.delete').length;
  const linked = totals.linked;
  if (deletes <= brake.floor) return { deletes, linked, shouldPause: false };
  const shouldPause = deletes > brake.max || deletes > Math.floor(linked * brake.ratio);
  return { deletes, linked, shouldPause };
}
