/**
 * S5: the Dropbox file picker of the send dialog. Browses the user's own Dropbox through the existing client
 * (`list_folder`): by default the record's Dropbox folder (the files pillar's folder for that record, found by id),
 * else the root of Synclane's app folder; any folder of the app folder can be opened from there. Only the user's
 * own linked Dropbox is read, with their own token.
 */
import { and, eq, isNotNull } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { fileSyncs, providerAccounts, recordFolders } from '@/db/schema';
import { SyncError } from '@/lib/errors';
import { dropboxFor } from '@/lib/providers/dropbox';
import type { Tenant } from '@/lib/tenant';

/** Listing pages read per folder (2,000 entries each at most): a picker, not an export. */
const MAX_PAGES = 5;

export type PickerEntry = { kind: 'file' | 'folder'; id: string; name: string; size: number | null };
export type PickerListing = {
  recordFolder: { id: string; path: string } | null;
  folder: { id: string | null; path: string; parent: string | null };
  entries: PickerEntry[];
  truncated: boolean;
};

/** `at`: '' (app folder root), an `id:…` or a path from an earlier listing. */
export async function browseDropbox(tenant: Tenant, input: { module: string; recordId: string; at?: string }): Promise<PickerListing> {
  const db = await getDb();
  const [account] = await db
    .select({ id: providerAccounts.id })
    .from(providerAccounts)
    .where(and(eq(providerAccounts.installationId, tenant.installationId), eq(providerAccounts.crmUserId, tenant.crmUserId), eq(providerAccounts.provider, 'dropbox'), eq(providerAccounts.status, 'connected')));
  if (!account) throw new SyncError('validation', 'Link a Dropbox account first.');
  const [folderRow] = await db
    .select({ folderId: recordFolders.folderId, path: recordFolders.pathDisplay })
    .from(recordFolders)
    .innerJoin(fileSyncs, eq(fileSyncs.id, recordFolders.connectionId))
    .where(and(eq(fileSyncs.providerAccountId, account.id), eq(recordFolders.crmModule, input.module), eq(recordFolders.recordId, input.recordId), isNotNull(recordFolders.folderId)))
    .limit(1);

  const dropbox = dropboxFor({ kind: 'provider_account', id: account.id });
  // The record folder by id (a rename in Dropbox keeps it); gone → the picker starts at the root.
  const recordEntry = folderRow?.folderId ? await dropbox.getMetadata(folderRow.folderId) : null;
  const recordFolder = recordEntry && recordEntry.kind === 'folder' ? { id: recordEntry.id!, path: recordEntry.pathDisplay } : null;

  const at = input.at ?? recordFolder?.id ?? '';
  let folder: PickerListing['folder'] = { id: null, path: '', parent: null };
  if (at) {
    const entry = await dropbox.getMetadata(at);
    if (!entry || entry.kind !== 'folder') throw new SyncError('not_found', 'That Dropbox folder no longer exists.');
    const path = entry.pathDisplay;
    folder = { id: entry.id, path, parent: path.slice(0, path.lastIndexOf('/')) };
  }
  const entries: PickerEntry[] = [];
  let page = await dropbox.listFolder(folder.id ?? '', { limit: 2000 });
  let pages = 1;
  for (;;) {
    for (const e of page.entries) if (e.id && (e.kind === 'file' || e.kind === 'folder')) entries.push({ kind: e.kind, id: e.id, name: e.name, size: e.kind === 'file' ? e.size : null });
    if (!page.hasMore || pages >= MAX_PAGES) break;
    page = await dropbox.listFolderContinue(page.cursor);
    pages++;
  }
  entries.sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'folder' ? -1 : 1));
  return { recordFolder, folder, entries, truncated: page.hasMore };
}

/**
 * Teamleader has no record panel: its settings page sends from one of the records whose files the user syncs to
 * Dropbox (the files pillar's records, F2), so the picker can start in that record's folder.
 */
export async function sendableRecords(tenant: Tenant): Promise<{ module: string; recordId: string; name: string }[]> {
  const db = await getDb();
  const rows = await db
    .selectDistinct({ module: recordFolders.crmModule, recordId: recordFolders.recordId, name: recordFolders.recordName })
    .from(recordFolders)
    .innerJoin(fileSyncs, eq(fileSyncs.id, recordFolders.connectionId))
    .where(and(eq(fileSyncs.installationId, tenant.installationId), eq(fileSyncs.crmUserId, tenant.crmUserId)))
    .limit(500);
  return rows.sort((a, b) => a.name.localeCompare(b.name));
}
