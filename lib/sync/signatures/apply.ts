/**
 * One signature request through the archive (S2, S3, B7): classify it from the archiving user's side, file the
 * original when it was sent after activation and the signed PDF once it completed after activation, then put
 * the signed PDF on the CRM record. Every write is checked against the stored ids first, so a retried run (or
 * a callback racing the hourly run) never files a document twice. A 409 "files are being prepared" keeps the
 * document `waiting` with a backoff; it is retried, never dropped.
 */
import { Readable } from 'node:stream';
import { and, eq } from 'drizzle-orm';
import { signatureDocuments } from '@/db/schema';
import { SyncError, toSyncError } from '@/lib/errors';
import type { SignatureRequestInfo } from '@/lib/providers/dropbox-sign/mapper';
import { filesNotReadyBackoffMs, isFilesNotReady } from '@/lib/providers/dropbox-sign/errors';
import { recordActivity, type ActivityEntry } from '@/lib/sync/runtime/activity';
import type { ReasonCode } from '@/lib/sync/runtime/reasons';
import type { RunCounts } from '@/lib/sync/runtime/runs';
import type { ArchiveContext } from './context';
import { classifySignatureRequest, SIGNATURE_FOLDERS, type SignatureFolder } from './classification';
import { recordFromMetadata } from './metadata';

/** Attaching a signed PDF to the CRM record is retried by later runs up to this many times (B7). */
export const MAX_ATTACH_ATTEMPTS = 5;

export type FolderRole = keyof typeof SIGNATURE_FOLDERS;
export const FOLDER_ROLES = Object.keys(SIGNATURE_FOLDERS) as FolderRole[];
export type ArchiveFolders = Record<FolderRole, { id: string | null; name: string }>;

const roleOf = (folder: SignatureFolder): FolderRole => FOLDER_ROLES.find((r) => SIGNATURE_FOLDERS[r] === folder)!;

export type SignatureDocument = typeof signatureDocuments.$inferSelect;

/**
 * Whose side a request is filed from. A user archive: the archiving user, not retroactive (S3), attached to the CRM
 * record (B7). A team archive (S4): each involved team member in turn, retroactive, into that member's folders of
 * the current team folder; not attached to CRM records (the member's own archive does that, so a record never gets
 * a document twice).
 */
export type Perspective = { memberKey: string; email: string; retroactive: boolean; attach: boolean; teamName: string | null };

export const userPerspective = (sync: ArchiveContext): Perspective => ({ memberKey: '', email: sync.signAccount.email, retroactive: false, attach: true, teamName: null });
export type ApplyResult = { counts: Partial<RunCounts>; notReady: boolean };

/** Dropbox forbids some characters and trailing dots/spaces in names; keep titles readable. */
export function pdfName(request: Pick<SignatureRequestInfo, 'id' | 'title'>, signed: boolean): string {
  const title = (request.title || 'Signature request').replace(/[\\/:*?"<>|\u0000-\u001f]/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 120).replace(/[. ]+$/, '') || 'Signature request';
  return `${title}${signed ? ' (signed)' : ''} ${request.id.slice(0, 8)}.pdf`;
}

async function findDocument(sync: ArchiveContext, requestId: string, memberKey = ''): Promise<SignatureDocument | null> {
  const [doc] = await sync.db
    .select()
    .from(signatureDocuments)
    .where(and(eq(signatureDocuments.archiveId, sync.archive.id), eq(signatureDocuments.signatureRequestId, requestId), eq(signatureDocuments.memberKey, memberKey)));
  return doc ?? null;
}

async function ensureDocument(sync: ArchiveContext, request: SignatureRequestInfo, view: Perspective): Promise<SignatureDocument> {
  const existing = await findDocument(sync, request.id, view.memberKey);
  if (existing) return existing;
  await sync.db
    .insert(signatureDocuments)
    .values({ installationId: sync.archive.installationId, archiveId: sync.archive.id, signatureRequestId: request.id, memberKey: view.memberKey, teamName: view.teamName, title: request.title.slice(0, 500) })
    .onConflictDoNothing();
  return (await findDocument(sync, request.id, view.memberKey))!;
}

async function updateDocument(sync: ArchiveContext, id: string, values: Partial<typeof signatureDocuments.$inferInsert>): Promise<void> {
  await sync.db.update(signatureDocuments).set({ ...values, updatedAt: new Date() }).where(eq(signatureDocuments.id, id));
}

/** Streams the request's current PDF from Dropbox Sign into the folder (by id; its current path is looked up). */
async function fileIntoFolder(sync: ArchiveContext, folderId: string, name: string, requestId: string): Promise<{ id: string; rev: string }> {
  const folder = await sync.dropbox.getMetadata(folderId);
  if (!folder || folder.kind !== 'folder') throw new SyncError('not_found', 'The archive folder was deleted in Dropbox; activate the archive again to recreate it.');
  const download = await sync.sign.downloadFiles(requestId);
  let source: AsyncIterable<Uint8Array> = download.stream;
  let size = download.contentLength;
  if (size === null) {
    // No length announced: PDFs from Dropbox Sign are small (their upload limit is 40 MB), so counting them
    // in memory is the honest fallback — an upload needs its exact size up front.
    const parts: Buffer[] = [];
    for await (const chunk of download.stream) parts.push(Buffer.from(chunk));
    const all = Buffer.concat(parts);
    size = all.length;
    source = Readable.from([all]);
  }
  // Overwrite by path: the same request filed again (a lost answer, a retry) replaces itself, never a twin.
  const entry = await sync.dropbox.uploadStream(`${folder.pathDisplay}/${name}`, source, size, { kind: 'overwrite' });
  return { id: entry.id, rev: entry.rev };
}

type RecordRef = { module: string; id: string } | { ambiguous: true } | null;

/** B7: the record from metadata, else the one person whose e-mail matches a signer (never a guess among several). */
async function resolveRecord(sync: ArchiveContext, request: SignatureRequestInfo): Promise<RecordRef> {
  const fromMetadata = recordFromMetadata(request.metadata);
  if (fromMetadata) return fromMetadata;
  if (!sync.crm.searchPersons) return null;
  const me = sync.signAccount.email.trim().toLowerCase();
  const emails = [...new Set(request.signers.map((s) => s.email.trim().toLowerCase()).filter((e) => e && e !== me))];
  const ids = new Set<string>();
  for (const email of emails) for (const hit of await sync.crm.searchPersons(email, 'email')) ids.add(hit.id);
  if (ids.size > 1) return { ambiguous: true };
  const [id] = [...ids];
  return id ? { module: sync.inst.crm === 'teamleader' ? 'contact' : 'person', id } : null;
}

async function attachToRecord(sync: ArchiveContext, doc: SignatureDocument, request: SignatureRequestInfo, signedFileId: string, activity: ActivityEntry[], runId: string) {
  if (doc.attachState === 'attached' || doc.attachState === 'no_record' || doc.attachState === 'ambiguous') return;
  const base = { installationId: sync.archive.installationId, connectionId: sync.archive.id, runId, side: 'crm' as const, remoteId: request.id, label: request.title || request.id };
  const ref = await resolveRecord(sync, request);
  if (!ref || 'ambiguous' in ref) {
    const code: ReasonCode = ref ? 'signatures.ambiguous_record' : 'signatures.no_crm_record';
    await updateDocument(sync, doc.id, { attachState: ref ? 'ambiguous' : 'no_record' });
    activity.push({ ...base, action: 'skipped', reasonCode: code });
    return;
  }
  const name = pdfName(request, true);
  const module = ref.module as Parameters<typeof sync.crm.files.uploadFile>[0]['module'];
  await updateDocument(sync, doc.id, { crmModule: ref.module, crmRecordId: ref.id, attachState: 'pending' });
  try {
    // A lost answer on a previous try may have attached it already: adopt that file instead of a twin.
    const existing = (await sync.crm.files.listRecordFiles(module, ref.id)).find((f) => f.name === name);
    const file =
      existing ??
      (await (async () => {
        const probe = await sync.dropbox.getMetadata(signedFileId);
        const size = probe && probe.kind === 'file' ? probe.size : null;
        if (size === null) throw new SyncError('not_found', 'The archived PDF is gone from Dropbox.');
        return sync.crm.files.uploadFile({ module, recordId: ref.id, name, size, contentType: 'application/pdf', content: async () => (await sync.dropbox.downloadStream(signedFileId)).body });
      })());
    await updateDocument(sync, doc.id, { attachState: 'attached', crmFileId: file.id });
    activity.push({ ...base, crmId: ref.id, action: 'added', reasonCode: 'signatures.attached_to_record', detail: { module: ref.module } });
  } catch (error) {
    const e = toSyncError(error);
    if (e.code === 'rate_limited' || e.code === 'auth_revoked' || e.code === 'uninstalled') throw e;
    await updateDocument(sync, doc.id, { attachState: 'failed', attempts: doc.attempts + 1, lastErrorCode: 'signatures.attach_failed', lastError: e.message.slice(0, 2000) });
    activity.push({ ...base, crmId: ref.id, action: 'skipped', reasonCode: 'signatures.attach_failed', reason: e.message });
  }
}

/**
 * Archives one request as it is now. `activatedAt` is S3's line: nothing sent or completed before it is filed.
 * Returns counts for the run and whether the files were not ready (409).
 */
export async function applySignatureRequest(sync: ArchiveContext, request: SignatureRequestInfo, folders: ArchiveFolders, runId: string, view: Perspective = userPerspective(sync)): Promise<ApplyResult> {
  // Vendor times have second precision: compare with activation truncated to its second.
  const activatedAt = Math.floor(sync.archive.activatedAt!.getTime() / 1000) * 1000;
  // A team archive is retroactive (S4): everything the team ever sent or completed.
  const sentAfter = view.retroactive || (!!request.createdAt && request.createdAt.getTime() >= activatedAt);
  const completedAfter = request.isComplete && (view.retroactive || (!!request.completedAt && request.completedAt.getTime() >= activatedAt));
  const classified = classifySignatureRequest(request, view.email);
  const known = await findDocument(sync, request.id, view.memberKey);
  const counts: Partial<RunCounts> = {};
  // Not involved, or settled before activation (S3): nothing to archive, and nothing to track.
  if (!classified.length) return { counts, notReady: false };
  if (!known && !sentAfter && (request.isComplete || request.isDeclined)) return { counts, notReady: false };
  // Done: archived and the CRM attach settled (a pending or failed attach is retried, a few times).
  if (known?.state === 'archived' && known.isComplete && known.attachState !== 'pending' && !(known.attachState === 'failed' && known.attempts < MAX_ATTACH_ATTEMPTS))
    return { counts, notReady: false };

  const doc = known ?? (await ensureDocument(sync, request, view));
  const activity: ActivityEntry[] = [];
  const base = { installationId: sync.archive.installationId, connectionId: sync.archive.id, runId, side: 'provider' as const, remoteId: request.id, label: request.title || request.id };
  const role = roleOf(classified[0]!);
  const folderId = folders[role].id!;

  if (request.isDeclined || request.hasError) {
    const code: ReasonCode = request.isDeclined ? 'signatures.declined' : 'signatures.request_error';
    if (doc.state !== 'failed' || doc.lastErrorCode !== code) {
      await updateDocument(sync, doc.id, { state: 'failed', lastErrorCode: code, lastError: null });
      activity.push({ ...base, action: 'skipped', reasonCode: code });
      counts.skipped = 1;
    }
    await recordActivity(activity, sync.db);
    return { counts, notReady: false };
  }

  try {
    if (request.isComplete && completedAfter && !doc.signedFileId) {
      const filed = await fileIntoFolder(sync, folderId, pdfName(request, true), request.id);
      await updateDocument(sync, doc.id, { signedFileId: filed.id, signedRev: filed.rev, signedFolder: role, folder: role, isComplete: true, state: 'archived', attempts: 0, retryAfter: null, lastErrorCode: null, lastError: null, ...(view.teamName ? { teamName: view.teamName } : {}) });
      activity.push({ ...base, action: 'added', reasonCode: 'signatures.signed_archived', detail: { folder: folders[role].name } });
      counts.added = 1;
      if (view.attach) await attachToRecord(sync, (await findDocument(sync, request.id, view.memberKey))!, request, filed.id, activity, runId);
    } else if (!request.isComplete && sentAfter && !doc.originalFileId) {
      const filed = await fileIntoFolder(sync, folderId, pdfName(request, false), request.id);
      await updateDocument(sync, doc.id, { originalFileId: filed.id, originalRev: filed.rev, originalFolder: role, folder: role, state: 'waiting', attempts: 0, retryAfter: null, lastErrorCode: null, lastError: null });
      activity.push({ ...base, action: 'added', reasonCode: 'signatures.original_archived', detail: { folder: folders[role].name } });
      counts.added = 1;
    } else if (request.isComplete && !completedAfter) {
      // Tracked while open, but its last signature is dated before activation (S3): not archived.
      await updateDocument(sync, doc.id, { state: 'failed', isComplete: true, lastErrorCode: 'signatures.completed_before_activation' });
    } else if (view.attach && request.isComplete && doc.signedFileId && doc.attachState !== 'attached' && doc.attachState !== 'no_record' && doc.attachState !== 'ambiguous') {
      await attachToRecord(sync, doc, request, doc.signedFileId, activity, runId);
    }
  } catch (error) {
    if (!isFilesNotReady(error)) {
      const e = toSyncError(error);
      // Account-level trouble ends the run (the runtime's policy decides); a document-level one is listed (B4).
      if (e.code === 'rate_limited' || e.code === 'auth_revoked' || e.code === 'uninstalled' || e.code === 'temporary') throw e;
      await updateDocument(sync, doc.id, { state: 'failed', attempts: doc.attempts + 1, lastErrorCode: 'signatures.archive_failed', lastError: e.message.slice(0, 2000) });
      activity.push({ ...base, action: 'skipped', reasonCode: 'signatures.archive_failed', reason: e.message });
      counts.skipped = 1;
      await recordActivity(activity, sync.db);
      return { counts, notReady: false };
    }
    const attempts = doc.attempts + 1;
    await updateDocument(sync, doc.id, { state: 'waiting', attempts, retryAfter: new Date(Date.now() + filesNotReadyBackoffMs(attempts - 1)), lastErrorCode: 'signatures.files_not_ready', lastError: null });
    await recordActivity(activity, sync.db);
    return { counts, notReady: true };
  }
  await recordActivity(activity, sync.db);
  return { counts, notReady: false };
}

/** The request is gone (canceled or deleted: 404/410 on a re-read): stop tracking it; filed copies stay. */
export async function markRequestGone(sync: ArchiveContext, requestId: string, runId: string, memberKey = ''): Promise<void> {
  const doc = await findDocument(sync, requestId, memberKey);
  if (!doc || doc.state === 'failed') return;
  await updateDocument(sync, doc.id, { state: doc.originalFileId || doc.signedFileId ? 'archived' : 'failed', lastErrorCode: 'signatures.request_canceled', retryAfter: null });
  await recordActivity(
    [{ installationId: sync.archive.installationId, connectionId: sync.archive.id, runId, action: 'skipped', side: 'provider', remoteId: requestId, label: doc.title || requestId, reasonCode: 'signatures.request_canceled' }],
    sync.db,
  );
}
