import { tenantRoute } from '@/lib/api/route';
import { contactsOverview } from '@/lib/contacts/service';

export const dynamic = 'force-dynamic';
export const GET = tenantRoute(null, ({ tenant }) => contactsOverview(tenant));
