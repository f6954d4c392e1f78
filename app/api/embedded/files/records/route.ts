/** Records whose files sync (F2, F3): status for the record panel, start syncing one, stop syncing one (files stay). */
import { z } from 'zod';
import { tenantRoute } from '@/lib/api/route';
import { SyncError } from '@/lib/errors';
import { recordFilesStatus, recordIdFromInput, stopRecordFiles, syncRecordFiles } from '@/lib/files/service';

export const dynamic = 'force-dynamic';

const ZModule = z.enum(['person', 'organization', 'deal', 'product', 'contact', 'company', 'project', 'meeting']);

export const GET = tenantRoute(z.object({ module: ZModule, id: z.string().min(1).max(200) }), async ({ tenant, input }) => recordFilesStatus(tenant, input.module, input.id));

export const POST = tenantRoute(z.object({ module: ZModule, record: z.string().trim().min(1).max(500) }), async ({ tenant, input }) => {
  const recordId = recordIdFromInput(input.record);
  if (!recordId) throw new SyncError('validation', 'That is not a record link or id.');
  return syncRecordFiles(tenant, { module: input.module, recordId });
});

export const DELETE = tenantRoute(z.object({ id: z.uuid() }), async ({ tenant, input }) => {
  await stopRecordFiles(tenant, input.id);
  return { ok: true };
});
