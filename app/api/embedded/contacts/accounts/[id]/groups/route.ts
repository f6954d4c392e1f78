/** C3: the account's contact groups / folders to pick the synced one from. */
import { tenantRoute } from '@/lib/api/route';
import { listGroups } from '@/lib/contacts/service';

export const dynamic = 'force-dynamic';
export const GET = tenantRoute(null, ({ tenant, params }) => listGroups(tenant, params.id!));
