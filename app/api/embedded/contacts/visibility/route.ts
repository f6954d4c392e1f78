/** C7: visibility choices for persons created in the CRM, as the company's plan offers them. */
import { tenantRoute } from '@/lib/api/route';
import { visibilityOptions } from '@/lib/contacts/service';

export const dynamic = 'force-dynamic';
export const GET = tenantRoute(null, ({ tenant }) => visibilityOptions(tenant));
