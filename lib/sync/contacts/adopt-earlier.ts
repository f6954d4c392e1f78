/**
 * M5/B2: a new export sync into a group that already holds contacts an earlier sync of ours created (the
 * app was reinstalled, or the sync stopped and started again) re-adopts them instead of creating copies.
 * Our contacts carry the stamp `<syncId>:<crmId>` (CLIENT_DATA_KEY); the new sync links each of its persons
 * to the stamped contact of the same CRM id, and the first run then updates it (restamping it as its own).
 */
import { count, eq, inArray } from 'drizzle-orm';
import { contactLinks, contactSyncs, syncConnections } from '@/db/schema';
import type { SyncContext } from './context';

export type StampedContact = { remoteId: string; etag: string };

/** Splits a stamp into the sync that wrote it and the CRM id (sync ids are uuids: no colon). */
export function parseRef(ref: string): { syncId: string; crmId: string } | null {
  const at = ref.indexOf(':');
  if (at <= 0 || at === ref.length - 1) return null;
  return { syncId: ref.slice(0, at), crmId: ref.slice(at + 1) };
}

/**
 * Pure: which stamped contacts the sync `syncId` may adopt, by CRM id. A stamp of the sync itself is its
 * own (nothing to adopt); a stamp of a sync in `foreign` (live, or another user's) is left alone.
 */
export function planAdoption(stamped: Map<string, StampedContact>, syncId: string, foreign: Set<string>): Map<string, StampedContact> {
  const adopt = new Map<string, StampedContact>();
  for (const [ref, contact] of stamped) {
    const parsed = parseRef(ref);
    if (!parsed || parsed.syncId === syncId || foreign.has(parsed.syncId)) continue;
    if (!adopt.has(parsed.crmId)) adopt.set(parsed.crmId, contact);
  }
  return adopt;
}

/** The stamped contacts in the group a sync of `crmUserId` may adopt, by CRM id (`syncId` null: not created yet). */
export async function adoptableContacts(
  db: SyncContext['db'],
  provider: SyncContext['provider'],
  groupId: string,
  owner: { syncId: string | null; crmUserId: string },
): Promise<Map<string, StampedContact>> {
  const stamped = await provider.listRefs(groupId);
  if (stamped.size === 0) return new Map();
  const syncIds = [...new Set([...stamped.keys()].map((r) => parseRef(r)?.syncId).filter((s): s is string => !!s && s !== owner.syncId && UUID.test(s)))];
  const known = syncIds.length
    ? await db
        .select({ id: contactSyncs.id, crmUserId: contactSyncs.crmUserId, status: syncConnections.status })
        .from(contactSyncs)
        .innerJoin(syncConnections, eq(syncConnections.id, contactSyncs.id))
        .where(inArray(contactSyncs.id, syncIds))
    : [];
  // Another user's contacts, or those of a sync still running, are not ours to take over.
  const foreign = new Set(known.filter((k) => k.crmUserId !== owner.crmUserId || k.status !== 'disabled').map((k) => k.id));
  return planAdoption(stamped, owner.syncId ?? '', foreign);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Links the earlier sync's contacts in the group to this sync (first run only). Returns how many. */
export async function adoptEarlierExports(ctx: SyncContext, groupId: string): Promise<number> {
  const { db, sync } = ctx;
  const [{ n }] = (await db.select({ n: count() }).from(contactLinks).where(eq(contactLinks.syncId, sync.id))) as [{ n: number }];
  if (n > 0) return 0;
  const adopt = await adoptableContacts(db, ctx.provider, groupId, { syncId: sync.id, crmUserId: sync.crmUserId });
  if (adopt.size === 0) return 0;
  await db
    .insert(contactLinks)
    .values(
      [...adopt].map(([crmId, c]) => ({
        installationId: sync.installationId,
        syncId: sync.id,
        crmId,
        remoteId: c.remoteId,
        remoteEtag: c.etag || null,
        state: 'linked' as const,
        createdBy: 'sync_to_provider' as const,
        // No snapshot: the first sweep sees the pair as changed and rewrites (and restamps) the contact.
        snapshotHash: null,
      })),
    )
    .onConflictDoNothing();
  return adopt.size;
}
