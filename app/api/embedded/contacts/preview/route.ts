/** B2: what the first export would do, before anything is written. */
import { tenantRoute } from '@/lib/api/route';
import { previewExport } from '@/lib/contacts/service';

export const dynamic = 'force-dynamic';
export const GET = tenantRoute(null, ({ tenant }) => previewExport(tenant));
