/** C2: the CRM rights contact sync needs that this user lacks, checked when the settings open. */
import { tenantRoute } from '@/lib/api/route';
import { missingCrmPermissions } from '@/lib/contacts/crm-fields';

export const dynamic = 'force-dynamic';
export const GET = tenantRoute(null, async ({ tenant }) => ({ missing: await missingCrmPermissions(tenant) }));
