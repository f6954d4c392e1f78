/**
 * B3: sync-caused deletes are restorable for RESTORE_WINDOW_DAYS. The link keeps the last synced snapshot
 * (the tombstone); restoring recreates the side the sync deleted from that snapshot and relinks it.
 *
 * - CRM side (the provider deleted it, the sync deleted the CRM person): a new CRM person is created. The
 *   provider contact is gone, so the link keeps only the CRM id — in two-way the next export recreates the
 *   contact in the provider; in one-way provider → CRM the person simply stays in the CRM.
 * - Provider side (the CRM deleted it, the sync deleted the contact): a new contact is created in the
 *   synced group. The CRM person is gone, so the link keeps only the remote id — the export's delete
 *   reconcile (which needs a CRM id) never removes it again.
 */
import { and, eq } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { contactLinks, contactSyncs, syncConnections } from '@/db/schema';
import { recordActivity } from '@/lib/sync/runtime/activity';
import { SyncError } from '@/lib/errors';
import type { Tenant } from '@/lib/tenant';
import { RESTORE_WINDOW_DAYS } from '@/lib/sync/contacts/constants';
import { loadSyncContext } from '@/lib/sync/contacts/context';
import { linkRef } from '@/lib/sync/contacts/export-sweep';
import { personInputFromContact } from '@/lib/sync/contacts/import-pass';
import { hashContact, normalizeContact, type Contact } from '@/lib/sync/contacts/model';

const DAY_MS = 24 * 60 * 60 * 1000;

export async function restoreDeletedContact(tenant: Tenant, linkId: string, now = new Date()) {
  const db = await getDb();
  // Scoped: the link must belong to one of this CRM user's syncs in this installation.
  const [row] = await db
    .select({ link: contactLinks, sync: contactSyncs, status: syncConnections.status })
    .from(contactLinks)
    .innerJoin(contactSyncs, eq(contactLinks.syncId, contactSyncs.id))
    .innerJoin(syncConnections, eq(syncConnections.id, contactSyncs.id))
    .where(and(eq(contactLinks.id, linkId), eq(contactSyncs.installationId, tenant.installationId), eq(contactSyncs.crmUserId, tenant.crmUserId)));
  if (!row) throw new SyncError('not_found', 'That contact is not in your sync history.');
  const { link, sync, status } = row;
  if (link.state !== 'deleted' || !link.deletedAt || !link.deletedSide) throw new SyncError('validation', 'That contact was not deleted by the sync, so there is nothing to restore.');
  if (now.getTime() - link.deletedAt.getTime() > RESTORE_WINDOW_DAYS * DAY_MS)
    throw new SyncError('validation', `Deleted contacts can be restored for ${RESTORE_WINDOW_DAYS} days; this one was deleted on ${link.deletedAt.toISOString().slice(0, 10)}.`);
  if (!link.snapshot) throw new SyncError('validation', 'No copy of this contact was kept, so it cannot be restored.');
  if (status === 'disabled') throw new SyncError('validation', 'This sync was stopped. Start it again before restoring contacts.');

  const snapshot = normalizeContact(link.snapshot as unknown as Contact);
  const ctx = await loadSyncContext(sync.id);
  const label = link.label ?? ([snapshot.firstName, snapshot.lastName].filter(Boolean).join(' ') || 'contact');

  if (link.deletedSide === 'crm') {
    const orgId = snapshot.organization ? (await ctx.crm.findOrCreateOrganization(snapshot.organization)).id : null;
    const person = await ctx.crm.createPerson({ ...personInputFromContact(snapshot, orgId), visibleTo: sync.visibility });
    await db
      .update(contactLinks)
      .set({
        crmId: person.id, remoteId: null, remoteEtag: null, crmUpdatedAt: person.updatedAt, snapshot: snapshot as unknown as Record<string, unknown>, snapshotHash: hashContact(snapshot),
        state: 'linked', deletedAt: null, deletedSide: null, skipCode: null, skipReason: null, pendingSince: null, createdBy: 'sync_to_crm', updatedAt: new Date(),
      })
      .where(eq(contactLinks.id, link.id));
    await recordActivity([{ installationId: sync.installationId, connectionId: sync.id, action: 'restored', side: 'crm', crmId: person.id, remoteId: link.remoteId, label, reasonCode: 'restored' }]);
    return { linkId: link.id, side: 'crm' as const, crmId: person.id, remoteId: null };
  }

  if (!sync.groupId) throw new SyncError('validation', 'This sync has no contact group to restore into.');
  const ref = linkRef(sync.id, link.crmId ?? link.id);
  const [result] = await ctx.provider.createContacts([{ ref, contact: snapshot }], sync.groupId);
  if (!result?.remoteId) throw result?.error ?? new SyncError('validation', 'The provider refused to recreate the contact.');
  await db
    .update(contactLinks)
    .set({
      crmId: null, remoteId: result.remoteId, remoteEtag: result.etag ?? null, crmUpdatedAt: null, snapshot: snapshot as unknown as Record<string, unknown>, snapshotHash: hashContact(snapshot),
      state: 'linked', deletedAt: null, deletedSide: null, skipCode: null, skipReason: null, pendingSince: null, createdBy: 'sync_to_provider', updatedAt: new Date(),
    })
    .where(eq(contactLinks.id, link.id));
  await recordActivity([{ installationId: sync.installationId, connectionId: sync.id, action: 'restored', side: 'provider', crmId: link.crmId, remoteId: result.remoteId, label, reasonCode: 'restored' }]);
  return { linkId: link.id, side: 'provider' as const, crmId: null, remoteId: result.remoteId };
}
