/** Refresh: run the archive now. */
import { tenantRoute } from '@/lib/api/route';
import { refreshArchive } from '@/lib/signatures/service';

export const dynamic = 'force-dynamic';

export const POST = tenantRoute(null, async ({ tenant }) => refreshArchive(tenant));
