/** The files dashboard (F8, B4): link state, records, counts, the last run, activity and skipped files. */
import { tenantRoute } from '@/lib/api/route';
import { filesOverview } from '@/lib/files/service';

export const dynamic = 'force-dynamic';

export const GET = tenantRoute(null, async ({ tenant }) => filesOverview(tenant));
