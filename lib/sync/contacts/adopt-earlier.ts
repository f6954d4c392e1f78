/**
 * M5/B2: a new export sync into a group that already holds contacts an earlier sync of ours created (the
 * app was reinstalled, or the sync stopped and started again) re-adopts them instead of creating copies.
 * Our contacts carry the stamp `<syncId>:<crmId>` (CLIENT_DATA_KEY); the new sync links each of its persons
 * to the stamped contact of the same CRM id, and the first run then updates it (restamping it as its own).
 *
 * Only contacts that are provably this CRM user's are adopted; every other stamp is left alone and reported:
 * - the stamp's sync is still in our database: it must be this CRM user's and stopped;
 * - the stamp's sync was purged (M5: an uninstalled user's data goes after 30 days): its id must commit to
 *   this CRM, company and user (`ownerBoundSyncId`) — a stamp of another company's Synclane, of a colleague,
 *   or of a sync created before ids carried their owner is not ours to take over;
 * - and in both cases the stamped CRM record must exist in this CRM, in the user's export scope.
 */
import { createHash, randomBytes } from 'node:crypto';
import { count, eq, inArray } from 'drizzle-orm';
import { contactLinks, contactSyncs, syncConnections } from '@/db/schema';
import { recordActivity } from '@/lib/sync/runtime/activity';
import { CRM_PAGE_SIZE } from './constants';
import type { SyncContext } from './context';

export type StampedContact = { remoteId: string; etag: string };
/** The CRM user a sync belongs to, as the CRM names them (survives our purge: it is the CRM's own identity). */
export type StampOwner = { crm: 'pipedrive' | 'teamleader'; companyId: string; userId: string };
/** Why a stamped contact was not adopted. */
export type LeftAloneReason = 'not_ours' | 'unreadable_stamp' | 'record_missing';
export type LeftAlone = { remoteId: string; ref: string; reason: LeftAloneReason };
export type AdoptionPlan = { adopt: Map<string, StampedContact>; leftAlone: LeftAlone[] };

/** Splits a stamp into the sync that wrote it and the CRM id (sync ids are uuids: no colon). */
export function parseRef(ref: string): { syncId: string; crmId: string } | null {
  const at = ref.indexOf(':');
  if (at <= 0 || at === ref.length - 1) return null;
  return { syncId: ref.slice(0, at), crmId: ref.slice(at + 1) };
}

const ownerDigest = (owner: StampOwner, nonce: Buffer) =>
  createHash('sha256').update(`synclane-sync-owner\n${owner.crm}\n${owner.companyId}\n${owner.userId}\n`).update(nonce).digest();

const hex = (b: Buffer) => b.toString('hex');
const asUuid = (b: Buffer) => `${hex(b.subarray(0, 4))}-${hex(b.subarray(4, 6))}-${hex(b.subarray(6, 8))}-${hex(b.subarray(8, 10))}-${hex(b.subarray(10, 16))}`;

/**
 * A new sync id that commits to its owner (RFC 9562 UUIDv8): bytes 0–7 random, bytes 8–15 the first bytes of
 * SHA-256(owner, bytes 0–7). Its stamps stay provably this CRM user's after our own rows are purged. Not a
 * secret: whoever can write into the user's contact group is the user.
 */
export function ownerBoundSyncId(owner: StampOwner, nonce: Buffer = randomBytes(8)): string {
  const b = Buffer.alloc(16);
  nonce.copy(b, 0, 0, 8);
  b[6] = (b[6]! & 0x0f) | 0x80; // version 8
  ownerDigest(owner, b.subarray(0, 8)).copy(b, 8, 0, 8);
  b[8] = (b[8]! & 0x3f) | 0x80; // RFC 9562 variant
  return asUuid(b);
}

/** True when `syncId` was made by `ownerBoundSyncId` for exactly this owner. */
export function isOwnerBoundSyncId(syncId: string, owner: StampOwner): boolean {
  if (!UUID.test(syncId)) return false;
  const b = Buffer.from(syncId.replace(/-/g, ''), 'hex');
  if (b[6]! >> 4 !== 0x8) return false;
  const expected = ownerDigest(owner, b.subarray(0, 8)).subarray(0, 8);
  expected[0] = (expected[0]! & 0x3f) | 0x80;
  return expected.equals(b.subarray(8, 16));
}

/**
 * Pure: which stamped contacts the sync `syncId` may adopt, by CRM id, and which are left alone. A stamp of
 * the sync itself is its own (neither); a stamp whose sync `isOurs` refuses is left alone; of two earlier
 * copies of one person only the first is adopted.
 */
export function planAdoption(stamped: Map<string, StampedContact>, syncId: string, isOurs: (stampSyncId: string) => boolean): AdoptionPlan {
  const adopt = new Map<string, StampedContact>();
  const leftAlone: LeftAlone[] = [];
  for (const [ref, contact] of stamped) {
    const parsed = parseRef(ref);
    if (parsed?.syncId === syncId) continue;
    if (!parsed || !UUID.test(parsed.syncId)) leftAlone.push({ remoteId: contact.remoteId, ref, reason: 'unreadable_stamp' });
    else if (!isOurs(parsed.syncId)) leftAlone.push({ remoteId: contact.remoteId, ref, reason: 'not_ours' });
    else if (!adopt.has(parsed.crmId)) adopt.set(parsed.crmId, contact);
  }
  return { adopt, leftAlone };
}

/**
 * The stamped contacts in the group a sync of this CRM user may adopt, by CRM id (`syncId` null: not created
 * yet). `existing` narrows to CRM ids that exist in the user's export scope (omit it when the caller checks).
 */
export async function adoptableContacts(
  db: SyncContext['db'],
  provider: SyncContext['provider'],
  groupId: string,
  owner: { syncId: string | null; crmUserId: string; stampOwner: StampOwner },
  existing?: (crmIds: string[]) => Promise<Set<string>>,
): Promise<AdoptionPlan> {
  const stamped = await provider.listRefs(groupId);
  if (stamped.size === 0) return { adopt: new Map(), leftAlone: [] };
  const syncIds = [...new Set([...stamped.keys()].map((r) => parseRef(r)?.syncId).filter((s): s is string => !!s && s !== owner.syncId && UUID.test(s)))];
  const known = syncIds.length
    ? await db
        .select({ id: contactSyncs.id, crmUserId: contactSyncs.crmUserId, status: syncConnections.status })
        .from(contactSyncs)
        .innerJoin(syncConnections, eq(syncConnections.id, contactSyncs.id))
        .where(inArray(contactSyncs.id, syncIds))
    : [];
  const knownById = new Map(known.map((k) => [k.id, k]));
  const plan = planAdoption(stamped, owner.syncId ?? '', (id) => {
    const k = knownById.get(id);
    // Still in our database: this user's and stopped (a running sync's contacts, or a colleague's, are theirs).
    if (k) return k.crmUserId === owner.crmUserId && k.status === 'disabled';
    // Purged (or never ours): only an id that commits to this CRM user proves it.
    return isOwnerBoundSyncId(id, owner.stampOwner);
  });
  if (!existing || plan.adopt.size === 0) return plan;
  const present = await existing([...plan.adopt.keys()]);
  const refOf = new Map([...stamped].map(([ref, c]) => [c.remoteId, ref]));
  for (const [crmId, c] of plan.adopt) {
    if (present.has(crmId)) continue;
    plan.adopt.delete(crmId);
    plan.leftAlone.push({ remoteId: c.remoteId, ref: refOf.get(c.remoteId) ?? crmId, reason: 'record_missing' });
  }
  return plan;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The owner the stamps of a sync run must commit to. */
export const stampOwnerOf = (ctx: Pick<SyncContext, 'inst' | 'user'>): StampOwner => ({ crm: ctx.inst.crm, companyId: ctx.inst.companyId, userId: ctx.user.crmUserId });

/** CRM ids among `ids` that exist in the user's export scope (their own persons where the CRM has owners). */
async function existingInScope(ctx: SyncContext, ids: string[]): Promise<Set<string>> {
  const wanted = new Set(ids);
  const found = new Set<string>();
  let cursor: string | null = null;
  do {
    const page = await ctx.crm.listPersons({ cursor, limit: CRM_PAGE_SIZE, ownerId: ctx.crm.personsHaveOwner ? ctx.user.crmUserId : null });
    for (const p of page.items) if (wanted.has(p.id)) found.add(p.id);
    cursor = found.size === wanted.size ? null : page.nextCursor;
  } while (cursor);
  return found;
}

/**
 * Links the earlier sync's contacts in the group to this sync (first run only); the stamped contacts that
 * are not provably this user's stay as they are, each reported in the activity log. Returns how many were
 * adopted and left alone.
 */
export async function adoptEarlierExports(ctx: SyncContext, groupId: string, runId: string | null = null): Promise<{ adopted: number; leftAlone: number }> {
  const { db, sync } = ctx;
  const [{ n }] = (await db.select({ n: count() }).from(contactLinks).where(eq(contactLinks.syncId, sync.id))) as [{ n: number }];
  if (n > 0) return { adopted: 0, leftAlone: 0 };
  const { adopt, leftAlone } = await adoptableContacts(db, ctx.provider, groupId, { syncId: sync.id, crmUserId: sync.crmUserId, stampOwner: stampOwnerOf(ctx) }, (ids) => existingInScope(ctx, ids));
  if (leftAlone.length)
    await recordActivity(
      leftAlone.map((l) => ({
        installationId: sync.installationId,
        connectionId: sync.id,
        runId,
        action: 'skipped' as const,
        side: 'provider' as const,
        remoteId: l.remoteId,
        label: l.remoteId,
        reasonCode: 'contacts.stamp_not_ours' as const,
        detail: { why: l.reason, stamp: l.ref },
      })),
      db,
    );
  if (adopt.size === 0) return { adopted: 0, leftAlone: leftAlone.length };
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
  return { adopted: adopt.size, leftAlone: leftAlone.length };
}
