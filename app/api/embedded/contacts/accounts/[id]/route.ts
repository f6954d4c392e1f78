/** Unlink a provider account: tokens purged, syncs stopped, contacts stay where they are. */
import { tenantRoute } from '@/lib/api/route';
import { disconnectAccount } from '@/lib/contacts/service';
import { cancelContactSync } from '@/inngest/dispatch';

export const dynamic = 'force-dynamic';
export const DELETE = tenantRoute(null, async ({ tenant, params }) => {
  const { syncIds } = await disconnectAccount(tenant, params.id!);
  await Promise.all(syncIds.map((id) => cancelContactSync(id).catch(() => undefined)));
  return { ok: true };
});
