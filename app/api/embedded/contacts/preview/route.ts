/** B2: what the first export would do, before anything is written (with `accountId`: M5 re-adoptions too). */
import { z } from 'zod';
import { tenantRoute } from '@/lib/api/route';
import { previewExport } from '@/lib/contacts/service';

export const dynamic = 'force-dynamic';
export const GET = tenantRoute(z.object({ accountId: z.string().uuid().optional() }), ({ tenant, input }) => previewExport(tenant, input.accountId ?? null));
