/**
 * One source of truth for the Dropbox files pillar: limits, folder names, Dropbox-safe names, flattening
 * onto CRMs with fewer folder levels, conflicted-copy names and the delete brake (also imported by tests).
 * Pure string functions only.
 */
import type { CrmKind } from '@/lib/crm/port';

/**
 * F6: at most 50 MB per file. Binary megabytes (52,428,800 bytes) — the anchor does not say which; a
 * CRM whose upload limit is lower says so in its capabilities (`maxFileSize`) and the stricter one wins.
 */
export const MAX_FILE_SIZE_BYTES = 50 * 1024 * 1024;

/**
 * F2/F3: the first path level inside the app folder, per CRM module. English and fixed: a folder name is
 * part of where users find their files, so it never follows the viewer's locale.
 */
export const MODULE_FOLDER_NAMES = {
  pipedrive: { persons: 'Persons', organizations: 'Organizations', deals: 'Deals', products: 'Products' },
  teamleader: { contacts: 'Contacts', companies: 'Companies', projects: 'Projects', meetings: 'Meetings', products: 'Products' },
} as const satisfies Record<CrmKind, Record<string, string>>;

export type FileModule<C extends CrmKind = CrmKind> = keyof (typeof MODULE_FOLDER_NAMES)[C];

/** Longest record name kept in a folder name (the ` (<id>)` suffix is added on top), so paths stay short on Windows. */
export const MAX_RECORD_NAME_LENGTH = 80;
/** Dropbox (and every desktop file system it syncs to) caps one path component at 255 characters. */
export const MAX_NAME_LENGTH = 255;
/** Used when a CRM name sanitizes to nothing. */
export const UNTITLED_NAME = 'Untitled';

/**
 * Pipedrive has no folders and Teamleader one level: deeper Dropbox path segments are joined into the
 * file name with this separator (`Offers/2024/q1.pdf` → Pipedrive `Offers - 2024 - q1.pdf`).
 */
export const FLATTEN_SEPARATOR = ' - ';

/**
 * Names the Dropbox desktop client never syncs (§1.4): never uploaded to a CRM, never matched.
 * Lower-case; compared with the lower-cased last path segment.
 */
export const IGNORED_DROPBOX_NAMES: ReadonlySet<string> = new Set(['desktop.ini', 'thumbs.db', '.ds_store', 'icon\r', '.dropbox', '.dropbox.attr']);

/**
 * B3 delete brake for files. A run (all record folders of one connection) that would delete more than
 * `floor` Dropbox files pauses and asks when it deletes more than `max` files or more than `ratio` of the
 * linked files it looked at. The floor keeps an ordinary "removed two files from a deal" from asking.
 */
export const FILE_DELETE_BRAKE = { floor: 5, max: 50, ratio: 0.2 } as const;
export type DeleteBrake = { floor: number; max: number; ratio: number };

// Windows-hostile characters, `/` and `\` (invalid everywhere) and control characters (§1.4).
// eslint-disable-next-line no-control-regex
const FORBIDDEN_CHARACTERS = /[<>:"|?*/\\\u0000-\u001f\u007f]/g;
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;

/** Splits `report.final.pdf` into `report.final` + `.pdf`; dot-files and names without a dot have no extension. */
export function splitExtension(name: string): { stem: string; extension: string } {
  const dot = name.lastIndexOf('.');
  if (dot <= 0 || dot === name.length - 1) return { stem: name, extension: '' };
  return { stem: name.slice(0, dot), extension: name.slice(dot) };
}

function truncateKeepingExtension(name: string, max: number): string {
  if (name.length <= max) return name;
  const { stem, extension } = splitExtension(name);
  if (extension.length >= max / 2) return name.slice(0, max).trimEnd();
  return stem.slice(0, max - extension.length).trimEnd() + extension;
}

/**
 * A name Dropbox and every desktop client accept for one path segment: forbidden characters become `-`,
 * whitespace collapses, no trailing dots or spaces, no reserved device names, at most `maxLength`
 * characters with the extension kept. Deterministic, so the same CRM name always gives the same path.
 */
export function sanitizeDropboxName(name: string, maxLength = MAX_NAME_LENGTH): string {
  let clean = name.normalize('NFC').replace(/\s+/g, ' ').replace(FORBIDDEN_CHARACTERS, '-').trim();
  clean = truncateKeepingExtension(clean, maxLength);
  clean = clean.replace(/[. ]+$/, '');
  if (WINDOWS_RESERVED.test(clean)) clean = `${clean}_`;
  if (IGNORED_DROPBOX_NAMES.has(clean.toLowerCase())) clean = `_${clean}`;
  return clean === '' ? UNTITLED_NAME : clean;
}

/**
 * F3: `<Record name> (<record id>)`. The id suffix is never truncated or sanitized away, so a record is
 * recognizable by its folder name even after the name changed; identity itself is the Dropbox folder id (F9).
 */
export function recordFolderName(recordName: string, recordId: string): string {
  const suffix = ` (${sanitizeDropboxName(recordId)})`;
  const base = sanitizeDropboxName(recordName, MAX_RECORD_NAME_LENGTH);
  return `${base}${suffix}`;
}

/** F3: the record folder's path in the app folder, e.g. `/Deals/Acme renewal (42)`. */
export function recordFolderPath(crm: CrmKind, module: string, recordName: string, recordId: string): string {
  const modules = MODULE_FOLDER_NAMES[crm] as Record<string, string>;
  const moduleFolder = modules[module];
  if (!moduleFolder) throw new Error(`No ${crm} file module named ${module}`);
  return `/${moduleFolder}/${recordFolderName(recordName, recordId)}`;
}

/**
 * Dropbox's conflicted-copy convention (help.dropbox.com "What's a conflicted copy?": the editor's name,
 * "conflicted copy" and the date are added): `plan (Ada's conflicted copy 2026-11-30).pdf`, or without a
 * label `plan (conflicted copy 2026-11-30).pdf`. `date` is an ISO timestamp; its UTC day is used.
 */
export function conflictedCopyName(name: string, date: string, label?: string | null): string {
  const { stem, extension } = splitExtension(name);
  const who = label ? `${sanitizeDropboxName(label, 60)}'s conflicted copy` : 'conflicted copy';
  return sanitizeDropboxName(`${stem} (${who} ${date.slice(0, 10)})${extension}`);
}

/** Dropbox autorename style for a second file with the same name: `plan.pdf` → `plan (2).pdf`. */
export function numberedName(name: string, n: number): string {
  const { stem, extension } = splitExtension(name);
  return sanitizeDropboxName(`${stem} (${n})${extension}`);
}

/** The reason codes shown in "Why not synced?" (B4) and the activity list; translated at the edge. */
export const FILE_SKIP_REASONS = [
  /** F6: larger than 50 MB (or the CRM's own upload limit); skipped before download. */
  'too_large',
  /** Teamleader meetings, products and legacy projects accept no uploads: CRM → Dropbox only. */
  'crm_cannot_receive_uploads',
  /** The CRM cannot rename a file and cannot take a new copy either. */
  'crm_cannot_rename',
  /** Dropbox reports the file as not downloadable (e.g. cloud documents without export). */
  'not_downloadable',
] as const;
export type FileSkipReason = (typeof FILE_SKIP_REASONS)[number];

/** Informational notices: the file did sync, but not exactly as laid out in Dropbox. */
export const FILE_NOTICES = [
  /** Pipedrive has no folders: the Dropbox sub-folder path became part of the file name. */
  'crm_no_folders_flattened',
  /** Teamleader has one folder level: deeper sub-folders became part of the file name. */
  'crm_one_folder_level_flattened',
] as const;
export type FileNotice = (typeof FILE_NOTICES)[number];
