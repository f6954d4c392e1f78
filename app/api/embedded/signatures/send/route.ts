/**
 * S5: send a signature request from a CRM record, with a document from Dropbox or from the record's files.
 * GET lists the record's files the panel can offer.
 */
import { z } from 'zod';
import { tenantRoute } from '@/lib/api/route';
import { crmClientFor } from '@/lib/crm';
import { sendFromRecord } from '@/lib/signatures/send';

export const dynamic = 'force-dynamic';

const ZModule = z.enum(['person', 'organization', 'deal', 'contact', 'company', 'project']);
const ZRecordId = z.string().regex(/^[A-Za-z0-9-]{1,64}$/);

const ZSend = z.object({
  module: ZModule,
  recordId: ZRecordId,
  title: z.string().trim().min(1).max(200),
  message: z.string().max(5000).optional(),
  signers: z.array(z.object({ name: z.string().trim().min(1).max(200), email: z.email() })).min(1).max(20),
  source: z.discriminatedUnion('kind', [z.object({ kind: z.literal('dropbox'), fileId: z.string().min(1).max(200) }), z.object({ kind: z.literal('record'), fileId: z.string().min(1).max(64) })]),
});

export const POST = tenantRoute(ZSend, async ({ tenant, input }) => sendFromRecord(tenant, input));

export const GET = tenantRoute(z.object({ module: ZModule, recordId: ZRecordId }), async ({ tenant, input }) => {
  const crm = crmClientFor({ id: tenant.crmUserId, crm: tenant.crm, apiDomain: tenant.apiDomain });
  const files = await crm.files.listRecordFiles(input.module, input.recordId);
  return { files: files.map((f) => ({ id: f.id, name: f.name })) };
});
