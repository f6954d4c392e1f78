/**
 * Base state of the files pillar: what was true on both sides after the last sync, keyed by ids.
 *
 * One logical file of a CRM record is one `FileLink`, shared by every Dropbox account that syncs the
 * record (F5): it holds the CRM side (file id, name, folder, size, and the content hash when we know it)
 * and the canonical path inside the record folder. Each account has its own `AccountFileState` on the
 * link: that account's Dropbox file id, rev, content hash and path, which CRM file version it mirrors,
 * and its tombstone. A Dropbox change reaches other accounts through the CRM and the shared link: the
 * link's `crmFileId` moves on, and every other account sees its copy mirror an older version.
 *
 * Paths inside a record folder are relative (`Offers/q1.pdf`, no leading slash), display-cased;
 * comparisons use `toPathLower`.
 */

/** The record folder in one account's Dropbox (identity: `folderId`, F9). */
export type RecordFolderState = {
  folderId: string;
  pathLower: string;
  pathDisplay: string;
  /**
   * The folder name we last derived from the record (`recordFolderName`). A different derivation now
   * means the record was renamed in the CRM; a different actual name with the same derivation means the
   * user renamed the folder in Dropbox, which we follow.
   */
  derivedName: string;
};

export type AccountFileState = {
  dropboxId: string;
  rev: string;
  contentHash: string;
  /** Relative to the record folder, lower-cased, as last seen or written. Deleted entries match on it. */
  pathLower: string;
  /** The CRM file (version) this Dropbox copy mirrors; differs from the link's once the CRM content moved on. */
  crmFileId: string;
  /** F5: deleted by the user in this Dropbox: never re-uploaded to this account, never deleted in the CRM. */
  deletedInDropbox: boolean;
  lastSyncedAt: string;
  /**
   * B10: the CRM file a `crm.replace` of this account uploaded a successor for and is about to delete. Set
   * before the delete, cleared after it: a replace interrupted in between (crash, lost answer, 429) is
   * finished by the next run (the old file is deleted), never mistaken for a new CRM file and duplicated.
   */
  supersededCrmFileId?: string;
  /**
   * B10/F5: the Dropbox version a `crm.replace` of this account is uploading, set before the upload and
   * dropped with the state written after it. When the upload reached the CRM but its answer was lost, the
   * next run on the record (any account's) adopts the CRM file that matches it (name, folder, size, then
   * content hash) and finishes the replace, instead of syncing it to every Dropbox as a new file and
   * uploading the edit a second time.
   */
  pendingCrmUpload?: { name: string; folder: string | null; size: number; contentHash: string; rev: string; path: string };
};

export type FileLink = {
  /** Stable across content replacements (a new CRM file id keeps the link). */
  linkId: string;
  crmFileId: string;
  crmName: string;
  crmFolder: string | null;
  crmSize: number;
  /** Dropbox content hash of the CRM file's bytes, once we transferred them; null when unknown. */
  contentHash: string | null;
  /** Canonical display path inside the record folder, which every account converges to. */
  relativePath: string;
  /** Per Dropbox account key (e.g. our linked-account id). */
  accounts: Record<string, AccountFileState>;
};

/** The base of one record for the account being planned. */
export type RecordFilesBase = {
  folder: RecordFolderState | null;
  links: FileLink[];
};

/**
 * Two Dropbox content hashes (providers.md §1.8) describe the same bytes. Unknown (null/undefined) is
 * never equal to anything: the planner then assumes the contents differ and keeps both.
 */
export function isSameContent(a: string | null | undefined, b: string | null | undefined): boolean {
  return typeof a === 'string' && typeof b === 'string' && a !== '' && a === b;
}

/** Dropbox compares paths case-insensitively (§1.4). */
export function toPathLower(path: string): string {
  return path.toLowerCase();
}

/** Deterministic link ids, so a retried plan names the same link (B10). */
export const linkIdForCrmFile = (crmFileId: string) => `crm:${crmFileId}`;
/** With `rev` for a copy of a file that already belongs to another link (conflicted copy, edit after a CRM delete). */
export const linkIdForDropboxFile = (account: string, dropboxId: string, rev?: string) =>
  rev ? `dropbox:${account}:${dropboxId}@${rev}` : `dropbox:${account}:${dropboxId}`;
