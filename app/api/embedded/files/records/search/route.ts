/** Record picker for the files card (F2 on Teamleader, which has no record panel): search a module's records by term. */
import { z } from 'zod';
import { tenantRoute } from '@/lib/api/route';
import { searchFileRecords } from '@/lib/files/service';

export const dynamic = 'force-dynamic';

export const GET = tenantRoute(
  z.object({ module: z.enum(['contact', 'company', 'project', 'meeting', 'product', 'person', 'organization', 'deal']), term: z.string().trim().max(100).default('') }),
  async ({ tenant, input }) => searchFileRecords(tenant, input),
);
