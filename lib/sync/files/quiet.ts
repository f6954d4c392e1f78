/**
 * The unchanged-record shortcut (finding F-2 of docs/BENCHMARKS.md): when a record folder's cursor reports
 * nothing and the CRM's file list says exactly what the base says, there is nothing to plan, so the run
 * skips the folder lookup, the complete Dropbox listing and the record read — 1 Dropbox call
 * (`list_folder/continue`) and 1 CRM call (the file list) per unchanged record, the minimum the APIs allow
 * (neither CRM sends file events; Dropbox's cursor is per record folder).
 *
 * The shortcut is deliberately strict: anything the planner could act on makes the record "not quiet" and
 * the complete pass runs. Its blind spot is the record itself (a CRM rename moves the folder, F9): that is
 * why a complete pass still runs on Refresh, on CRM record webhooks, and at least every
 * `FULL_CHECK_EVERY_MS` per folder.
 */
import type { RecordFilesBase } from './model';
import type { CrmFile } from './port';

/** The longest an hourly run trusts the shortcut before a complete pass (record read + listing) per folder. */
export const FULL_CHECK_EVERY_MS = 6 * 60 * 60 * 1000;

/**
 * True when the CRM's complete file list is exactly the base's CRM side and this account holds (or
 * tombstoned) a copy of every file's current version (a tombstone of an older version counts as work: strict). Any new, removed, renamed, re-foldered or resized CRM
 * file, any link this account does not mirror yet (F5 fan-out, a kept-after-brake file), a copy whose path is not
 * the link's (another user's rename), or a CRM file
 * missing from the list (a delete, B3) means the planner has work.
 */
export function isCrmSideQuiet(base: RecordFilesBase, crmFiles: readonly CrmFile[], account: string): boolean {
  if (!base.folder) return false;
  const byId = new Map(crmFiles.map((f) => [f.id, f]));
  if (byId.size !== crmFiles.length || base.links.length !== crmFiles.length) return false;
  for (const link of base.links) {
    const file = byId.get(link.crmFileId);
    if (!file || file.name !== link.crmName || (file.folder ?? null) !== (link.crmFolder ?? null) || file.size !== link.crmSize) return false;
    const state = link.accounts[account];
    if (!state || state.crmFileId !== link.crmFileId) return false;
    // Another account's Dropbox rename reached the CRM and the shared link; this copy still has the old name.
    if (!state.deletedInDropbox && state.pathLower !== link.relativePath.toLowerCase()) return false;
  }
  return true;
}

/** May this run take the shortcut for a folder at all (the folder's last complete pass is recent enough)? */
export function mayTakeShortcut(folder: { folderId: string | null; cursor: string | null; fullCheckAt: Date | null }, trigger: string, now = Date.now()): boolean {
  if (trigger !== 'hourly' && trigger !== 'retry') return false; // Refresh, webhooks, Start and Confirm look at everything
  if (!folder.folderId || !folder.cursor || !folder.fullCheckAt) return false;
  return now - folder.fullCheckAt.getTime() < FULL_CHECK_EVERY_MS;
}
