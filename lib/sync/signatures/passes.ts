/**
 * Run steps the user archive (run.ts) and the team archive (team-run.ts) share; each passes how one request is
 * filed from its own perspective.
 */
import { and, eq, gt, isNull, lt, or, type SQL } from 'drizzle-orm';
import { signatureArchives, signatureDocuments } from '@/db/schema';
import { SyncError } from '@/lib/errors';
import type { SignatureRequestInfo } from '@/lib/providers/dropbox-sign/mapper';
import { FILES_NOT_READY_RETRY_MS, isFilesNotReady } from '@/lib/providers/dropbox-sign/errors';
import type { RunRequest } from '@/lib/sync/runtime/events';
import type { RunContext } from '@/lib/sync/runtime/pillar';
import type { RunCounts } from '@/lib/sync/runtime/runs';
import { markRequestGone } from './apply';
import { loadArchiveContext, type ArchiveContext } from './context';

export function addCounts(into: Partial<RunCounts>, more: Partial<RunCounts>) {
  for (const [k, v] of Object.entries(more) as [keyof RunCounts, number][]) into[k] = (into[k] ?? 0) + (v ?? 0);
}

/**
 * 409s: files still being prepared. Where the runner can sleep durably, try once more after the vendor's backoff;
 * what is still not ready stays `waiting` for the next run (or its downloadable callback).
 */
export async function retryFilesNotReadyOnce(
  ctx: Pick<RunContext<RunRequest>, 'step' | 'runId' | 'progress'>,
  archiveId: string,
  stepPrefix: string,
  file: (sync: ArchiveContext, req: SignatureRequestInfo, memberKey: string) => Promise<{ counts: Partial<RunCounts> }>,
): Promise<void> {
  const { step, runId } = ctx;
  if (!step.sleep) return;
  await step.sleep(`${stepPrefix}files-not-ready-backoff`, FILES_NOT_READY_RETRY_MS);
  await step.run(`${stepPrefix}files-not-ready-retry`, async () => {
    const counter = { count: 0 };
    const sync = await loadArchiveContext(archiveId, counter);
    const rows = await sync.db
      .select({ requestId: signatureDocuments.signatureRequestId, memberKey: signatureDocuments.memberKey })
      .from(signatureDocuments)
      .where(and(eq(signatureDocuments.archiveId, archiveId), eq(signatureDocuments.state, 'waiting'), eq(signatureDocuments.lastErrorCode, 'signatures.files_not_ready')));
    const counts: Partial<RunCounts> = {};
    for (const row of rows) {
      try {
        addCounts(counts, (await file(sync, await sync.sign.getSignatureRequest(row.requestId), row.memberKey)).counts);
      } catch (error) {
        if (error instanceof SyncError && error.code === 'not_found') await markRequestGone(sync, row.requestId, runId, row.memberKey);
        else if (!isFilesNotReady(error)) throw error;
      }
    }
    await ctx.progress(0, { ...counts, apiCalls: counter.count }, 'reading_provider');
  });
}

/** Open documents re-read per step. */
const OPEN_BATCH = 50;

type FileRequest = (sync: ArchiveContext, req: SignatureRequestInfo, memberKey: string) => Promise<{ counts: Partial<RunCounts>; notReady?: boolean }>;

/**
 * Documents still open — `open` says which (waiting for signatures or their files; the user archive adds
 * signed ones whose CRM attach is pending) — not touched since the run started: each request re-read, 50 rows
 * per step (`<stepName>-<n>`), and filed by `file`; a request gone at Dropbox Sign is marked so. With
 * `oncePerRequest` a request is read once per run even when several rows name it. Then, when this pass or the
 * listing before it (`notReadySoFar`) met files still being prepared, the 409 retry, once.
 */
export async function reReadOpenRequests(
  ctx: Pick<RunContext<RunRequest>, 'step' | 'runId' | 'progress' | 'assertActive'>,
  archiveId: string,
  opts: { stepName: string; retryPrefix: string; startedAt: string; open: SQL; oncePerRequest: boolean; file: FileRequest; notReadySoFar: number },
): Promise<void> {
  const { step, runId } = ctx;
  let afterId: string | null = null;
  let batch = 0;
  let notReady = opts.notReadySoFar;
  const seenInRun = new Set<string>();
  for (;;) {
    await ctx.assertActive();
    const r: { lastId: string | null; notReady: number } = await step.run(`${opts.stepName}-${batch}`, async () => {
      const counter = { count: 0 };
      const sync = await loadArchiveContext(archiveId, counter);
      const rows = await sync.db
        .select({ id: signatureDocuments.id, requestId: signatureDocuments.signatureRequestId, memberKey: signatureDocuments.memberKey })
        .from(signatureDocuments)
        .where(
          and(
            eq(signatureDocuments.archiveId, archiveId),
            opts.open,
            afterId ? gt(signatureDocuments.id, afterId) : undefined,
            or(isNull(signatureDocuments.updatedAt), lt(signatureDocuments.updatedAt, new Date(opts.startedAt))),
          ),
        )
        .orderBy(signatureDocuments.id)
        .limit(OPEN_BATCH);
      const counts: Partial<RunCounts> = {};
      let batchNotReady = 0;
      for (const row of rows) {
        if (opts.oncePerRequest) {
          if (seenInRun.has(row.requestId)) continue;
          seenInRun.add(row.requestId);
        }
        const req = await sync.sign.getSignatureRequest(row.requestId).catch((error) => {
          if (error instanceof SyncError && error.code === 'not_found') return null; // canceled or deleted (410/404)
          throw error;
        });
        if (!req) {
          await markRequestGone(sync, row.requestId, runId, row.memberKey);
          continue;
        }
        const res = await opts.file(sync, req, row.memberKey);
        addCounts(counts, res.counts);
        if (res.notReady) batchNotReady++;
      }
      await ctx.progress(rows.length, { ...counts, apiCalls: counter.count }, 'reading_provider');
      return { lastId: rows.length === OPEN_BATCH ? rows[rows.length - 1]!.id : null, notReady: batchNotReady };
    });
    notReady += r.notReady;
    if (!r.lastId) break;
    afterId = r.lastId;
    batch++;
  }
  if (notReady) await retryFilesNotReadyOnce(ctx, archiveId, opts.retryPrefix, opts.file);
}

/** The listing ran to its end: the next one stops at the newest request seen now (the archive's high-water mark). */
export async function finishListing(ctx: Pick<RunContext<RunRequest>, 'step'>, stepId: string, archiveId: string, newest: string | null, listedUntil: string | null): Promise<void> {
  await ctx.step.run(stepId, async () => {
    const sync = await loadArchiveContext(archiveId);
    if (newest && (!listedUntil || newest > listedUntil))
      await sync.db.update(signatureArchives).set({ listedUntil: new Date(newest), updatedAt: new Date() }).where(eq(signatureArchives.id, archiveId));
  });
}
