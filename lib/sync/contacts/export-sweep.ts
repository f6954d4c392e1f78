/**
 * CRM → provider export (Contacts I; PRODUCT C5, C11, C12, C13). One call = one page of the CRM listing:
 * plan against the base state (contact_links), write creates/updates in provider batches, record the
 * outcome. Creates are idempotent: the link is marked pending before the provider call and the CRM ref is
 * stamped into the contact, so a retry after a lost answer adopts the twin instead of creating a second.
 */
import { and, eq, inArray, isNotNull, isNull, ne, or, sql } from 'drizzle-orm';
import { contactLinks, contactSyncs } from '@/db/schema';
import { recordActivity, type ActivityEntry } from '@/lib/sync/runtime/activity';
import type { CrmOrganization, CrmPerson } from '@/lib/crm/port';
import { SyncError } from '@/lib/errors';
import { CRM_PAGE_SIZE, EXPORT_GROUP_NAME } from './constants';
import type { SyncContext } from './context';
import { decideExport } from './export-rules';
import { contactFromCrmPerson, displayName, hashContact, type Contact } from './model';

export type PageCounts = { processed: number; added: number; updated: number; skipped: number; unchanged: number; errors: number };

export const linkRef = (syncId: string, crmId: string) => `${syncId}:${crmId}`;

/** Ensures the export group exists (found again by id; created by name when missing). Returns its id. */
export async function prepareExportGroup(ctx: SyncContext): Promise<string> {
  const { sync } = ctx;
  if (sync.groupId) {
    const group = await ctx.provider.getGroup(sync.groupId);
    if (group) return group.id;
  }
  const name = sync.groupName ?? EXPORT_GROUP_NAME[ctx.inst.crm];
  const group = await ctx.provider.ensureGroup(name);
  await ctx.db.update(contactSyncs).set({ groupId: group.id, groupName: group.name, updatedAt: new Date() }).where(eq(contactSyncs.id, sync.id));
  return group.id;
}

/** Crash recovery: links left pending by an interrupted create get their twin adopted (or are cleared). */
export async function recoverPendingCreates(ctx: SyncContext, groupId: string): Promise<{ adopted: number; cleared: number }> {
  const pending = await ctx.db
    .select({ id: contactLinks.id, crmId: contactLinks.crmId })
    .from(contactLinks)
    .where(and(eq(contactLinks.syncId, ctx.sync.id), isNotNull(contactLinks.pendingSince), isNull(contactLinks.remoteId)));
  if (pending.length === 0) return { adopted: 0, cleared: 0 };
  const refs = new Set(pending.map((p) => linkRef(ctx.sync.id, p.crmId!)));
  const twins = await ctx.provider.findByRefs(groupId, refs);
  let adopted = 0;
  for (const p of pending) {
    const twin = twins.get(linkRef(ctx.sync.id, p.crmId!));
    if (twin) {
      // The remote has it but we never recorded the answer: adopt it; the next compare fixes any drift.
      await ctx.db
        .update(contactLinks)
        .set({ remoteId: twin.remoteId, remoteEtag: twin.etag, pendingSince: null, state: 'linked', createdBy: 'sync_to_provider', snapshotHash: null, updatedAt: new Date() })
        .where(eq(contactLinks.id, p.id));
      adopted++;
    } else {
      await ctx.db.update(contactLinks).set({ pendingSince: null, updatedAt: new Date() }).where(eq(contactLinks.id, p.id));
    }
  }
  return { adopted, cleared: pending.length - adopted };
}

type Planned = { person: CrmPerson; contact: Contact; hash: string; label: string };

export async function exportPage(
  ctx: SyncContext,
  args: { runId: string; sweepId: string | null; groupId: string; cursor: string | null; updatedSince?: string | null },
): Promise<PageCounts & { nextCursor: string | null }> {
  const { db, sync, crm, provider } = ctx;
  const counts: PageCounts = { processed: 0, added: 0, updated: 0, skipped: 0, unchanged: 0, errors: 0 };
  const page = await crm.listPersons({
    cursor: args.cursor,
    updatedSince: args.updatedSince ?? null,
    limit: CRM_PAGE_SIZE,
    // C5: only persons the syncing user owns (Teamleader contacts carry no owner).
    ownerId: crm.personsHaveOwner ? ctx.user.crmUserId : null,
  });
  counts.processed = page.items.length + page.invalid.length;
  const ids = page.items.map((p) => p.id);
  const links = ids.length
    ? await db.select().from(contactLinks).where(and(eq(contactLinks.syncId, sync.id), inArray(contactLinks.crmId, ids)))
    : [];
  const linkByCrm = new Map(links.map((l) => [l.crmId!, l]));

  // Cheap "unchanged" check first: same CRM update time as last synced means nothing to do — unless we
  // recorded that time within the CRM's timestamp resolution (Pipedrive: seconds), when a user edit in the
  // same second as our own write would carry the same update time: then compare the content.
  const sameSecond = (l: (typeof links)[number], updatedAt: string) => Math.abs(l.updatedAt.getTime() - Date.parse(updatedAt)) < 2_000;
  const isUnchanged = (p: CrmPerson) => {
    const l = linkByCrm.get(p.id);
    if (!l || l.pendingSince || l.crmUpdatedAt !== p.updatedAt || sameSecond(l, p.updatedAt)) return false;
    if (l.state === 'linked') return !!l.remoteId && !!l.snapshotHash;
    // A skipped person stays skipped until the CRM record changes (the reason depends only on its fields).
    return l.state === 'skipped' && !!l.skipCode && !l.remoteId;
  };
  const listed = page.items.filter((p) => !isUnchanged(p));
  counts.unchanged = page.items.length - listed.length;
  // Rows the listing returned incomplete (Teamleader) are completed only when they changed.
  const changed: CrmPerson[] = [];
  for (const p of listed) {
    if (!p.partial) changed.push(p);
    else {
      const full = await crm.getPerson(p.id);
      if (full) changed.push(full); // gone between list and detail: the next sweep sees it missing
    }
  }

  const orgs: Map<string, CrmOrganization> = changed.some((p) => p.orgId)
    ? await crm.getOrganizations(changed.map((p) => p.orgId!).filter(Boolean))
    : new Map();

  const creates: Planned[] = [];
  const updates: (Planned & { remoteId: string; etag: string | null })[] = [];
  const finals: (typeof contactLinks.$inferInsert)[] = [];
  const log: ActivityEntry[] = [];
  const base = { installationId: sync.installationId, syncId: sync.id };
  const act = { installationId: sync.installationId, connectionId: sync.id };

  for (const person of changed) {
    const contact = contactFromCrmPerson(person, person.orgId ? (orgs.get(person.orgId) ?? null) : null);
    const hash = hashContact(contact);
    const link = linkByCrm.get(person.id);
    const label = displayName(person, `Person ${person.id}`);
    const decision = decideExport(contact, hash, link && { ...link, pending: !!link.pendingSince });
    if (decision.kind === 'skip') {
      counts.skipped++;
      finals.push({ ...base, crmId: person.id, remoteId: link?.remoteId ?? null, remoteEtag: link?.remoteEtag ?? null, state: 'skipped', skipCode: decision.reason, skipReason: null, label, crmUpdatedAt: person.updatedAt, snapshot: link?.snapshot ?? null, snapshotHash: link?.snapshotHash ?? null, createdBy: link?.createdBy ?? null });
      if (decision.isNew) log.push({ ...act, runId: args.runId, action: 'skipped', side: 'provider', crmId: person.id, label, reasonCode: decision.reason, detail: { url: person.webUrl } });
    } else if (decision.kind === 'unchanged') {
      counts.unchanged++;
      finals.push({ ...base, crmId: person.id, remoteId: link!.remoteId, remoteEtag: link!.remoteEtag, state: 'linked', skipCode: null, skipReason: null, label, crmUpdatedAt: person.updatedAt, snapshot: link!.snapshot, snapshotHash: hash, createdBy: link!.createdBy });
    } else if (decision.kind === 'create') {
      creates.push({ person, contact, hash, label });
    } else {
      updates.push({ person, contact, hash, label, remoteId: link!.remoteId!, etag: link!.remoteEtag });
    }
  }

  // Mark creates pending before the provider sees them (crash between the write and our bookkeeping).
  if (creates.length) {
    await db
      .insert(contactLinks)
      .values(creates.map((c) => ({ ...base, crmId: c.person.id, state: 'linked' as const, label: c.label, pendingSince: new Date() })))
      .onConflictDoUpdate({
        target: [contactLinks.syncId, contactLinks.crmId],
        targetWhere: sql`${contactLinks.crmId} is not null`,
        set: { pendingSince: new Date(), updatedAt: new Date() },
      });
    const results = await provider.createContacts(
      creates.map((c) => ({ ref: linkRef(sync.id, c.person.id), contact: c.contact })),
      args.groupId,
    );
    creates.forEach((c, i) => {
      const r = results[i]!;
      if (r.remoteId) {
        counts.added++;
        finals.push({ ...base, crmId: c.person.id, remoteId: r.remoteId, remoteEtag: r.etag ?? null, state: 'linked', skipCode: null, skipReason: null, label: c.label, crmUpdatedAt: c.person.updatedAt, snapshot: c.contact as unknown as Record<string, unknown>, snapshotHash: c.hash, createdBy: 'sync_to_provider', pendingSince: null });
        log.push({ ...act, runId: args.runId, action: 'added', side: 'provider', crmId: c.person.id, remoteId: r.remoteId, label: c.label });
      } else {
        counts.errors++;
        finals.push({ ...base, crmId: c.person.id, state: 'skipped', skipCode: 'provider_rejected', skipReason: r.error?.message ?? null, label: c.label, crmUpdatedAt: null, pendingSince: null });
        log.push({ ...act, runId: args.runId, action: 'skipped', side: 'provider', crmId: c.person.id, label: c.label, reasonCode: 'provider_rejected', reason: r.error?.message ?? null, detail: { url: c.person.webUrl } });
      }
    });
  }

  if (updates.length) {
    const results = await provider.updateContacts(
      updates.map((u) => ({ ref: linkRef(sync.id, u.person.id), remoteId: u.remoteId, etag: u.etag, contact: u.contact })),
      args.groupId,
    );
    const recreate: Planned[] = [];
    updates.forEach((u, i) => {
      const r = results[i]!;
      if (r.etag !== undefined && !r.error) {
        counts.updated++;
        finals.push({ ...base, crmId: u.person.id, remoteId: u.remoteId, remoteEtag: r.etag, state: 'linked', skipCode: null, skipReason: null, label: u.label, crmUpdatedAt: u.person.updatedAt, snapshot: u.contact as unknown as Record<string, unknown>, snapshotHash: u.hash, createdBy: 'sync_to_provider' });
        log.push({ ...act, runId: args.runId, action: 'updated', side: 'provider', crmId: u.person.id, remoteId: u.remoteId, label: u.label });
      } else if (r.error?.code === 'not_found') {
        // Deleted in the provider: the export is one-way (the CRM is the source), so it is exported again.
        recreate.push(u);
      } else {
        counts.errors++;
        log.push({ ...act, runId: args.runId, action: 'skipped', side: 'provider', crmId: u.person.id, remoteId: u.remoteId, label: u.label, reasonCode: 'provider_rejected', reason: r.error?.message ?? null, detail: { url: u.person.webUrl } });
      }
    });
    if (recreate.length) {
      await db
        .update(contactLinks)
        .set({ remoteId: null, remoteEtag: null, pendingSince: new Date() })
        .where(and(eq(contactLinks.syncId, sync.id), inArray(contactLinks.crmId, recreate.map((r) => r.person.id))));
      const again = await provider.createContacts(recreate.map((c) => ({ ref: linkRef(sync.id, c.person.id), contact: c.contact })), args.groupId);
      recreate.forEach((c, i) => {
        const r = again[i]!;
        if (r.remoteId) {
          counts.added++;
          finals.push({ ...base, crmId: c.person.id, remoteId: r.remoteId, remoteEtag: r.etag ?? null, state: 'linked', skipCode: null, skipReason: null, label: c.label, crmUpdatedAt: c.person.updatedAt, snapshot: c.contact as unknown as Record<string, unknown>, snapshotHash: c.hash, createdBy: 'sync_to_provider', pendingSince: null });
          log.push({ ...act, runId: args.runId, action: 'added', side: 'provider', crmId: c.person.id, remoteId: r.remoteId, label: c.label, reasonCode: 'contacts.recreated_in_provider' });
        } else counts.errors++;
      });
    }
  }

  if (finals.length) {
    await db
      .insert(contactLinks)
      .values(finals.map((f) => ({ ...f, ...(args.sweepId ? { seenSweepId: args.sweepId } : {}), updatedAt: new Date() })))
      .onConflictDoUpdate({
        target: [contactLinks.syncId, contactLinks.crmId],
        targetWhere: sql`${contactLinks.crmId} is not null`,
        set: {
          remoteId: sql`excluded.remote_id`,
          remoteEtag: sql`excluded.remote_etag`,
          state: sql`excluded.state`,
          skipCode: sql`excluded.skip_code`,
          skipReason: sql`excluded.skip_reason`,
          label: sql`excluded.label`,
          crmUpdatedAt: sql`excluded.crm_updated_at`,
          snapshot: sql`excluded.snapshot`,
          snapshotHash: sql`excluded.snapshot_hash`,
          createdBy: sql`coalesce(excluded.created_by, ${contactLinks.createdBy})`,
          pendingSince: sql`excluded.pending_since`,
          ...(args.sweepId ? { seenSweepId: sql`excluded.seen_sweep_id` } : {}),
          deletedAt: null,
          deletedSide: null,
          updatedAt: new Date(),
        },
      });
  }
  // Everything listed on this page was seen by this sweep (unchanged rows included).
  if (ids.length && args.sweepId)
    await db
      .update(contactLinks)
      .set({ seenSweepId: args.sweepId })
      .where(and(eq(contactLinks.syncId, sync.id), inArray(contactLinks.crmId, ids), or(isNull(contactLinks.seenSweepId), ne(contactLinks.seenSweepId, args.sweepId))));
  if (page.invalid.length) {
    counts.skipped += page.invalid.length;
    for (const bad of page.invalid) log.push({ ...act, runId: args.runId, action: 'skipped', side: 'provider', crmId: bad.id, label: `Record ${bad.id}`, reasonCode: 'unreadable_record', reason: bad.reason });
  }
  await recordActivity(log, db);
  return { ...counts, nextCursor: page.nextCursor };
}

/**
 * After a complete sweep: persons no longer listed (deleted in the CRM, or no longer owned by the user)
 * have the contact we created removed — never contacts we did not create. Returns what it did, or
 * `paused` when the mass-delete brake tripped (B3).
 */
export async function planExportDeletes(ctx: SyncContext, sweepId: string) {
  const gone = await ctx.db
    .select()
    .from(contactLinks)
    .where(
      and(
        eq(contactLinks.syncId, ctx.sync.id),
        inArray(contactLinks.state, ['linked', 'skipped']),
        isNotNull(contactLinks.crmId),
        or(isNull(contactLinks.seenSweepId), ne(contactLinks.seenSweepId, sweepId)),
      ),
    );
  const [{ linked }] = (await ctx.db
    .select({ linked: sql<number>`count(*)::int` })
    .from(contactLinks)
    .where(and(eq(contactLinks.syncId, ctx.sync.id), eq(contactLinks.state, 'linked')))) as [{ linked: number }];
  return { gone, linked };
}

export async function applyExportDeletes(ctx: SyncContext, runId: string, linkIds: string[], twoWay = false): Promise<{ deleted: number; errors: number }> {
  if (linkIds.length === 0) return { deleted: 0, errors: 0 };
  const rows = await ctx.db.select().from(contactLinks).where(and(eq(contactLinks.syncId, ctx.sync.id), inArray(contactLinks.id, linkIds)));
  const deletable = (r: (typeof rows)[number]) => !!r.remoteId && (twoWay ? r.state === 'linked' : r.createdBy === 'sync_to_provider');
  const ours = rows.filter(deletable);
  const notOurs = rows.filter((r) => !deletable(r));
  const results = ours.length ? await ctx.provider.deleteContacts(ours.map((r) => r.remoteId!)) : [];
  const failed = new Set(results.filter((r) => r.error).map((r) => r.remoteId));
  const base = { installationId: ctx.sync.installationId, connectionId: ctx.sync.id, runId };
  const now = new Date();
  let deleted = 0;
  for (const r of ours) {
    if (failed.has(r.remoteId!)) continue;
    deleted++;
    await ctx.db.update(contactLinks).set({ state: 'deleted', deletedAt: now, deletedSide: 'provider', seenSweepId: null, updatedAt: now }).where(eq(contactLinks.id, r.id));
  }
  if (ours.length) {
    await recordActivity(
      ours
        .filter((r) => !failed.has(r.remoteId!))
        .map((r) => ({ ...base, action: 'deleted' as const, side: 'provider' as const, crmId: r.crmId, remoteId: r.remoteId, label: r.label ?? r.crmId ?? 'contact', reasonCode: 'contacts.deleted_in_crm' as const })),
      ctx.db,
    );
  }
  // Records we never created (or only skipped) simply leave the base state.
  if (notOurs.length) await ctx.db.delete(contactLinks).where(inArray(contactLinks.id, notOurs.map((r) => r.id)));
  return { deleted, errors: failed.size };
}

export { SyncError };
