/** Helpers for files-pillar integration tests: link Dropbox through the real PKCE flow, CRM files through the app's client. */
import { eq } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { activity, syncConnections } from '@/db/schema';
import { crmClientFor } from '@/lib/crm';
import type { CrmRecordModule } from '@/lib/crm/port';
import { completeDropboxLink, startDropboxLink } from '@/lib/files/dropbox-linking';
import { consent } from '@/sandbox/dropbox/test-support';
import type { Tenant } from '@/lib/tenant';
import type { TestApp } from './harness';

/** F1 end to end: authorize URL → consent page → callback (state consumed, code exchanged, connection started). */
export async function linkDropbox(app: TestApp, tenant: Tenant, email: string) {
  const { url } = await startDropboxLink(tenant);
  const { location } = await consent(app.sandbox, url, email);
  return completeDropboxLink({ state: location.searchParams.get('state'), code: location.searchParams.get('code') });
}

export function crmFiles(tenant: Tenant) {
  return crmClientFor({ id: tenant.crmUserId, crm: tenant.crm, apiDomain: tenant.apiDomain }).files;
}

export async function uploadCrmFile(tenant: Tenant, module: CrmRecordModule, recordId: string, name: string, text: string | Buffer, folder?: string) {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  return crmFiles(tenant).uploadFile({ module, recordId, name, size: bytes.length, content: () => new Blob([new Uint8Array(bytes)]).stream(), folder });
}

export async function connectionStatus(id: string) {
  const db = await getDb();
  const [c] = await db.select().from(syncConnections).where(eq(syncConnections.id, id));
  return c!;
}

export async function activityOf(connectionId: string) {
  const db = await getDb();
  return db.select().from(activity).where(eq(activity.connectionId, connectionId));
}
