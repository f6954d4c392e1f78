/** The dashboard (C14): status, counts, progress, recent activity, skipped with reasons; DELETE stops the sync. */
import { tenantRoute } from '@/lib/api/route';
import { stopSync, syncDashboard } from '@/lib/contacts/service';

export const dynamic = 'force-dynamic';
export const GET = tenantRoute(null, ({ tenant, params }) => syncDashboard(tenant, params.id!));
export const DELETE = tenantRoute(null, async ({ tenant, params }) => {
  await stopSync(tenant, params.id!);
  return { ok: true };
});
