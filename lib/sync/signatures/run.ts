/**
 * The signature archive run body (S1–S3, B7) on the shared runtime. The safety net (hourly, Refresh, a callback)
 * lists the account's requests newest first, page by page, down to the high-water mark of the last complete
 * listing, then re-reads the requests it still tracks as open (those may complete long after they were sent).
 * Steps return only counts and cursors.
 */
import { and, eq, lt, or } from 'drizzle-orm';
import { z } from 'zod';
import { SyncError } from '@/lib/errors';
import { signatureArchives, signatureDocuments } from '@/db/schema';
import { ZRunRequest } from '@/lib/sync/runtime/events';
import type { RunContext, RunOutcome } from '@/lib/sync/runtime/pillar';
import type { RunCounts } from '@/lib/sync/runtime/runs';
import { applySignatureRequest, FOLDER_ROLES, MAX_ATTACH_ATTEMPTS, type ArchiveFolders } from './apply';
import { loadArchiveContext, type ArchiveContext } from './context';
import { addCounts, finishListing, reReadOpenRequests } from './passes';

export const SIGNATURES_KIND = 'signatures';
/** Requests per listing page (the vendor's maximum). */
const PAGE_SIZE = 100;

export const ZSignatureRunRequest = ZRunRequest.extend({
  kind: z.literal(SIGNATURES_KIND),
  /** A callback named this request: re-read it through the authenticated API first. */
  signatureRequestId: z.string().min(1).max(100).optional(),
});
export type SignatureRunRequest = z.infer<typeof ZSignatureRunRequest>;

/** Creates the root and the four S2 folders once (kept by id; names are the user's language at activation). */
async function ensureFolders(sync: ArchiveContext): Promise<ArchiveFolders> {
  const folders = { ...(sync.archive.folders as ArchiveFolders) };
  const root = sync.archive.rootFolder!;
  let rootPath: string | null = null;
  const rootEntry = root.id ? await sync.dropbox.getMetadata(root.id) : null;
  if (rootEntry && rootEntry.kind === 'folder') rootPath = rootEntry.pathDisplay;
  else {
    const created = await sync.dropbox.ensureFolder(`/${root.name}`);
    rootPath = created.pathDisplay;
    root.id = created.id;
  }
  for (const role of FOLDER_ROLES) {
    const f = folders[role];
    const entry = f.id ? await sync.dropbox.getMetadata(f.id) : null;
    if (entry && entry.kind === 'folder') continue;
    const created = await sync.dropbox.ensureFolder(`${rootPath}/${f.name}`);
    folders[role] = { id: created.id, name: f.name };
  }
  await sync.db.update(signatureArchives).set({ folders, rootFolder: root, updatedAt: new Date() }).where(eq(signatureArchives.id, sync.archive.id));
  return folders;
}

type PageResult = { numPages: number; reachedMark: boolean; newest: string | null; notReady: number };

export async function runSignatureArchive(ctx: RunContext<SignatureRunRequest>): Promise<RunOutcome> {
  const { step, request, runId } = ctx;
  const archiveId = request.connectionId;

  const plan = await step.run('prepare', async () => {
    const counter = { count: 0 };
    const sync = await loadArchiveContext(archiveId, counter);
    await ensureFolders(sync);
    await ctx.progress(0, { apiCalls: counter.count }, 'preparing');
    return { listedUntil: sync.archive.listedUntil?.toISOString() ?? null, startedAt: new Date().toISOString() };
  });

  // A callback's hint: that request first, re-read through the API (its payload is never trusted).
  if (request.signatureRequestId) {
    await step.run('hinted-request', async () => {
      const counter = { count: 0 };
      const sync = await loadArchiveContext(archiveId, counter);
      const r = await sync.sign.getSignatureRequest(request.signatureRequestId!).catch((error) => {
        // Not this account's request (or made up by an unverifiable callback): nothing to do.
        if (error instanceof SyncError && (error.code === 'not_found' || error.code === 'insufficient_permission')) return null;
        throw error;
      });
      const res = r ? await applySignatureRequest(sync, r, sync.archive.folders as ArchiveFolders, runId) : { counts: {}, notReady: false };
      await ctx.progress(r ? 1 : 0, { ...res.counts, apiCalls: counter.count }, 'reading_provider');
    });
  }

  // New requests: newest first, down to the high-water mark of the last complete listing.
  let page = 1;
  let newest: string | null = null;
  let notReady = 0;
  for (;;) {
    await ctx.assertActive();
    const r: PageResult = await step.run(`list-page-${page}`, async () => {
      const counter = { count: 0 };
      const sync = await loadArchiveContext(archiveId, counter);
      const listing = await sync.sign.listSignatureRequests(page, { pageSize: PAGE_SIZE });
      const counts: Partial<RunCounts> = {};
      let reachedMark = false;
      let pageNotReady = 0;
      for (const req of listing.requests) {
        // Strictly older than the mark: one created in the mark's own second is looked at again (idempotent).
        if (plan.listedUntil && req.createdAt && req.createdAt.toISOString() < plan.listedUntil) {
          reachedMark = true;
          continue;
        }
        const res = await applySignatureRequest(sync, req, sync.archive.folders as ArchiveFolders, runId);
        addCounts(counts, res.counts);
        if (res.notReady) pageNotReady++;
      }
      if (page === 1) await ctx.setTotal(listing.numResults || null);
      await ctx.progress(listing.requests.length, { ...counts, apiCalls: counter.count }, 'reading_provider');
      await ctx.heartbeat();
      const top = listing.requests[0]?.createdAt?.toISOString() ?? null;
      return { numPages: listing.numPages, reachedMark, newest: page === 1 ? top : null, notReady: pageNotReady };
    });
    if (page === 1) newest = r.newest;
    notReady += r.notReady;
    if (r.reachedMark || page >= r.numPages) break;
    page++;
  }

  // Open requests we track (sent before, waiting for signatures or for their files), and signed ones whose CRM
  // attach is still to be done: re-read each.
  await reReadOpenRequests(ctx, archiveId, {
    stepName: 'open-requests',
    retryPrefix: '',
    startedAt: plan.startedAt,
    open: or(
      eq(signatureDocuments.state, 'waiting'),
      and(eq(signatureDocuments.state, 'archived'), eq(signatureDocuments.isComplete, true), or(eq(signatureDocuments.attachState, 'pending'), and(eq(signatureDocuments.attachState, 'failed'), lt(signatureDocuments.attempts, MAX_ATTACH_ATTEMPTS)))),
    )!,
    oncePerRequest: true,
    file: (sync, req) => applySignatureRequest(sync, req, sync.archive.folders as ArchiveFolders, runId),
    notReadySoFar: notReady,
  });

  // The listing ran to its end: the next one stops at the newest request seen now.
  await finishListing(ctx, 'finish', archiveId, newest, plan.listedUntil);
  return { status: 'succeeded' };
}

