/** B4: Retry one skipped record (its sync runs now and evaluates it again). */
import { z } from 'zod';
import { tenantRoute } from '@/lib/api/route';
import { retrySkipped } from '@/lib/contacts/service';

export const dynamic = 'force-dynamic';
export const POST = tenantRoute(z.object({ linkId: z.string().uuid() }), ({ tenant, params, input }) => retrySkipped(tenant, params.id!, input.linkId));
