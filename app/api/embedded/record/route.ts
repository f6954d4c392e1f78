/** The record panel: reads the record through the CRM API with the user's own token (M4). */
import { z } from 'zod';
import { tenantRoute } from '@/lib/api/route';
import { crmClientFor } from '@/lib/crm';
import { SyncError } from '@/lib/errors';
import { personSyncStatus } from '@/lib/contacts/record-status';
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
  // B9: what Synclane knows about this record across the user's contact syncs and signature documents.
  const contacts = input.resource === 'person' ? await personSyncStatus(tenant, input.id) : [];
  return { record, contacts, signatures: await recordSignatureDocuments(tenant, input.resource, input.id) };
});
