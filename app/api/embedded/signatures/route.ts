/** The Dropbox Sign archive card: overview (GET), activate (POST), unlink (DELETE). */
import { tenantRoute } from '@/lib/api/route';
import { activateArchive, signaturesOverview, unlinkSignatures } from '@/lib/signatures/service';

export const dynamic = 'force-dynamic';

export const GET = tenantRoute(null, async ({ tenant }) => signaturesOverview(tenant));
export const POST = tenantRoute(null, async ({ tenant }) => ({ archiveId: await activateArchive(tenant) }));
export const DELETE = tenantRoute(null, async ({ tenant }) => {
  await unlinkSignatures(tenant);
  return { ok: true };
});
