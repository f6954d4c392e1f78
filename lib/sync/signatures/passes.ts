/**
 * Run steps the user archive (run.ts) and the team archive (team-run.ts) share; each passes how one request is
 * filed from its own perspective.
 */
import { and, eq } from 'drizzle-orm';
import { signatureDocuments } from '@/db/schema';
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
