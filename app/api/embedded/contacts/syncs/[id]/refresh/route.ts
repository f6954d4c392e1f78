/** Refresh (C15): runs a sync immediately; if one is running, the dashboard keeps showing its progress. */
import { tenantRoute } from '@/lib/api/route';
import { refreshSync } from '@/lib/contacts/service';

export const dynamic = 'force-dynamic';
export const POST = tenantRoute(null, ({ tenant, params }) => refreshSync(tenant, params.id!));
