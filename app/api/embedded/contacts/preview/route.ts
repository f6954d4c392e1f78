/**
 * B2: what the first sync would do, before anything is written. Export: CRM persons to send (with
 * `accountId`: M5 re-adoptions too). Import / two-way (`direction` + `groupId`): the group's contacts to add.
 */
import { z } from 'zod';
import { tenantRoute } from '@/lib/api/route';
import { previewExport, previewImport } from '@/lib/contacts/service';

export const dynamic = 'force-dynamic';
const ZPreviewQuery = z.object({
  accountId: z.string().uuid().optional(),
  direction: z.enum(['crm_to_provider', 'provider_to_crm', 'two_way']).optional(),
  groupId: z.string().min(1).max(300).optional(),
});
export const GET = tenantRoute(ZPreviewQuery, ({ tenant, input }) =>
  input.direction && input.direction !== 'crm_to_provider' && input.accountId && input.groupId
    ? previewImport(tenant, { accountId: input.accountId, groupId: input.groupId, direction: input.direction })
    : previewExport(tenant, input.accountId ?? null),
);
