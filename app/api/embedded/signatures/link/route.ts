/** S1: the Dropbox Sign authorize URL for the settings page's popup (state bound to this CRM user). */
import { tenantRoute } from '@/lib/api/route';
import { startSignLink } from '@/lib/signatures/linking';

export const dynamic = 'force-dynamic';

export const POST = tenantRoute(null, async ({ tenant }) => startSignLink(tenant));
