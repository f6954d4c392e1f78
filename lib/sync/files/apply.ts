/**
 * The files pillar's effects: gather one record folder's inputs (complete CRM file list, the Dropbox
 * folder by id, its cursor's deletes), plan it with the pure planner, and carry the actions out in order.
 * Every transfer streams (CRM download → Dropbox upload, Dropbox download → CRM upload); bookkeeping is
 * written right after each vendor answer, so a crash loses at most the action in flight, which the
 * planner recognizes next run (B10). An effectful action the vendor refuses stops this record only.
 */
import { and, eq, sql } from 'drizzle-orm';
import { activity as activityTable, fileLinks, recordFolders } from '@/db/schema';
import { SyncError, toSyncError } from '@/lib/errors';
import type { CrmRecordModule } from '@/lib/crm/port';
import { dropboxContentHashOfStream, type DropboxEntry } from '@/lib/providers/dropbox';
import { recordActivity, type ActivityEntry } from '@/lib/sync/runtime/activity';
import type { ReasonCode } from '@/lib/sync/runtime/reasons';
import { isAtCrmPlace, planDeleteBrake, planRecordFolder, type FileAction, type RecordFolderEntry, type RecordFolderListing } from './plan';
import type { AccountFileState, FileLink, RecordFilesBase } from './model';
import { plannerCapabilities, plannerModule, type FilesContext } from './context';
import type { CrmFile } from './port';
import { isCrmSideQuiet } from './quiet';

export type RecordFolderRow = typeof recordFolders.$inferSelect;
export type FolderCounts = { added: number; updated: number; deleted: number; skipped: number; conflicts: number };
export type FolderOutcome = FolderCounts & { deletes: number; linked: number; crmChanged: boolean; stopped: string | null };

const MAX_HASH_ROUNDS = 3;

// ---------------------------------------------------------------------------------------------------
// Gathering
// ---------------------------------------------------------------------------------------------------

function relativeTo(folderPath: string, path: string): string | null {
  const prefix = `${folderPath.toLowerCase()}/`;
  return path.toLowerCase().startsWith(prefix) ? path.slice(prefix.length) : null;
}

/** Everything the folder's cursor reports since the last complete pass (all pages), or `reset`. */
async function readCursor(ctx: FilesContext, cursor: string): Promise<{ entries: DropboxEntry[]; cursor: string } | 'reset'> {
  const entries: DropboxEntry[] = [];
  try {
    for (;;) {
      const page = await ctx.dropbox.listFolderContinue(cursor);
      entries.push(...page.entries);
      cursor = page.cursor;
      if (!page.hasMore) return { entries, cursor };
    }
  } catch (error) {
    if (error instanceof SyncError && error.code === 'cursor_invalid') return 'reset';
    throw error;
  }
}

type CursorRead = Awaited<ReturnType<typeof readCursor>>;

async function listDropboxFolder(ctx: FilesContext, folder: RecordFolderRow, alreadyRead?: CursorRead): Promise<{ listing: RecordFolderListing; cursor: string | null }> {
  if (!folder.folderId) return { listing: { folder: null, entries: [], deletedPathsLower: [], isReset: false }, cursor: null };
  const meta = await ctx.dropbox.getMetadata(folder.folderId);
  if (!meta || meta.kind !== 'folder') return { listing: { folder: null, entries: [], deletedPathsLower: [], isReset: false }, cursor: null };

  // Deletes come only from the cursor (explicit signal, B3); `reset` → no deletes inferred.
  const deletedPathsLower: string[] = [];
  // A cursor is bound to the path it listed: after the folder moved it says nothing reliable, so no deletes are inferred.
  const moved = (folder.pathLower ?? '') !== meta.pathLower;
  let isReset = !folder.cursor || moved;
  if (folder.cursor && !moved) {
    const read = alreadyRead ?? (await readCursor(ctx, folder.cursor));
    if (read === 'reset') isReset = true;
    else {
      for (const e of read.entries) {
        if (e.kind !== 'deleted') continue;
        const rel = relativeTo(meta.pathLower, e.pathLower);
        if (rel) deletedPathsLower.push(rel.toLowerCase());
      }
    }
  }

  // The complete listing, by the folder's current path (found by id, F9).
  const entries: RecordFolderEntry[] = [];
  let page = await ctx.dropbox.listFolder(meta.pathLower, { recursive: true });
  for (;;) {
    for (const e of page.entries) entries.push(...toEntry(meta, e));
    if (!page.hasMore) break;
    page = await ctx.dropbox.listFolderContinue(page.cursor);
  }
  return {
    listing: { folder: { id: meta.id!, pathLower: meta.pathLower, pathDisplay: meta.pathDisplay }, entries, deletedPathsLower, isReset },
    cursor: page.cursor,
  };
}

function toEntry(folder: DropboxEntry, e: DropboxEntry): RecordFolderEntry[] {
  if (e.kind === 'deleted' || !e.id || relativeTo(folder.pathLower, e.pathLower) === null) return []; // also drops the folder itself
  const path = e.pathDisplay.slice(folder.pathDisplay.length + 1);
  return [{ kind: e.kind, id: e.id, path, rev: e.rev ?? undefined, contentHash: e.contentHash ?? undefined, size: e.size ?? undefined, isDownloadable: true }];
}

async function loadBase(ctx: FilesContext, folder: RecordFolderRow): Promise<RecordFilesBase> {
  const rows = await ctx.db
    .select()
    .from(fileLinks)
    .where(and(eq(fileLinks.installationId, ctx.installationId), eq(fileLinks.crmModule, folder.crmModule), eq(fileLinks.recordId, folder.recordId)));
  const links: FileLink[] = rows.map((r) => ({
    linkId: r.linkId,
    crmFileId: r.crmFileId,
    crmName: r.crmName,
    crmFolder: r.crmFolder,
    crmSize: r.crmSize,
    contentHash: r.contentHash,
    relativePath: r.relativePath,
    accounts: r.accounts,
  }));
  const state = folder.folderId
    ? { folderId: folder.folderId, pathLower: folder.pathLower ?? '', pathDisplay: folder.pathDisplay ?? '', derivedName: folder.derivedName ?? '' }
    : null;
  return { folder: state, links };
}

type Gathered = {
  actions: FileAction[];
  listing: RecordFolderListing;
  cursor: string | null;
  base: RecordFilesBase;
  record: { id: string; name: string } | null;
  /** F-2: neither side changed since the last complete pass; nothing was planned (see quiet.ts). */
  quiet?: boolean;
};

const listCrmFiles = async (ctx: FilesContext, folder: RecordFolderRow): Promise<CrmFile[]> =>
  (await ctx.crm.files.listRecordFiles(folder.crmModule as CrmRecordModule, folder.recordId)).map((f) => ({ id: f.id, name: f.name, folder: f.folder, size: f.size, modifiedAt: f.updatedAt }));

/**
 * Lists both sides and plans the record (answering the planner's hash requests by streaming the CRM file).
 * With `shortcut` (hourly runs, see quiet.ts) it first reads only the folder's cursor and the CRM's file list;
 * when both say "unchanged" it stops there (2 calls); otherwise it goes on with what it read.
 */
export async function gatherAndPlan(ctx: FilesContext, folder: RecordFolderRow, now = new Date().toISOString(), opts: { shortcut?: boolean } = {}): Promise<Gathered> {
  const module = folder.crmModule as CrmRecordModule;
  let alreadyRead: CursorRead | undefined;
  let crmFiles: CrmFile[] | undefined;
  if (opts.shortcut && folder.cursor && folder.folderId) {
    alreadyRead = await readCursor(ctx, folder.cursor);
    if (alreadyRead !== 'reset' && alreadyRead.entries.length === 0) {
      const base = await loadBase(ctx, folder);
      crmFiles = await listCrmFiles(ctx, folder);
      if (isCrmSideQuiet(base, crmFiles, ctx.accountKey)) {
        const stored = base.folder!;
        const listing: RecordFolderListing = { folder: { id: stored.folderId, pathLower: stored.pathLower, pathDisplay: stored.pathDisplay }, entries: [], deletedPathsLower: [], isReset: false };
        return { actions: [], listing, cursor: alreadyRead.cursor, base, record: { id: folder.recordId, name: folder.recordName }, quiet: true };
      }
    }
  }
  const record = await ctx.crm.files.getRecordRef(module, folder.recordId);
  const { listing, cursor } = await listDropboxFolder(ctx, folder, alreadyRead);
  const base = await loadBase(ctx, folder);
  if (!record) return { actions: [], listing, cursor, base, record: null };
  crmFiles ??= await listCrmFiles(ctx, folder);
  crmFiles = await finishInterruptedReplaces(ctx, folder, base, crmFiles);
  const hashes: Record<string, string> = {};
  let actions: FileAction[] = [];
  for (let round = 0; round < MAX_HASH_ROUNDS; round++) {
    actions = planRecordFolder({
      crm: ctx.crmKind,
      module: plannerModule(ctx.crmKind, folder.crmModule),
      capabilities: plannerCapabilities(ctx.crmKind, ctx.crm.files.capabilities),
      record,
      account: ctx.accountKey,
      crmFiles,
      dropbox: listing,
      base,
      now,
      crmContentHashes: hashes,
      conflictLabel: ctx.accountLabel,
    });
    const asks = actions.filter((a): a is Extract<FileAction, { type: 'crm.hash' }> => a.type === 'crm.hash' && !(a.crmFileId in hashes));
    if (!asks.length) break;
    for (const ask of asks) {
      const download = await ctx.crm.files.downloadFile(ask.crmFileId);
      hashes[ask.crmFileId] = (await dropboxContentHashOfStream(asAsyncIterable(download.stream))).hash;
    }
  }
  return { actions: actions.filter((a) => a.type !== 'crm.hash'), listing, cursor, base, record };
}

/**
 * B10: a `crm.replace` cut short between its upload and the delete of the old CRM file (a crash, a lost
 * answer, a 429) left the old file in the CRM and its id on the account state that did the replace. Finish
 * it: delete the old file and clear the marker. Runs on one record are serialized (record lease), so the
 * marker of another account's interrupted run is finished here too — otherwise the old file would look
 * like a new CRM file and be synced to every Dropbox a second time.
 */
async function finishInterruptedReplaces(ctx: FilesContext, folder: RecordFolderRow, base: RecordFilesBase, crmFiles: CrmFile[]): Promise<CrmFile[]> {
  const superseded = new Set<string>();
  await adoptLostReplaceUploads(ctx, folder, base, crmFiles);
  for (const link of base.links) {
    for (const [account, state] of Object.entries(link.accounts)) {
      if (!state.supersededCrmFileId) continue;
      const old = state.supersededCrmFileId;
      if (crmFiles.some((f) => f.id === old) && old !== link.crmFileId) {
        await ctx.crm.files.deleteFile(old).catch((error) => {
          if (!(error instanceof SyncError && error.code === 'not_found')) throw error;
        });
        superseded.add(old);
      }
      const { supersededCrmFileId: _done, ...settled } = state;
      await ctx.db
        .update(fileLinks)
        .set({ accounts: sql`${fileLinks.accounts} || ${JSON.stringify({ [account]: settled })}::jsonb`, updatedAt: new Date() })
        .where(and(eq(fileLinks.installationId, ctx.installationId), eq(fileLinks.crmModule, folder.crmModule), eq(fileLinks.recordId, folder.recordId), eq(fileLinks.linkId, link.linkId)));
      link.accounts = { ...link.accounts, [account]: settled };
    }
  }
  return superseded.size ? crmFiles.filter((f) => !superseded.has(f.id)) : crmFiles;
}

/**
 * B10/F5: a `crm.replace` whose upload reached the CRM but whose answer was lost left the new CRM file with
 * no link (Teamleader lists no content hash, and the uploader's run failed before booking it). Another
 * account's run would sync it everywhere as a new file, and the uploader's next run, finding it claimed,
 * would upload the edit again. The uploader's `pendingCrmUpload` names what was sent: the unlinked CRM file
 * with that name, folder, size and content becomes the link's file, and the old one is marked superseded
 * (deleted just after, as the replace would have). No match: the upload never landed; the marker goes.
 */
async function adoptLostReplaceUploads(ctx: FilesContext, folder: RecordFolderRow, base: RecordFilesBase, crmFiles: CrmFile[]): Promise<void> {
  const capabilities = plannerCapabilities(ctx.crmKind, ctx.crm.files.capabilities);
  for (const link of base.links) {
    for (const [account, state] of Object.entries(link.accounts)) {
      const pending = state.pendingCrmUpload;
      if (!pending) continue;
      const linked = new Set(base.links.map((l) => l.crmFileId));
      let adopted: CrmFile | undefined;
      for (const candidate of crmFiles) {
        if (linked.has(candidate.id) || candidate.size !== pending.size || !isAtCrmPlace(candidate, pending, capabilities)) continue;
        const download = await ctx.crm.files.downloadFile(candidate.id);
        if ((await dropboxContentHashOfStream(asAsyncIterable(download.stream))).hash === pending.contentHash) {
          adopted = candidate;
          break;
        }
      }
      const { pendingCrmUpload: _sent, ...settled } = state;
      let next: AccountFileState = settled;
      if (adopted) {
        const patch = { crmFileId: adopted.id, crmName: adopted.name, crmFolder: adopted.folder, crmSize: adopted.size, contentHash: pending.contentHash, relativePath: pending.path };
        await ctx.db
          .update(fileLinks)
          .set({ ...patch, updatedAt: new Date() })
          .where(and(eq(fileLinks.installationId, ctx.installationId), eq(fileLinks.crmModule, folder.crmModule), eq(fileLinks.recordId, folder.recordId), eq(fileLinks.linkId, link.linkId)));
        next = { ...settled, crmFileId: adopted.id, contentHash: pending.contentHash, rev: pending.rev, pathLower: pending.path.toLowerCase(), supersededCrmFileId: link.crmFileId };
        Object.assign(link, patch);
      }
      await ctx.db
        .update(fileLinks)
        .set({ accounts: sql`${fileLinks.accounts} || ${JSON.stringify({ [account]: next })}::jsonb`, updatedAt: new Date() })
        .where(and(eq(fileLinks.installationId, ctx.installationId), eq(fileLinks.crmModule, folder.crmModule), eq(fileLinks.recordId, folder.recordId), eq(fileLinks.linkId, link.linkId)));
      link.accounts = { ...link.accounts, [account]: next };
    }
  }
}

/** B3 totals for one record: Dropbox deletes planned, and linked files looked at. */
export function brakeCounts(g: Gathered, accountKey: string): { deletes: number; linked: number } {
  const linked = g.base.links.filter((l) => l.accounts[accountKey] && !l.accounts[accountKey].deletedInDropbox).length;
  return { deletes: planDeleteBrake(g.actions, { linked }).deletes, linked };
}

// ---------------------------------------------------------------------------------------------------
// Applying
// ---------------------------------------------------------------------------------------------------

const joinPath = (dir: string, rel: string) => `${dir.replace(/\/$/, '')}/${rel}`;
const nowIso = () => new Date().toISOString();

function asAsyncIterable(stream: ReadableStream<Uint8Array>): AsyncIterable<Uint8Array> {
  return stream as unknown as AsyncIterable<Uint8Array>;
}

type LinkPatch = Partial<Pick<FileLink, 'crmFileId' | 'crmName' | 'crmFolder' | 'crmSize' | 'contentHash' | 'relativePath'>>;

export type ApplyOptions = { runId: string; allowDeletes: boolean };

/** Carries out a planned record; returns counts and whether the CRM changed (F5: other accounts then re-check). */
export async function applyRecordFolder(ctx: FilesContext, folder: RecordFolderRow, g: Gathered, opts: ApplyOptions): Promise<FolderOutcome> {
  const counts: FolderCounts = { added: 0, updated: 0, deleted: 0, skipped: 0, conflicts: 0 };
  const { deletes, linked } = brakeCounts(g, ctx.accountKey);
  const outcome: FolderOutcome = { ...counts, deletes, linked, crmChanged: false, stopped: null };
  if (g.quiet) {
    // Nothing changed on either side: keep the cursor Dropbox handed back (it may have moved on).
    await ctx.db.update(recordFolders).set({ cursor: g.cursor, lastSyncedAt: new Date() }).where(eq(recordFolders.id, folder.id));
    return outcome;
  }
  if (!g.record) {
    // The record is gone (or hidden from this user): nothing is planned, nothing deleted on either side;
    // the folder and its files stay in Dropbox, and the record is checked again next run.
    return outcome;
  }
  // A pass that is cut short (crash, outage, refusal) may leave the base saying more than Dropbox has; until a
  // pass completes, later runs must not take the unchanged-record shortcut (quiet.ts).
  if (g.actions.length && folder.fullCheckAt) await ctx.db.update(recordFolders).set({ fullCheckAt: null }).where(eq(recordFolders.id, folder.id));
  const activity: ActivityEntry[] = [];
  const log = (e: Omit<ActivityEntry, 'installationId' | 'connectionId' | 'runId'>) => activity.push({ installationId: ctx.installationId, connectionId: ctx.settings.id, runId: opts.runId, ...e });
  const scope = and(eq(fileLinks.installationId, ctx.installationId), eq(fileLinks.crmModule, folder.crmModule), eq(fileLinks.recordId, folder.recordId));
  const linkWhere = (linkId: string) => and(scope, eq(fileLinks.linkId, linkId));
  const key = ctx.accountKey;
  const links = new Map(g.base.links.map((l) => [l.linkId, l]));

  let folderPath = g.listing.folder?.pathDisplay ?? folder.pathDisplay ?? '';
  const saveFolder = async (entry: { id: string | null; pathLower: string; pathDisplay: string }, derivedName: string) => {
    folderPath = entry.pathDisplay;
    await ctx.db
      .update(recordFolders)
      .set({ folderId: entry.id, pathLower: entry.pathLower, pathDisplay: entry.pathDisplay, derivedName, recordName: g.record!.name, updatedAt: new Date() })
      .where(eq(recordFolders.id, folder.id));
  };

  const setAccount = async (linkId: string, state: AccountFileState) => {
    await ctx.db
      .update(fileLinks)
      .set({ accounts: sql`${fileLinks.accounts} || ${JSON.stringify({ [key]: state })}::jsonb`, updatedAt: new Date() })
      .where(linkWhere(linkId));
    const l = links.get(linkId);
    if (l) l.accounts = { ...l.accounts, [key]: state };
  };
  const dropAccount = async (linkId: string) => {
    await ctx.db.update(fileLinks).set({ accounts: sql`${fileLinks.accounts} - ${key}::text`, updatedAt: new Date() }).where(linkWhere(linkId));
  };
  const patchLink = async (linkId: string, patch: LinkPatch) => {
    if (Object.keys(patch).length) await ctx.db.update(fileLinks).set({ ...patch, updatedAt: new Date() }).where(linkWhere(linkId));
    const l = links.get(linkId);
    if (l) Object.assign(l, patch);
  };
  const upsertLink = async (link: FileLink) => {
    const fields = { crmFileId: link.crmFileId, crmName: link.crmName, crmFolder: link.crmFolder, crmSize: link.crmSize, contentHash: link.contentHash, relativePath: link.relativePath };
    await ctx.db
      .insert(fileLinks)
      .values({ installationId: ctx.installationId, crmModule: folder.crmModule, recordId: folder.recordId, linkId: link.linkId, ...fields, accounts: link.accounts })
      .onConflictDoUpdate({
        target: [fileLinks.installationId, fileLinks.crmModule, fileLinks.recordId, fileLinks.linkId],
        set: { ...fields, accounts: sql`${fileLinks.accounts} || ${JSON.stringify(link.accounts)}::jsonb`, updatedAt: new Date() },
      });
    links.set(link.linkId, { ...link, accounts: { ...(links.get(link.linkId)?.accounts ?? {}), ...link.accounts } });
  };
  const accountState = (written: DropboxEntry, relPath: string, crmFileId: string): AccountFileState => ({
    dropboxId: written.id!,
    rev: written.rev ?? '',
    contentHash: written.contentHash ?? '',
    pathLower: relPath.toLowerCase(),
    crmFileId,
    deletedInDropbox: false,
    lastSyncedAt: nowIso(),
  });

  /** Dropbox → CRM: stream the Dropbox file into a new CRM file (the metadata is of the version streamed). */
  const uploadToCrm = async (a: { dropboxId: string; name: string; folder: string | null; size: number }, beforeUpload?: (entry: DropboxEntry) => Promise<void>) => {
    let first: Awaited<ReturnType<typeof ctx.dropbox.downloadStream>> | null = await ctx.dropbox.downloadStream(a.dropboxId);
    const entry = first.entry;
    if (beforeUpload) await beforeUpload(entry);
    const created = await ctx.crm.files.uploadFile({
      module: folder.crmModule as CrmRecordModule,
      recordId: folder.recordId,
      name: a.name,
      folder: a.folder,
      size: entry.size,
      // A retried request (token refresh) needs a fresh stream.
      content: async () => {
        if (first) {
          const body = first.body;
          first = null;
          return body;
        }
        return (await ctx.dropbox.downloadStream(a.dropboxId)).body;
      },
    });
    return { entry, created };
  };

  for (const action of g.actions) {
    try {
      switch (action.type) {
        case 'dropbox.createFolder': {
          const entry = await ctx.dropbox.ensureFolder(action.path);
          await saveFolder(entry, action.derivedName);
          log({ action: 'added', side: 'provider', remoteId: entry.id, label: entry.pathDisplay, reasonCode: 'files.folder_created' });
          break;
        }
        case 'dropbox.moveFolder': {
          if (action.viaPath) await ctx.dropbox.move(action.folderId, action.viaPath);
          const entry = await ctx.dropbox.move(action.folderId, action.toPath);
          await saveFolder(entry, action.derivedName);
          log({ action: 'updated', side: 'provider', remoteId: entry.id, label: entry.pathDisplay, reasonCode: 'files.folder_moved' });
          break;
        }
        case 'folder.follow':
          await saveFolder({ id: action.folderId, pathLower: action.pathLower, pathDisplay: action.pathDisplay }, action.derivedName);
          break;
        case 'dropbox.upload': {
          if (action.newLink) await upsertLink({ linkId: action.linkId, ...action.newLink, accounts: {} });
          const download = await ctx.crm.files.downloadFile(action.crmFileId);
          const mode = action.mode.type === 'update' ? { kind: 'update' as const, rev: action.mode.rev } : { kind: action.mode.type };
          const written = await ctx.dropbox.uploadStream(joinPath(folderPath, action.path), asAsyncIterable(download.stream), action.size, mode, { strictConflict: action.mode.type === 'update' });
          const link = links.get(action.linkId);
          if (link && link.crmFileId === action.crmFileId && written.contentHash) await patchLink(action.linkId, { contentHash: written.contentHash });
          const relPath = written.pathDisplay.slice(folderPath.length + 1) || action.path;
          await setAccount(action.linkId, accountState(written, relPath, action.crmFileId));
          const isNew = action.mode.type === 'add';
          counts[isNew ? 'added' : 'updated']++;
          log({ action: isNew ? 'added' : 'updated', side: 'provider', crmId: action.crmFileId, remoteId: written.id, label: relPath });
          break;
        }
        case 'dropbox.move': {
          const moved = await ctx.dropbox.move(action.dropboxId, joinPath(folderPath, action.toPath));
          if (action.linkId && action.bookkeeping === 'follow') {
            const current = links.get(action.linkId)?.accounts[key];
            if (current) await setAccount(action.linkId, { ...current, pathLower: action.toPath.toLowerCase(), rev: moved.rev ?? current.rev, lastSyncedAt: nowIso() });
          } else if (action.linkId && action.bookkeeping === 'detach') {
            await dropAccount(action.linkId);
          }
          counts.updated++;
          log({ action: 'updated', side: 'provider', remoteId: action.dropboxId, label: action.toPath });
          break;
        }
        case 'dropbox.delete': {
          if (!opts.allowDeletes) break; // the brake held this run's deletes (B3)
          await ctx.dropbox.deleteEntry(action.dropboxId, { parentRev: action.parentRev });
          if (action.removeLink) await ctx.db.delete(fileLinks).where(linkWhere(action.linkId));
          else await dropAccount(action.linkId);
          counts.deleted++;
          log({ action: 'deleted', side: 'provider', remoteId: action.dropboxId, label: action.path, reasonCode: 'files.deleted_in_crm' });
          break;
        }
        case 'crm.upload': {
          const { entry, created } = await uploadToCrm(action);
          await upsertLink({
            linkId: action.linkId,
            crmFileId: created.id,
            crmName: created.name,
            crmFolder: created.folder,
            crmSize: created.size,
            contentHash: entry.contentHash,
            relativePath: action.path,
            accounts: { [key]: accountState(entry, action.path, created.id) },
          });
          outcome.crmChanged = true;
          counts.added++;
          log({ action: 'added', side: 'crm', crmId: created.id, remoteId: entry.id, label: action.path });
          break;
        }
        case 'crm.replace': {
          // Upload first, then delete: a crash in between leaves two CRM files, never none. The link moves to the
          // new file at once, and this account's state names the old one until it is deleted, so the next run
          // finishes an interrupted replace (finishInterruptedReplaces) instead of syncing the old file as new.
          let newId = action.uploadedCrmFileId;
          let state: AccountFileState | undefined;
          if (!newId) {
            // The version sent is booked first: if its answer is lost, the next run adopts the upload (B10/F5).
            const r = await uploadToCrm(action, async (sent) => {
              const current = links.get(action.linkId)?.accounts[key];
              if (current && sent.contentHash) {
                await setAccount(action.linkId, { ...current, pendingCrmUpload: { name: action.name, folder: action.folder, size: sent.size ?? action.size, contentHash: sent.contentHash, rev: sent.rev ?? '', path: action.path } });
              }
            });
            newId = r.created.id;
            await patchLink(action.linkId, { crmFileId: r.created.id, crmName: r.created.name, crmFolder: r.created.folder, crmSize: r.created.size, contentHash: r.entry.contentHash, relativePath: action.path });
            state = accountState(r.entry, action.path, r.created.id);
          } else {
            // Finishing a replace whose upload went through but whose answer was lost (B10): the link and this
            // account's copy must describe the uploaded version, or the next run sees both sides changed and
            // makes a conflicted copy of the user's own edit (found by the files soak).
            const entry = await ctx.dropbox.getMetadata(action.dropboxId);
            if (entry?.kind === 'file') {
              await patchLink(action.linkId, { crmFileId: newId, crmName: action.name, crmFolder: action.folder, crmSize: action.size, contentHash: action.contentHash || entry.contentHash, relativePath: action.path });
              // The version uploaded is the listing's; a newer edit since then stays a change for the next run.
              state = { ...accountState(entry, action.path, newId), ...(action.contentHash ? { contentHash: action.contentHash } : {}) };
            } else {
              await patchLink(action.linkId, { crmFileId: newId });
              state = links.get(action.linkId)?.accounts[key];
            }
          }
          if (state) await setAccount(action.linkId, { ...state, supersededCrmFileId: action.oldCrmFileId });
          await ctx.crm.files.deleteFile(action.oldCrmFileId).catch((error) => {
            if (!(error instanceof SyncError && error.code === 'not_found')) throw error;
          });
          if (state) {
            const { supersededCrmFileId: _done, ...settled } = state;
            await setAccount(action.linkId, settled);
          }
          outcome.crmChanged = true;
          counts.updated++;
          log({ action: 'updated', side: 'crm', crmId: newId, remoteId: action.dropboxId, label: action.path });
          break;
        }
        case 'crm.rename': {
          if (!ctx.crm.files.capabilities.canRename) break;
          const renamed = await ctx.crm.files.renameFile(action.crmFileId, action.name);
          await patchLink(action.linkId, { crmName: renamed.name, relativePath: action.path });
          const current = links.get(action.linkId)?.accounts[key];
          if (current) await setAccount(action.linkId, { ...current, pathLower: action.path.toLowerCase(), lastSyncedAt: nowIso() });
          outcome.crmChanged = true;
          counts.updated++;
          log({ action: 'updated', side: 'crm', crmId: action.crmFileId, label: action.path });
          break;
        }
        case 'crm.hash':
          break; // answered while planning
        case 'link.create':
          await upsertLink(action.link);
          break;
        case 'link.update':
          if (action.link) await patchLink(action.linkId, action.link);
          if (action.account) await setAccount(action.linkId, action.account);
          break;
        case 'link.tombstone': {
          const current = links.get(action.linkId)?.accounts[key];
          if (current) await setAccount(action.linkId, { ...current, deletedInDropbox: true, lastSyncedAt: nowIso() });
          log({ action: 'skipped', side: 'provider', crmId: links.get(action.linkId)?.crmFileId ?? null, label: links.get(action.linkId)?.relativePath ?? action.linkId, reasonCode: 'files.deleted_in_dropbox' });
          break;
        }
        case 'link.forget':
          if (action.removeLink) await ctx.db.delete(fileLinks).where(linkWhere(action.linkId));
          else await dropAccount(action.linkId);
          break;
        case 'skip':
          counts.skipped++;
          log({ action: 'skipped', side: action.side === 'crm' ? 'crm' : 'provider', crmId: action.side === 'crm' ? action.fileId : null, remoteId: action.side === 'dropbox' ? action.fileId : null, label: action.name, reasonCode: `files.${action.reason}` as ReasonCode, detail: { size: action.size } });
          break;
        case 'notice':
          log({ action: 'updated', side: 'crm', label: action.path, reasonCode: `files.${action.reason}` as ReasonCode, detail: { crmName: action.crmName } });
          break;
        case 'conflict':
          counts.conflicts++;
          log({ action: 'conflict', side: 'provider', label: action.path, reasonCode: 'files.conflicted_copy', detail: { copyPath: action.copyPath } });
          break;
      }
    } catch (error) {
      const e = toSyncError(error);
      // Waits, outages and revoked access belong to the runtime's retry policy; a refusal stops this record only.
      if (e.code === 'rate_limited' || e.code === 'temporary' || e.code === 'auth_revoked' || e.code === 'uninstalled' || e.code === 'internal') {
        await recordActivity(await withoutRepeatedSkips(ctx, activity));
        throw e;
      }
      const side = action.type.startsWith('crm.') ? 'crm' : 'provider';
      log({ action: 'skipped', side, label: 'path' in action ? String(action.path) : action.type, reasonCode: side === 'crm' ? 'crm_rejected' : 'provider_rejected', reason: e.message });
      counts.skipped++;
      outcome.stopped = e.message;
      break;
    }
  }
  await recordActivity(await withoutRepeatedSkips(ctx, activity));
  // The cursor moves only after a complete, uninterrupted pass, so deletes seen now are not lost.
  const heldDeletes = !opts.allowDeletes && deletes > 0;
  if (!outcome.stopped && !heldDeletes) {
    // A new (or re-created or moved) folder has no cursor yet: take one now, so the next run sees deletes.
    const cursor = g.cursor && g.listing.folder?.pathDisplay === folderPath ? g.cursor : folderPath ? await ctx.dropbox.getLatestCursor(folderPath, { recursive: true }) : null;
    await ctx.db.update(recordFolders).set({ cursor, lastSyncedAt: new Date(), fullCheckAt: new Date(), updatedAt: new Date() }).where(eq(recordFolders.id, folder.id));
  }
  return { ...outcome, ...counts };
}

/**
 * The planner lists a skipped file on every run (it stays skipped until the user changes it); the activity
 * log and "Why not synced?" want it once. Already-logged skips (same reason, same file) are dropped.
 */
async function withoutRepeatedSkips(ctx: FilesContext, entries: ActivityEntry[]): Promise<ActivityEntry[]> {
  const skips = entries.filter((e) => e.action === 'skipped' && e.reasonCode?.startsWith('files.') && e.reasonCode !== 'files.deleted_in_dropbox');
  if (!skips.length) return entries;
  const ids = skips.map((e) => e.crmId ?? e.remoteId).filter((id): id is string => !!id);
  if (!ids.length) return entries;
  const seen = await ctx.db
    .select({ reasonCode: activityTable.reasonCode, crmId: activityTable.crmId, remoteId: activityTable.remoteId })
    .from(activityTable)
    .where(and(eq(activityTable.connectionId, ctx.settings.id), eq(activityTable.action, 'skipped'), sql`coalesce(${activityTable.crmId}, ${activityTable.remoteId}) in (${sql.join(ids.map((id) => sql`${id}`), sql`, `)})`));
  const key = (code: string | null | undefined, id: string | null | undefined) => `${code}|${id}`;
  const known = new Set(seen.map((r) => key(r.reasonCode, r.crmId ?? r.remoteId)));
  return entries.filter((e) => !(skips.includes(e) && known.has(key(e.reasonCode, e.crmId ?? e.remoteId))));
}
