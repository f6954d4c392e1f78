/** The record panel: reads the record through the CRM API with the user's own token (M4). */
import { z } from 'zod';
import { tenantRoute } from '@/lib/api/route';
import { crmClientFor } from '@/lib/crm';
import { SyncError } from '@/lib/errors';
import { recordSignatureDocuments } from '@/lib/signatures/service';

export const dynamic = 'force-dynamic';

const ZRecordQuery = z.object({
  resource: z.enum(['person', 'organization', 'deal']),
  id: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'must be a record id'),
});

export const GET = tenantRoute(ZRecordQuery, async ({ tenant, input }) => {
  const client = crmClientFor({ id: tenant.crmUserId, crm: tenant.crm, apiDomain: tenant.apiDomain });
  const record = await client.getRecord(input.resource, input.id);
  if (!record) throw new SyncError('not_found', `This ${input.resource} was not found or you cannot see it.`);
  // B9: the record's signature documents (the archive's own table; no vendor call).
  return { record, signatures: await recordSignatureDocuments(tenant, input.resource, input.id) };
});
