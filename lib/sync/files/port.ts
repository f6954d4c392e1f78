/**
 * The ports of the files pillar: what the effects layer needs from Dropbox and from a CRM's record files.
 * lib/providers/dropbox and lib/crm/* implement them; the planner (plan.ts) never calls them — it reads
 * their listings and returns actions that the effects layer carries out through these ports.
 * Types only. Paths are app-folder relative (`/Deals/Acme (42)/offer.pdf`); bodies stream.
 */

export type ByteStream = ReadableStream<Uint8Array>;

/** A Dropbox file or folder as list_folder/get_metadata report it (providers.md §1.5). */
export type DropboxEntry = {
  kind: 'file' | 'folder';
  /** `id:…`, stable across renames and moves. */
  id: string;
  name: string;
  pathLower: string;
  pathDisplay: string;
  /** Files only. */
  rev?: string;
  contentHash?: string;
  size?: number;
  isDownloadable?: boolean;
  serverModified?: string;
};

/** One page of list_folder / list_folder/continue. Deleted entries carry no id (§1.5). */
export type DropboxChanges = {
  entries: DropboxEntry[];
  deletedPathsLower: string[];
  cursor: string;
  hasMore: boolean;
};

/** `update` writes only over this rev (sent with strict_conflict, §1.7); a mismatch is a `conflict` error. */
export type DropboxWriteMode = { type: 'add' } | { type: 'overwrite' } | { type: 'update'; rev: string };

export type DropboxFileStore = {
  /** get_metadata on `id:…`; null when the folder no longer exists (deleted, or the app folder is gone). */
  getFolder(folderId: string): Promise<DropboxEntry | null>;
  /** A complete recursive listing of a folder plus a cursor for later changes. */
  listFolder(path: string): Promise<DropboxChanges>;
  /** Changes since the cursor; `reset` when Dropbox invalidated it (→ full listing, no deletes inferred). */
  listChanges(cursor: string): Promise<DropboxChanges | { reset: true }>;
  /** create_folder_v2; an existing folder at the path is returned instead of an error. */
  createFolder(path: string): Promise<DropboxEntry>;
  /** move_v2 from `id:…`; the id survives. Case-only renames need two moves (the planner plans them). */
  move(fromId: string, toPath: string): Promise<DropboxEntry>;
  /** delete_v2 with parent_rev for files, so a file edited since the listing is not deleted. */
  delete(id: string, parentRev?: string): Promise<void>;
  /** Resolves to the written metadata; identical content is a no-op that returns the current metadata. */
  upload(path: string, body: ByteStream, size: number, mode: DropboxWriteMode): Promise<DropboxEntry>;
  /** The metadata is of the version actually streamed (record it, not the listing's). */
  download(id: string): Promise<{ entry: DropboxEntry; body: ByteStream }>;
};

/** A file on a CRM record, in our canonical shape. */
export type CrmFile = {
  id: string;
  name: string;
  /** Teamleader's one-level folder; null at the top level and always null on Pipedrive. */
  folder: string | null;
  size: number;
  modifiedAt: string | null;
};

export type CrmFileCapabilities = {
  /** Pipedrive: none; Teamleader: one level (a `folder` string on each file). */
  hasFolders: 'none' | 'one-level';
  /**
   * The folder the CRM puts a file in when none is given (Teamleader: `General`, in the account's
   * language). Its files live at the top of the record folder in Dropbox. Null when there is none.
   */
  defaultFolder: string | null;
  /** Pipedrive can change a file's visible name; Teamleader cannot (rename = delete + add). */
  canRename: boolean;
  /** Teamleader meetings, products and legacy projects accept no uploads: those sync CRM → Dropbox only. */
  canUploadTo(module: string): boolean;
  /** Largest upload the CRM accepts, in bytes. */
  maxFileSize: number;
};

export type CrmRecordRef = { module: string; recordId: string };

export type CrmFileStore = {
  capabilities: CrmFileCapabilities;
  /** Every file of the record (all pages). Absence from a complete list is the CRM's only delete signal. */
  listRecordFiles(record: CrmRecordRef): Promise<CrmFile[]>;
  download(fileId: string): Promise<ByteStream>;
  upload(record: CrmRecordRef, file: { name: string; folder: string | null; size: number; body: ByteStream }): Promise<CrmFile>;
  delete(fileId: string): Promise<void>;
  /** Only where `capabilities.canRename`. */
  rename?(fileId: string, name: string): Promise<CrmFile>;
};
