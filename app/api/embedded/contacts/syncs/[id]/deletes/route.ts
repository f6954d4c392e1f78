/** B3: answer the mass-delete prompt (approve → run the deletes now; keep → nothing is deleted). */
import { z } from 'zod';
import { tenantRoute } from '@/lib/api/route';
import { ownedSync, resolvePendingDeletes } from '@/lib/contacts/service';
import { requestContactSync } from '@/inngest/dispatch';

export const dynamic = 'force-dynamic';
export const POST = tenantRoute(z.object({ approve: z.boolean() }), async ({ tenant, params, input }) => {
  const sync = await ownedSync(tenant, params.id!);
  const r = await resolvePendingDeletes(tenant, sync.id, input.approve);
  if (r.rerun) await requestContactSync({ syncId: sync.id, installationId: sync.installationId, provider: sync.provider, trigger: 'confirm' });
  return { ok: true };
});
