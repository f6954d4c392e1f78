/** "Start sync" (C14): saves the connection and runs its first sync at once. */
import { z } from 'zod';
import { tenantRoute } from '@/lib/api/route';
import { startSync } from '@/lib/contacts/service';

export const dynamic = 'force-dynamic';

const ZStart = z.object({
  accountId: z.string().uuid(),
  direction: z.enum(['crm_to_provider', 'provider_to_crm', 'two_way']),
  groupId: z.string().min(1).max(300).nullish(),
  groupName: z.string().max(200).nullish(),
  visibility: z.number().int().refine((v) => [1, 3, 5, 7].includes(v), 'must be 1, 3, 5 or 7').nullish(),
  conflictPolicy: z.enum(['newest', 'crm', 'provider']).optional(),
  matchByEmail: z.boolean().optional(),
  matchScope: z.enum(['own', 'visible']).optional(),
  expectedTotal: z.number().int().min(0).max(10_000_000).nullish(),
});

export const POST = tenantRoute(ZStart, async ({ tenant, input }) => {
  const started = await startSync(tenant, input);
  return { syncId: started.syncId };
});
