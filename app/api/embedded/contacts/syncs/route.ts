/** "Start sync" (C14): saves the connection and runs its first sync at once. */
import { z } from 'zod';
import { tenantRoute } from '@/lib/api/route';
import { authorizeSyncStart, startSync } from '@/lib/contacts/service';
import { prepareCrmFields } from '@/lib/contacts/crm-fields';
import { requestContactSync } from '@/inngest/dispatch';
import { ensureCrmWebhook } from '@/lib/crm/webhooks';

export const dynamic = 'force-dynamic';

const ZStart = z.object({
  accountId: z.string().uuid(),
  direction: z.enum(['crm_to_provider', 'provider_to_crm', 'two_way']),
  groupId: z.string().min(1).max(300).nullish(),
  groupName: z.string().max(200).nullish(),
  visibility: z.number().int().refine((v) => [1, 3, 5, 7].includes(v), 'must be 1, 3, 5 or 7').nullish(),
  conflictPolicy: z.enum(['newest', 'crm', 'provider']).optional(),
  matchByEmail: z.boolean().optional(),
  expectedTotal: z.number().int().min(0).max(10_000_000).nullish(),
});

export const POST = tenantRoute(ZStart, async ({ tenant, input }) => {
  // Authorization and validation first: nothing is written anywhere (not even CRM fields) for a refused request.
  await authorizeSyncStart(tenant, input);
  // C2 + C9: check permissions and create the CRM fields the sync needs before anything runs.
  const fieldMap = input.direction === 'crm_to_provider' ? undefined : await prepareCrmFields(tenant);
  const started = await startSync(tenant, { ...input, fieldMap });
  // B1: CRM changes reach the provider within seconds where the CRM lets us register a webhook.
  if (input.direction !== 'provider_to_crm') await ensureCrmWebhook({ crm: tenant.crm, crmUserId: tenant.crmUserId, apiDomain: tenant.apiDomain });
  await requestContactSync({ syncId: started.syncId, installationId: started.installationId, provider: started.provider, trigger: 'start' });
  return { syncId: started.syncId };
});
