/** S5 on Teamleader (no record panel): the records the settings page can send from. */
import { tenantRoute } from '@/lib/api/route';
import { sendableRecords } from '@/lib/signatures/picker';

export const dynamic = 'force-dynamic';

export const GET = tenantRoute(null, async ({ tenant }) => ({ records: await sendableRecords(tenant) }));
