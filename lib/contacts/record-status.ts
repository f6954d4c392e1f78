/**
 * B9: what Synclane knows about one CRM person across the user's contact syncs — the linked provider contact
 * (with a link), when it last synced, why it is skipped (a reason code the panel translates, with a link to
 * fix it in the CRM) and its recent conflicts.
 */
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { activity, contactLinks, contactSyncs, providerAccounts, syncConnections } from '@/db/schema';
import { env } from '@/lib/env';
import type { Tenant } from '@/lib/tenant';
import { personUrl } from './service';

export type PersonSyncStatus = {
  syncId: string;
  provider: 'google' | 'microsoft';
  account: string;
  direction: 'crm_to_provider' | 'provider_to_crm' | 'two_way';
  state: 'linked' | 'skipped' | 'deleted' | 'not_synced';
  contactUrl: string | null;
  lastSyncedAt: string | null;
  pending: boolean;
  /** The sync is queued or running now (the panel's Retry waits for that run to end). */
  running: boolean;
  /** `linkId` is what the per-item Retry (B4) takes: the same call the dashboard's skipped list makes. */
  skip: { linkId: string; reasonCode: string | null; reason: string | null; fixUrl: string } | null;
  conflicts: { at: string; reasonCode: string | null; params: Record<string, string> }[];
};

/** The provider's own page for one contact, or null where the provider has no stable deep link (Outlook). */
export function providerContactUrl(provider: 'google' | 'microsoft', remoteId: string | null, accountEmail: string): string | null {
  if (!remoteId || provider !== 'google') return null;
  const id = remoteId.replace(/^people\//, '');
  return `${env().google.contactsWebUrl}/person/${encodeURIComponent(id)}?authuser=${encodeURIComponent(accountEmail)}`;
}

export async function personSyncStatus(tenant: Tenant, crmId: string): Promise<PersonSyncStatus[]> {
  const db = await getDb();
  const syncs = await db
    .select({ id: contactSyncs.id, provider: contactSyncs.provider, direction: contactSyncs.direction, email: providerAccounts.email, stage: syncConnections.stage })
    .from(contactSyncs)
    .innerJoin(syncConnections, eq(syncConnections.id, contactSyncs.id))
    .innerJoin(providerAccounts, eq(providerAccounts.id, contactSyncs.providerAccountId))
    .where(and(eq(contactSyncs.installationId, tenant.installationId), eq(contactSyncs.crmUserId, tenant.crmUserId), sql`${syncConnections.status} <> 'disabled'`));
  if (!syncs.length) return [];
  const ids = syncs.map((s) => s.id);
  const links = await db.select().from(contactLinks).where(and(inArray(contactLinks.syncId, ids), eq(contactLinks.crmId, crmId)));
  const conflicts = await db
    .select()
    .from(activity)
    .where(and(inArray(activity.connectionId, ids), eq(activity.crmId, crmId), eq(activity.action, 'conflict')))
    .orderBy(desc(activity.at))
    .limit(20);
  return syncs.map((s) => {
    const link = links.find((l) => l.syncId === s.id);
    const params = (d: Record<string, unknown> | null) =>
      Object.fromEntries(Object.entries(d ?? {}).filter(([, v]) => typeof v === 'string' || typeof v === 'number').map(([k, v]) => [k, String(v)]));
    return {
      syncId: s.id,
      provider: s.provider,
      account: s.email,
      direction: s.direction,
      state: link?.state ?? 'not_synced',
      contactUrl: link?.state === 'linked' ? providerContactUrl(s.provider, link.remoteId, s.email) : null,
      lastSyncedAt: link && link.state !== 'skipped' ? link.updatedAt.toISOString() : null,
      pending: !!link?.pendingSince,
      running: s.stage !== 'idle',
      skip: link?.state === 'skipped' ? { linkId: link.id, reasonCode: link.skipCode, reason: link.skipReason, fixUrl: personUrl(tenant, crmId) } : null,
      conflicts: conflicts.filter((c) => c.connectionId === s.id).map((c) => ({ at: c.at.toISOString(), reasonCode: c.reasonCode, params: params(c.detail) })),
    };
  });
}
