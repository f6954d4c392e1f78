/** The integrations this app offers and their real state for one CRM user (shown on the settings page). */
import { and, eq } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { contactSyncs, providerAccounts } from '@/db/schema';
import type { Tenant } from '@/lib/tenant';

export type IntegrationState = {
  id: 'contacts' | 'dropbox' | 'dropbox-sign';
  name: string;
  description: string;
  available: boolean;
  state: 'not_connected' | 'connected' | 'needs_reconnect' | 'unavailable';
  detail?: string;
  /** Contacts only: linked account e-mails and started syncs (the page words and translates them). */
  accounts?: string[];
  activeSyncs?: number;
};

export async function describeIntegrations(tenant: Tenant): Promise<IntegrationState[]> {
  const db = await getDb();
  const accounts = await db
    .select()
    .from(providerAccounts)
    .where(and(eq(providerAccounts.installationId, tenant.installationId), eq(providerAccounts.crmUserId, tenant.crmUserId)));
  const syncs = await db
    .select()
    .from(contactSyncs)
    .where(and(eq(contactSyncs.installationId, tenant.installationId), eq(contactSyncs.crmUserId, tenant.crmUserId)));
  const live = accounts.filter((a) => a.status !== 'disconnected');
  const contactsState: IntegrationState['state'] = live.some((a) => a.status === 'needs_reconnect')
    ? 'needs_reconnect'
    : live.length
      ? 'connected'
      : 'not_connected';
  return [
    {
      id: 'contacts',
      name: 'Contact sync',
      description: 'Google Contacts and Microsoft Outlook — export, one-way or two-way.',
      available: true,
      state: contactsState,
      detail: live.length ? `${live.map((a) => a.email).join(', ')} · ${syncs.filter((s) => s.startedAt && s.status !== 'disabled').length} sync(s) running` : undefined,
      accounts: live.map((a) => a.email),
      activeSyncs: syncs.filter((s) => s.startedAt && s.status !== 'disabled').length,
    },
    {
      id: 'dropbox',
      name: 'Dropbox files',
      description: 'Two-way file sync between CRM records and Dropbox folders.',
      available: false,
      state: 'unavailable',
      detail: 'Not part of this release yet.',
    },
    {
      id: 'dropbox-sign',
      name: 'Dropbox Sign archive',
      description: 'Signed documents filed into Dropbox and onto the CRM record.',
      available: false,
      state: 'unavailable',
      detail: 'Not part of this release yet.',
    },
  ];
}
