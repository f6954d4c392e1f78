/**
 * CRM → provider export (Contacts I; PRODUCT C5, C11, C12, C13). One call = one page of the CRM listing:
 * plan against the base state (contact_links), write creates/updates in provider batches, record the
 * outcome. Creates are idempotent: the link is marked pending before the provider call and the CRM ref is
 * stamped into the contact, so a retry after a lost answer adopts the twin instead of creating a second.
 */
import { and, eq, inArray, isNotNull, isNull, ne, sql } from 'drizzle-orm';
import { contactLinks, contactSyncs } from '@/db/schema';
import { recordActivity, type ActivityEntry } from '@/lib/sync/runtime/activity';
import type { ReasonCode } from '@/lib/sync/runtime/reasons';
import type { CrmOrganization, CrmPerson } from '@/lib/crm/port';
import { SyncError } from '@/lib/errors';
import { CRM_PAGE_SIZE, CRM_TIME_MARGIN_MS, EXPORT_GROUP_NAME, EXPORT_PAGES_PER_STEP } from './constants';
import type { SyncContext } from './context';
import { decideExport } from './export-rules';
import { contactFromCrmPerson, displayName, hashContact, type Contact } from './model';
import { notSeenBySweep, recordSweepPage } from './sweep-pages';

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

/**
 * Crash recovery: links left pending by an interrupted create get their twin adopted (or are cleared).
 * Our stamp on a remote record is authoritative: when another link already holds the twin (the import
 * read our own lost create back before this recovery ran), the base state is repaired instead of
 * failing on the unique remote id forever — the stray CRM person we created from our own echo is removed.
 */
export async function recoverPendingCreates(ctx: SyncContext, groupId: string, runId?: string): Promise<{ adopted: number; cleared: number }> {
  const pending = await ctx.db
    .select({ id: contactLinks.id, crmId: contactLinks.crmId })
    .from(contactLinks)
    .where(and(eq(contactLinks.syncId, ctx.sync.id), isNotNull(contactLinks.pendingSince), isNull(contactLinks.remoteId), isNotNull(contactLinks.crmId)));
  if (pending.length === 0) return { adopted: 0, cleared: 0 };
  const refs = new Set(pending.map((p) => linkRef(ctx.sync.id, p.crmId!)));
  const twins = await ctx.provider.findByRefs(groupId, refs);
  let adopted = 0;
  for (const p of pending) {
    const twin = twins.get(linkRef(ctx.sync.id, p.crmId!));
    if (twin) {
      await releaseRemoteId(ctx, twin.remoteId, p.id, runId);
      // The remote has it but we never recorded the answer: adopt it; the next compare fixes any drift.
      await ctx.db
        .update(contactLinks)
        .set({ remoteId: twin.remoteId, remoteEtag: twin.etag, pendingSince: null, state: 'linked', createdBy: 'sync_to_provider', snapshotHash: null, deletedAt: null, deletedSide: null, updatedAt: new Date() })
        .where(eq(contactLinks.id, p.id));
      adopted++;
    } else {
      await ctx.db.update(contactLinks).set({ pendingSince: null, updatedAt: new Date() }).where(eq(contactLinks.id, p.id));
    }
  }
  return { adopted, cleared: pending.length - adopted };
}

/**
 * Frees a remote id that our stamp assigns to the link `ownerLinkId` but another link of the sync holds.
 * A CRM person the sync itself created from that remote record is a duplicate of the stamped owner's
 * person: it is removed (logged). Any other holder just loses the remote id.
 */
export async function releaseRemoteId(ctx: SyncContext, remoteId: string, ownerLinkId: string, runId?: string) {
  const [holder] = await ctx.db.select().from(contactLinks).where(and(eq(contactLinks.syncId, ctx.sync.id), eq(contactLinks.remoteId, remoteId), ne(contactLinks.id, ownerLinkId)));
  if (!holder) return;
  const duplicate = holder.createdBy === 'sync_to_crm' && !!holder.crmId;
  if (duplicate) {
    try {
      await ctx.crm.deletePerson(holder.crmId!);
    } catch (error) {
      if (!(error instanceof SyncError && error.code === 'not_found')) throw error;
    }
    await recordActivity([{
      installationId: ctx.sync.installationId, connectionId: ctx.sync.id, runId: runId ?? null, action: 'deleted', side: 'crm', crmId: holder.crmId, remoteId, label: holder.label ?? holder.crmId!,
      reasonCode: 'contacts.duplicate_removed',
    }], ctx.db);
  }
  // The duplicate's pair is dropped from the base state (nothing to restore: it was never the user's).
  if (duplicate) await ctx.db.delete(contactLinks).where(eq(contactLinks.id, holder.id));
  else await ctx.db.update(contactLinks).set({ remoteId: null, remoteEtag: null, snapshotHash: null, updatedAt: new Date() }).where(eq(contactLinks.id, holder.id));
}

/** `page`: index (in this step) of the CRM page the person was listed on. */
type Planned = { person: CrmPerson; contact: Contact; hash: string; label: string; page?: number };

/**
 * One export step: lists CRM pages from `cursor` and writes what changed to the provider. Provider batches
 * span CRM pages (Performance: a 500-person page is 2½ Google batches of 200; carrying the half batch into
 * the next page saves a write call per page): the step lists further pages while a partial batch is left,
 * up to EXPORT_PAGES_PER_STEP, and writes the rest at its end. A step retried after a crash lists the same
 * pages again from `cursor` (creates are idempotent: pending link first, our stamp in the contact).
 */
export async function exportPage(
  ctx: SyncContext,
  args: { runId: string; sweepId: string | null; groupId: string; cursor: string | null; updatedSince?: string | null },
): Promise<PageCounts & { nextCursor: string | null }> {
  const { db, sync, crm, provider } = ctx;
  const counts: PageCounts = { processed: 0, added: 0, updated: 0, skipped: 0, unchanged: 0, errors: 0 };
  const creates: Planned[] = [];
  const updates: (Planned & { remoteId: string; etag: string | null })[] = [];
  const finals: (typeof contactLinks.$inferInsert)[] = [];
  const log: ActivityEntry[] = [];
  const base = { installationId: sync.installationId, syncId: sync.id };
  const act = { installationId: sync.installationId, connectionId: sync.id };
  /** Per listed person: when its content must be compared once more (see verifyAfter below), fixed when its page was read. */
  const verifyByCrm = new Map<string, Date | null>();

  // Results are recorded per vendor batch, the moment the vendor answers: an error in a later batch (or
  // in the updates) must not leave links pending for contacts that exist.
  const record = async (rows: (typeof contactLinks.$inferInsert)[]) => {
    if (rows.length === 0) return;
    await upsertFinals(ctx, rows, (crmId) => verifyByCrm.get(crmId) ?? null);
    rows.length = 0;
    await recordActivity(log.splice(0), db);
  };

  const createBatch = async (batch: Planned[], reasonCode?: ReasonCode) => {
    // Mark creates pending before the provider sees them (crash between the write and our bookkeeping).
    await db
      .insert(contactLinks)
      .values(batch.map((c) => ({ ...base, crmId: c.person.id, state: 'linked' as const, label: c.label, pendingSince: new Date() })))
      .onConflictDoUpdate({
        target: [contactLinks.syncId, contactLinks.crmId],
        targetWhere: sql`${contactLinks.crmId} is not null`,
        set: { remoteId: null, remoteEtag: null, pendingSince: new Date(), updatedAt: new Date() },
      });
    const results = await provider.createContacts(
      batch.map((c) => ({ ref: linkRef(sync.id, c.person.id), contact: c.contact })),
      args.groupId,
    );
    batch.forEach((c, i) => {
      const r = results[i]!;
      if (r.remoteId) {
        counts.added++;
        finals.push({ ...base, crmId: c.person.id, remoteId: r.remoteId, remoteEtag: r.etag ?? null, state: 'linked', skipCode: null, skipReason: null, label: c.label, crmUpdatedAt: c.person.updatedAt, snapshot: c.contact as unknown as Record<string, unknown>, snapshotHash: c.hash, createdBy: 'sync_to_provider', pendingSince: null });
        log.push({ ...act, runId: args.runId, action: 'added', side: 'provider', crmId: c.person.id, remoteId: r.remoteId, label: c.label, ...(reasonCode ? { reasonCode } : {}) });
      } else {
        counts.errors++;
        finals.push({ ...base, crmId: c.person.id, state: 'skipped', skipCode: 'provider_rejected', skipReason: r.error?.message ?? null, label: c.label, crmUpdatedAt: null, pendingSince: null });
        log.push({ ...act, runId: args.runId, action: 'skipped', side: 'provider', crmId: c.person.id, label: c.label, reasonCode: 'provider_rejected', reason: r.error?.message ?? null, detail: { url: c.person.webUrl } });
      }
    });
    await record(finals);
  };

  const updateBatch = async (batch: (Planned & { remoteId: string; etag: string | null })[]) => {
    const results = await provider.updateContacts(
      batch.map((u) => ({ ref: linkRef(sync.id, u.person.id), remoteId: u.remoteId, etag: u.etag, contact: u.contact })),
      args.groupId,
    );
    const recreate: Planned[] = [];
    batch.forEach((u, j) => {
      const r = results[j]!;
      if (r.etag !== undefined && !r.error) {
        counts.updated++;
        finals.push({ ...base, crmId: u.person.id, remoteId: u.remoteId, remoteEtag: r.etag, state: 'linked', skipCode: null, skipReason: null, label: u.label, crmUpdatedAt: u.person.updatedAt, snapshot: u.contact as unknown as Record<string, unknown>, snapshotHash: u.hash, createdBy: 'sync_to_provider' });
        log.push({ ...act, runId: args.runId, action: 'updated', side: 'provider', crmId: u.person.id, remoteId: u.remoteId, label: u.label });
      } else if (r.error?.code === 'not_found') {
        // Gone in the provider while the CRM person changed: the export re-creates it (in two-way the
        // CRM edit beats the concurrent provider delete; one-way export: the CRM is the source).
        recreate.push(u);
      } else {
        counts.errors++;
        log.push({ ...act, runId: args.runId, action: 'skipped', side: 'provider', crmId: u.person.id, remoteId: u.remoteId, label: u.label, reasonCode: 'provider_rejected', reason: r.error?.message ?? null, detail: { url: u.person.webUrl } });
      }
    });
    await record(finals);
    if (recreate.length) await createBatch(recreate, 'contacts.edit_beats_provider_delete');
  };

  /** Writes whole batches; with `all`, the partial ones too (end of the step). */
  const drain = async (all: boolean) => {
    while (creates.length >= provider.batch.create || (all && creates.length)) await createBatch(creates.splice(0, provider.batch.create));
    while (updates.length >= provider.batch.update || (all && updates.length)) await updateBatch(updates.splice(0, provider.batch.update));
  };

  /** The cursor each page of this step was listed with. */
  const pageCursors: (string | null)[] = [];
  /** Lists and plans one CRM page; returns its next cursor. */
  const planPage = async (cursor: string | null): Promise<string | null> => {
    pageCursors.push(cursor);
    const listedAt = Date.now();
    const page = await crm.listPersons({
      cursor,
      updatedSince: args.updatedSince ?? null,
      limit: CRM_PAGE_SIZE,
      // C5: only persons the syncing user owns (Teamleader contacts carry no owner).
      ownerId: crm.personsHaveOwner ? ctx.user.crmUserId : null,
    });
    counts.processed += page.items.length + page.invalid.length;
    const ids = page.items.map((p) => p.id);
    // Everything listed on this page was seen by this sweep (unchanged persons included): one row for the
    // page, not a mark on each link. Recorded before any write, so a page listed is never forgotten.
    // Records the CRM answered unreadable are there too: their contacts must not be taken for deleted.
    if (args.sweepId) await recordSweepPage(db, { syncId: sync.id, sweepId: args.sweepId, side: 'crm', cursor, ids: [...ids, ...page.invalid.map((bad) => bad.id)] });
    const links = ids.length
      ? await db.select().from(contactLinks).where(and(eq(contactLinks.syncId, sync.id), inArray(contactLinks.crmId, ids)))
      : [];
    const linkByCrm = new Map(links.map((l) => [l.crmId!, l]));

    // Cheap "unchanged" check first: the same CRM update time as last synced means nothing to do — once a
    // listing that started after `crmVerifyAfter` (our clock) has compared the content. An edit in the same
    // CRM second as our own write or read carries the same update time (Pipedrive: seconds), and the CRM's
    // clock is not ours, so the two clocks are never compared with each other.
    const isUnchanged = (p: CrmPerson) => {
      const l = linkByCrm.get(p.id);
      if (!l || l.pendingSince || l.crmUpdatedAt !== p.updatedAt || l.crmVerifyAfter) return false;
      if (l.state === 'linked') return !!l.remoteId && !!l.snapshotHash;
      // A skipped person stays skipped until the CRM record changes (the reason depends only on its fields).
      return l.state === 'skipped' && !!l.skipCode && !l.remoteId;
    };
    const listed = page.items.filter((p) => !isUnchanged(p));
    counts.unchanged += page.items.length - listed.length;
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

    // See isUnchanged. An obligation to compare content once more comes from our own CRM writes (the import
    // pass) and from persons this listing read in the very CRM second they changed (a second edit in that
    // second, after our read, would keep the update time) — judged on the CRM's own clock (the answer's
    // `Date`), never ours. It is met by the first listing that started after `crmVerifyAfter` (our clock,
    // compared with our clock).
    const serverTime = page.serverTime ? Date.parse(page.serverTime) : Number.NaN;
    const verifyAfter = (p: CrmPerson): Date | null => {
      const l = linkByCrm.get(p.id);
      if (l?.crmVerifyAfter && l.crmUpdatedAt === p.updatedAt && listedAt < l.crmVerifyAfter.getTime()) return l.crmVerifyAfter;
      const fresh = Number.isNaN(serverTime) || Date.parse(p.updatedAt) >= serverTime - 1_000;
      return fresh ? new Date(listedAt + CRM_TIME_MARGIN_MS) : null;
    };

    for (const person of changed) {
      // Listed again by a later page of this step (a listing by update time moves an edited person):
      // its queued write, planned before its link existed, gives way to this newer version.
      if (verifyByCrm.has(person.id)) {
        const queued = (q: { person: CrmPerson }[]) => q.findIndex((x) => x.person.id === person.id);
        const c = queued(creates);
        if (c >= 0) creates.splice(c, 1);
        const u = queued(updates);
        if (u >= 0) updates.splice(u, 1);
      }
      verifyByCrm.set(person.id, verifyAfter(person));
      const contact = contactFromCrmPerson(person, person.orgId ? (orgs.get(person.orgId) ?? null) : null);
      const hash = hashContact(contact);
      const link = linkByCrm.get(person.id);
      const label = displayName(person, `Person ${person.id}`);
      const decision = decideExport(contact, hash, link && { ...link, pending: !!link.pendingSince }, provider.provider);
      if (decision.kind === 'skip') {
        counts.skipped++;
        finals.push({ ...base, crmId: person.id, remoteId: link?.remoteId ?? null, remoteEtag: link?.remoteEtag ?? null, state: 'skipped', skipCode: decision.reason, skipReason: null, label, crmUpdatedAt: person.updatedAt, snapshot: link?.snapshot ?? null, snapshotHash: link?.snapshotHash ?? null, createdBy: link?.createdBy ?? null });
        if (decision.isNew) log.push({ ...act, runId: args.runId, action: 'skipped', side: 'provider', crmId: person.id, label, reasonCode: decision.reason, detail: { url: person.webUrl } });
      } else if (decision.kind === 'unchanged') {
        counts.unchanged++;
        finals.push({ ...base, crmId: person.id, remoteId: link!.remoteId, remoteEtag: link!.remoteEtag, state: 'linked', skipCode: null, skipReason: null, label, crmUpdatedAt: person.updatedAt, snapshot: link!.snapshot, snapshotHash: hash, createdBy: link!.createdBy });
      } else if (decision.kind === 'create') {
        creates.push({ person, contact, hash, label, page: pageCursors.length - 1 });
      } else {
        updates.push({ person, contact, hash, label, page: pageCursors.length - 1, remoteId: link!.remoteId!, etag: link!.remoteEtag });
      }
    }
    await record(finals);

    if (page.invalid.length) {
      counts.skipped += page.invalid.length;
      for (const bad of page.invalid) log.push({ ...act, runId: args.runId, action: 'skipped', side: 'provider', crmId: bad.id, label: `Record ${bad.id}`, reasonCode: 'unreadable_record', reason: bad.reason });
    }
    return page.nextCursor;
  };

  // C13 resumable: within a long step the sweep's resume point follows the writes — the page of the oldest
  // write still queued (listing it again finds the written ones unchanged), or the next page.
  let resumeAt = args.cursor;
  const saveResumePoint = async (next: string | null) => {
    const head = Math.min(creates[0]?.page ?? Number.POSITIVE_INFINITY, updates[0]?.page ?? Number.POSITIVE_INFINITY);
    const at = Number.isFinite(head) ? pageCursors[head]! : next;
    if (!args.sweepId || at === resumeAt || at === null) return;
    await db.update(contactSyncs).set({ sweepCursor: at }).where(eq(contactSyncs.id, sync.id));
    resumeAt = at;
  };
  let cursor = args.cursor;
  let pages = 0;
  do {
    cursor = await planPage(cursor);
    pages++;
    await drain(false);
    if (cursor) await saveResumePoint(cursor);
  } while (cursor && pages < EXPORT_PAGES_PER_STEP && (creates.length > 0 || updates.length > 0));
  await drain(true);
  await recordActivity(log, db);
  return { ...counts, nextCursor: cursor };
}

/** Writes the outcome rows of one batch into the base state (one statement). */
async function upsertFinals(ctx: SyncContext, rows: (typeof contactLinks.$inferInsert)[], verifyAfter: (crmId: string) => Date | null) {
  await ctx.db
    .insert(contactLinks)
    .values(rows.map((f) => ({ ...f, crmVerifyAfter: verifyAfter(f.crmId!), updatedAt: new Date() })))
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
        crmVerifyAfter: sql`excluded.crm_verify_after`,
        snapshot: sql`excluded.snapshot`,
        snapshotHash: sql`excluded.snapshot_hash`,
        createdBy: sql`coalesce(excluded.created_by, ${contactLinks.createdBy})`,
        pendingSince: sql`excluded.pending_since`,
        deletedAt: null,
        deletedSide: null,
        updatedAt: new Date(),
      },
    });
}

/**
 * After a complete sweep: persons no longer listed (deleted in the CRM, or no longer owned by the user)
 * have the contact we created removed — never contacts we did not create. Returns what it did, or
 * `paused` when the mass-delete brake tripped (B3).
 */
export async function planExportDeletes(ctx: SyncContext, sweepId: string) {
  const unlisted = await ctx.db
    .select()
    .from(contactLinks)
    .where(
      and(
        eq(contactLinks.syncId, ctx.sync.id),
        inArray(contactLinks.state, ['linked', 'skipped']),
        isNotNull(contactLinks.crmId),
        // Listed on no page of this sweep (a person moved between pages was listed on one of them).
        notSeenBySweep(contactLinks.crmId, { syncId: ctx.sync.id, sweepId, side: 'crm' }),
      ),
    );
  // Deletes are the most dangerous thing we do: a person the sweep did not list is asked for once more (100
  // per call). One that still exists in the sync's scope was skipped by the listing, not deleted — a listing
  // by offset (Teamleader) moves every later record back by one when a record is deleted during the sweep —
  // and its contact stays; the next sweep lists it. Gone, or no longer the user's (C5): the delete proceeds.
  const stillThere = unlisted.length ? await ctx.crm.existingPersons(unlisted.map((l) => l.crmId!)) : new Map<string, { ownerId: string | null }>();
  const owner = ctx.crm.personsHaveOwner ? ctx.user.crmUserId : null;
  const inScope = (crmId: string) => {
    const person = stillThere.get(crmId);
    return !!person && (!owner || person.ownerId === owner);
  };
  const gone = unlisted.filter((l) => !inScope(l.crmId!));
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
    await ctx.db.update(contactLinks).set({ state: 'deleted', deletedAt: now, deletedSide: 'provider', updatedAt: now }).where(eq(contactLinks.id, r.id));
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
