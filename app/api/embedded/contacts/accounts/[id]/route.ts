/** Unlink a provider account: tokens purged, syncs stopped, contacts stay where they are. */
import { tenantRoute } from '@/lib/api/route';
import { disconnectAccount } from '@/lib/contacts/service';

export const dynamic = 'force-dynamic';
export const DELETE = tenantRoute(null, async ({ tenant, params }) => {
  await disconnectAccount(tenant, params.id!);
  return { ok: true };
});
