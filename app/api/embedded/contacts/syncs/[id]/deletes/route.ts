/** B3: answer the mass-delete prompt (approve → run the deletes now; keep → nothing is deleted). */
import { z } from 'zod';
import { tenantRoute } from '@/lib/api/route';
import { resolvePendingDeletes } from '@/lib/contacts/service';

export const dynamic = 'force-dynamic';
export const POST = tenantRoute(z.object({ approve: z.boolean() }), async ({ tenant, params, input }) => {
  const r = await resolvePendingDeletes(tenant, params.id!, input.approve);
  return { ok: true, unlinked: r.unlinked };
});
