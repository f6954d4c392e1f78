/**
 * S4 team archive: overview (GET), turn on or switch to the caller's accounts (POST {takeOver}), stop (DELETE).
 * Only a Dropbox Sign team admin may turn it on or switch it (403 otherwise).
 */
import { z } from 'zod';
import { tenantRoute } from '@/lib/api/route';
import { activateTeamArchive, teamArchiveOverview, unlinkTeamArchive } from '@/lib/signatures/team';

export const dynamic = 'force-dynamic';

export const GET = tenantRoute(null, async ({ tenant }) => teamArchiveOverview(tenant));
export const POST = tenantRoute(z.object({ takeOver: z.boolean().optional() }), async ({ tenant, input }) => ({ archiveId: await activateTeamArchive(tenant, { takeOver: input.takeOver }) }));
export const DELETE = tenantRoute(null, async ({ tenant }) => {
  await unlinkTeamArchive(tenant);
  return { ok: true };
});
