/** S4: run the team archive now. */
import { tenantRoute } from '@/lib/api/route';
import { refreshTeamArchive } from '@/lib/signatures/team';

export const dynamic = 'force-dynamic';

export const POST = tenantRoute(null, async ({ tenant }) => {
  await refreshTeamArchive(tenant);
  return { ok: true };
});
