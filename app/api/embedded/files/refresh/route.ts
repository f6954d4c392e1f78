/** Refresh the files connection now. */
import { tenantRoute } from '@/lib/api/route';
import { refreshFiles } from '@/lib/files/service';

export const dynamic = 'force-dynamic';

export const POST = tenantRoute(null, async ({ tenant }) => refreshFiles(tenant));
