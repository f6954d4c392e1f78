/**
 * S5 (backend only): send a signature request from a CRM record with a document picked from the user's Dropbox or
 * from the record's own files. The document is streamed (Dropbox or CRM → Dropbox Sign), never buffered whole; the
 * request carries the record in its metadata, so the signed PDF comes back onto that record (B7).
 */
import { Readable } from 'node:stream';
import type { ReadableStream as NodeWebStream } from 'node:stream/web';
import { and, eq } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { providerAccounts } from '@/db/schema';
import { withAccessToken } from '@/lib/auth/token-manager';
import { crmClientFor } from '@/lib/crm';
import type { CrmRecordModule } from '@/lib/crm/port';
import { env } from '@/lib/env';
import { SyncError } from '@/lib/errors';
import { jobQueue } from '@/lib/jobs/queue';
import { dropboxFor } from '@/lib/providers/dropbox';
import { createDropboxSignClient } from '@/lib/providers/dropbox-sign/client';
import { isDropboxSignUnauthorized } from '@/lib/providers/dropbox-sign/errors';
import { refreshDropboxSignToken } from '@/lib/providers/dropbox-sign/oauth';
import { RECORD_METADATA_KEY, recordMetadataValue } from '@/lib/sync/signatures/metadata';
import type { Tenant } from '@/lib/tenant';
import { currentArchiveId, signatureRunRequest } from './service';

export type SendFromRecordInput = {
  module: CrmRecordModule;
  recordId: string;
  title: string;
  message?: string;
  signers: { name: string; email: string }[];
  source: { kind: 'dropbox'; fileId: string } | { kind: 'record'; fileId: string };
};

async function connectedAccount(tenant: Tenant, provider: 'dropbox' | 'dropbox_sign') {
  const db = await getDb();
  const [row] = await db
    .select({ id: providerAccounts.id })
    .from(providerAccounts)
    .where(and(eq(providerAccounts.installationId, tenant.installationId), eq(providerAccounts.crmUserId, tenant.crmUserId), eq(providerAccounts.provider, provider), eq(providerAccounts.status, 'connected')));
  if (!row) throw new SyncError('validation', provider === 'dropbox' ? 'Link a Dropbox account first.' : 'Link Dropbox Sign first.');
  return row.id;
}

const toNode = (body: ReadableStream<Uint8Array>) => Readable.fromWeb(body as unknown as NodeWebStream<Uint8Array>);

export async function sendFromRecord(tenant: Tenant, input: SendFromRecordInput): Promise<{ signatureRequestId: string }> {
  const signAccountId = await connectedAccount(tenant, 'dropbox_sign');
  let file: { stream: Readable; name: string };
  if (input.source.kind === 'dropbox') {
    const dropbox = dropboxFor({ kind: 'provider_account', id: await connectedAccount(tenant, 'dropbox') });
    const download = await dropbox.downloadStream(input.source.fileId);
    file = { stream: toNode(download.body), name: download.entry.name };
  } else {
    // Only a file that is on this record (seen with the user's own CRM token) can be sent from it.
    const crm = crmClientFor({ id: tenant.crmUserId, crm: tenant.crm, apiDomain: tenant.apiDomain });
    const onRecord = (await crm.files.listRecordFiles(input.module, input.recordId)).find((f) => f.id === input.source.fileId);
    if (!onRecord) throw new SyncError('not_found', 'That file is not on this record.');
    file = { stream: toNode((await crm.files.downloadFile(onRecord.id)).stream), name: onRecord.name };
  }
  const owner = { kind: 'provider_account' as const, id: signAccountId };
  const sign = createDropboxSignClient({ auth: { withToken: (call) => withAccessToken(owner, refreshDropboxSignToken, call, isDropboxSignUnauthorized) } });
  const sent = await sign.sendSignatureRequest({
    title: input.title,
    subject: input.title,
    message: input.message,
    signers: input.signers,
    file,
    metadata: { [RECORD_METADATA_KEY]: recordMetadataValue(input.module, input.recordId) },
    clientId: env().dropboxSign.clientId,
  });
  // The archive files the original now rather than at the next hourly run.
  const archiveId = await currentArchiveId(tenant);
  if (archiveId) await jobQueue().request([signatureRunRequest({ id: archiveId, ...tenant }, 'webhook', sent.id)]);
  return { signatureRequestId: sent.id };
}
