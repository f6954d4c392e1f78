/** B3: the user's answer to the files delete brake. */
import { z } from 'zod';
import { tenantRoute } from '@/lib/api/route';
import { answerFileDeletes } from '@/lib/files/service';

export const dynamic = 'force-dynamic';

export const POST = tenantRoute(z.object({ approve: z.boolean() }), async ({ tenant, input }) => {
  await answerFileDeletes(tenant, input.approve);
  return { ok: true };
});
