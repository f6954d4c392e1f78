/**
 * Provider → CRM (one-way) and the provider half of two-way sync (Contacts II; C4, C8, B3, B5).
 * One call = one page of provider changes (Google sync token / Graph delta). Each changed contact is
 * merged field by field against the last synced snapshot (base state); deletes come only from explicit
 * provider signals (Google metadata.deleted, Graph @removed) and pass the mass-delete brake.
 * An expired cursor restarts a full pass that matches by remote id, so it neither duplicates nor deletes.
 */
import { and, eq, inArray, isNotNull, isNull, lt, sql } from 'drizzle-orm';
import { contactLinks, contactSyncs, syncRuns } from '@/db/schema';
import { recordActivity, type ActivityEntry } from '@/lib/sync/runtime/activity';
import { pauseForDeletes, settlePendingDeletes } from '@/lib/sync/runtime/connections';
import type { CrmOrganization, CrmPerson, PersonInput } from '@/lib/crm/port';
import { env } from '@/lib/env';
import { SyncError } from '@/lib/errors';
import type { ChangePage, RemoteContact } from '@/lib/providers/port';
import type { SyncContext } from './context';
import { exportSkipReason, shouldPauseDeletes } from './export-rules';
import { planContactMerge } from './merge';
import { contactFromCrmPerson, displayName, hashContact, type Contact } from './model';
import { linkRef, recoverPendingCreates, releaseRemoteId } from './export-sweep';
import { CRM_TIME_MARGIN_MS, CRM_WRITE_CONCURRENCY, PROVIDER_READ_CONCURRENCY } from './constants';
import { forEachBounded, gate } from './bounded';
import { notSeenBySweep, recordSweepPage } from './sweep-pages';
import { LINK_WRITE_BATCH, finalLinkBuffer, insertPendingLinks, releasePendingLinks, writeFinalLinks } from './link-writes';

type Counts = { added: number; updated: number; deleted: number; skipped: number; conflicts: number };

export function personInputFromContact(c: Contact, orgId: string | null | undefined): PersonInput {
  return {
    firstName: c.firstName,
    lastName: c.lastName,
    name: [c.firstName, c.lastName].filter(Boolean).join(' ') || null,
    emails: c.emails.map((e, i) => ({ value: e.value, label: e.type, primary: i === 0 })),
    phones: c.phones.map((p, i) => ({ value: p.value, label: p.type, primary: i === 0 })),
    jobTitle: c.jobTitle,
    notes: c.notes,
    birthday: c.birthday,
    postalAddress: c.address,
    ims: c.ims.map((i) => ({ value: i.value, label: i.type })),
    ...(orgId !== undefined ? { orgId } : {}),
  };
}

/**
 * A provider company name links to the CRM organization of that name, or creates it. The cache holds the
 * lookup itself, not its answer: records written concurrently that name the same new company wait on
 * one find-or-create instead of each creating the organization.
 */
async function orgIdFor(ctx: SyncContext, name: string | null, cache: Map<string, Promise<string>>): Promise<string | null> {
  if (!name) return null;
  let id = cache.get(name);
  if (!id) {
    id = ctx.crm.findOrCreateOrganization(name).then((org) => org.id);
    cache.set(name, id);
    // A failed lookup is not remembered: the next record (or the retry) asks again.
    id.catch(() => cache.get(name) === id && cache.delete(name));
  }
  return id;
}

type LinkRow = typeof contactLinks.$inferSelect;

export type ImportPassResult = { nextPageCursor: string | null; processed: number; counts: Counts; paused: boolean };

export async function runImportPass(ctx: SyncContext, args: { runId: string; pageCursor: string | null }): Promise<ImportPassResult> {
  const { db, sync } = ctx;
  const counts: Counts = { added: 0, updated: 0, deleted: 0, skipped: 0, conflicts: 0 };
  if (!sync.groupId) throw new SyncError('validation', 'No contact group was chosen for this sync.');
  // B3: deletes the user approved after a paused run (the signals were consumed by that run's cursor).
  if (!args.pageCursor) counts.deleted += await applyApprovedCrmDeletes(ctx, args.runId);
  // B10: exports whose answer was lost are adopted before this pass reads them back, so our own create
  // is never taken for a new provider contact (which would create a second CRM person).
  if (!args.pageCursor && sync.direction === 'two_way') await recoverPendingCreates(ctx, sync.groupId, args.runId);
  let page;
  /** The page cursor the page was listed with (a restarted full pass lists from its first page). */
  let listedWith = args.pageCursor;
  try {
    const prefetched = args.pageCursor ? takePrefetchedPage(sync.id, args.runId, sync.providerCursor, args.pageCursor) : null;
    page = (prefetched && (await prefetched.catch(() => null))) || (await ctx.provider.listChanges(sync.groupId, sync.providerCursor, args.pageCursor));
  } catch (error) {
    if (error instanceof SyncError && error.code === 'cursor_invalid' && sync.providerCursor) {
      // Expired sync token / delta link: forget it and start a full pass (matching by remote id: no duplicates, no deletes).
      await db.update(contactSyncs).set({ providerCursor: null, updatedAt: new Date() }).where(eq(contactSyncs.id, sync.id));
      sync.providerCursor = null;
      listedWith = null;
      page = await ctx.provider.listChanges(sync.groupId, null, null);
    } else throw error;
  }
  const base = { installationId: sync.installationId, connectionId: sync.id, runId: args.runId };
  const log: ActivityEntry[] = [];
  const remoteIds = [...page.items.map((i) => i.remoteId), ...page.deletedIds];
  const links = remoteIds.length
    ? await db.select().from(contactLinks).where(and(eq(contactLinks.syncId, sync.id), inArray(contactLinks.remoteId, remoteIds)))
    : [];
  const byRemote = new Map(links.map((l) => [l.remoteId!, l]));
  const { orgCache, orgView } = organizationCaches(`${sync.id}:${args.runId}`);
  const oneWay = sync.direction === 'provider_to_crm';

  const project = (c: Contact) => (ctx.provider.projectContact ? ctx.provider.projectContact(c) : c);
  const groupId = sync.groupId;
  // C8 photos of the contacts this page creates, read together where the provider batches (Graph $batch:
  // 20 per call instead of one call per contact). Best effort, like every photo: on failure each record
  // asks on its own.
  const photos = oneWay && ctx.provider.getPhotos
    ? await ctx.provider
        .getPhotos(
          page.items
            .filter((i) => i.hasPhoto !== false && (i.contact.firstName || i.contact.lastName))
            .filter((i) => {
              const l = byRemote.get(i.remoteId);
              return !l || l.state === 'deleted' || !l.crmId;
            })
            .map((i) => i.remoteId),
        )
        .catch(() => null)
    : null;
  // Records written concurrently batch their link writes (pending links per block, final links per batch).
  type Batched = { claims: Map<string, Promise<string>>; finals: ReturnType<typeof finalLinkBuffer> };
  // The next page is read while this one is written (under the provider's concurrency limit, like photos).
  if (page.nextPageCursor) {
    const groupId = sync.groupId;
    const cursor = sync.providerCursor;
    const next = page.nextPageCursor;
    prefetchPage(sync.id, args.runId, cursor, next, providerReads(ctx, () => ctx.provider.listChanges(groupId, cursor, next)));
  }
  const handle = async (item: RemoteContact, batched: Batched | null = null): Promise<void> => {
    const link = byRemote.get(item.remoteId);
    // Only a record with a pair compares hashes (a new record's create needs none).
    const remoteHash = link ? hashContact(item.contact) : '';
    const isEcho = !!link?.snapshot && !link.pendingSince && hashContact(project(link.snapshot as unknown as Contact)) === remoteHash;
    if (link && link.state === 'linked' && isEcho) {
      if (link.remoteEtag !== item.etag) await db.update(contactLinks).set({ remoteEtag: item.etag }).where(eq(contactLinks.id, link.id));
      return; // our own write coming back, or nothing mapped changed
    }
    if (!link && item.ref?.startsWith(`${sync.id}:`) && (await adoptStampedTwin(ctx, item, item.ref.slice(sync.id.length + 1), args.runId, log))) return;
    const label = displayName(item.contact, item.remoteId);
    if (!item.contact.firstName && !item.contact.lastName) {
      counts.skipped++;
      log.push({ ...base, action: 'skipped', side: 'crm', remoteId: item.remoteId, label: item.contact.emails[0]?.value ?? item.remoteId, reasonCode: 'contacts.no_name' });
      return;
    }
    try {
      // B6: on a contact's first link, an existing CRM person of this user with the same e-mail is linked
      // and merged instead of a second person being created (optional, off by default: C6).
      const match = sync.matchByEmail && !link ? await findUnlinkedByEmail(ctx, item.contact) : null;
      if (match) {
        const crmContact = contactFromCrmPerson(match, match.orgId ? ((await ctx.crm.getOrganizations([match.orgId])).get(match.orgId) ?? null) : null);
        const plan = planContactMerge({
          base: null,
          crm: { contact: crmContact, updatedAt: match.updatedAt },
          provider: { contact: item.contact, updatedAt: item.updatedAt },
          policy: sync.conflictPolicy,
          direction: oneWay ? 'provider_to_crm' : 'two_way',
          projectForProvider: ctx.provider.projectContact?.bind(ctx.provider),
        });
        const merged = plan.action === 'update' ? plan.merged : crmContact;
        let person = match;
        let etag = item.etag;
        if (plan.action === 'update' && plan.writeCrm) person = await ctx.crm.updatePerson(match.id, personInputFromContact(merged, await orgIdFor(ctx, merged.organization, orgCache)));
        if (plan.action === 'update' && plan.writeProvider) {
          const [r] = await providerReads(ctx, () => ctx.provider.updateContacts([{ ref: linkRef(sync.id, match.id), remoteId: item.remoteId, etag: item.etag, contact: merged }], groupId));
          if (r?.error) throw r.error;
          etag = r?.etag ?? etag;
        }
        await upsertLink(ctx, { crmId: match.id, remoteId: item.remoteId, remoteEtag: etag, crmUpdatedAt: person.updatedAt, snapshot: merged, snapshotHash: await crmViewHash(ctx, person, orgView), label, createdBy: 'matched' });
        counts.updated++;
        log.push({ ...base, action: 'updated', side: 'crm', crmId: match.id, remoteId: item.remoteId, label, reasonCode: 'contacts.matched_by_email' });
        return;
      }
      if (!link || link.state === 'deleted' || !link.crmId) {
        const { person: created, linkId, adopted } = await createCrmPerson(ctx, item.remoteId, item.contact, link, label, orgCache, batched?.claims.get(item.remoteId));
        await maybeCopyPhoto(ctx, item, created.id, created.hasPicture, oneWay, photos);
        const final = {
          id: linkId, crmId: created.id, remoteId: item.remoteId, remoteEtag: item.etag, crmUpdatedAt: created.updatedAt, snapshot: item.contact as unknown as Record<string, unknown>, snapshotHash: await crmViewHash(ctx, created, orgView), label,
          createdBy: 'sync_to_crm' as const, crmVerifyAfter: new Date(Date.now() + CRM_TIME_MARGIN_MS),
        };
        const written = () => {
          counts.added++;
          log.push({ ...base, action: 'added', side: 'crm', crmId: created.id, remoteId: item.remoteId, label, ...(adopted ? { reasonCode: 'contacts.recovered' as const } : {}) });
        };
        if (batched) batched.finals.add(final, written);
        else {
          await writeFinalLinks(ctx, [final]);
          written();
        }
        return;
      }
      const person = await ctx.crm.getPerson(link.crmId);
      const crmContact = person ? contactFromCrmPerson(person, person.orgId ? (await ctx.crm.getOrganizations([person.orgId])).get(person.orgId) ?? null : null) : null;
      const crmChanged = person ? person.updatedAt !== link.crmUpdatedAt : true;
      const plan = planContactMerge({
        base: (link.snapshot as Contact | null) ?? null,
        crm: { contact: crmContact, updatedAt: crmChanged ? (person?.updatedAt ?? new Date().toISOString()) : link.crmUpdatedAt },
        provider: { contact: item.contact, updatedAt: item.updatedAt },
        policy: sync.conflictPolicy,
        direction: oneWay ? 'provider_to_crm' : 'two_way',
        projectForProvider: ctx.provider.projectContact?.bind(ctx.provider),
      });
      if (plan.action === 'none') {
        // Both sides already hold the same contact but the base says otherwise (a write whose answer was
        // lost was applied): the base follows, or the next edit back to the old value would pass for our echo.
        const agreed = !!crmContact && !!person && hashContact(project(crmContact)) === remoteHash && hashContact(crmContact) !== link.snapshotHash;
        if (agreed)
          await db
            .update(contactLinks)
            .set({ snapshot: crmContact as unknown as Record<string, unknown>, snapshotHash: hashContact(crmContact), crmUpdatedAt: person.updatedAt, crmVerifyAfter: new Date(Date.now() + CRM_TIME_MARGIN_MS), remoteEtag: item.etag, updatedAt: new Date() })
            .where(eq(contactLinks.id, link.id));
        else if (link.remoteEtag !== item.etag) await db.update(contactLinks).set({ remoteEtag: item.etag }).where(eq(contactLinks.id, link.id));
        return;
      }
      if (plan.action === 'create_crm') {
        const { person: created } = await createCrmPerson(ctx, item.remoteId, plan.contact, link, label, orgCache);
        await upsertLink(ctx, { crmId: created.id, remoteId: item.remoteId, remoteEtag: item.etag, crmUpdatedAt: created.updatedAt, snapshot: plan.contact, snapshotHash: await crmViewHash(ctx, created, orgView), label, createdBy: 'sync_to_crm' }, link.id);
        counts.added++;
        log.push({ ...base, action: 'added', side: 'crm', crmId: created.id, remoteId: item.remoteId, label, reasonCode: 'contacts.edit_beats_crm_delete' });
        return;
      }
      if (plan.action === 'update') {
        let crmUpdatedAt = crmChanged && person ? person.updatedAt : link.crmUpdatedAt;
        let crmHash = crmContact ? hashContact(crmContact) : link.snapshotHash;
        let etag = item.etag;
        if (plan.writeCrm && person) {
          const updated = await ctx.crm.updatePerson(person.id, personInputFromContact(plan.merged, await orgIdFor(ctx, plan.merged.organization, orgCache)));
          crmUpdatedAt = updated.updatedAt;
          crmHash = await crmViewHash(ctx, updated, orgView);
          await maybeCopyPhoto(ctx, item, updated.id, updated.hasPicture, oneWay, photos);
          log.push({ ...base, action: 'updated', side: 'crm', crmId: person.id, remoteId: item.remoteId, label });
        }
        if (plan.writeProvider) {
          const [r] = await providerReads(ctx, () => ctx.provider.updateContacts([{ ref: linkRef(sync.id, link.crmId!), remoteId: item.remoteId, etag: item.etag, contact: plan.merged }], groupId));
          if (r?.error) throw r.error;
          etag = r?.etag ?? etag;
          log.push({ ...base, action: 'updated', side: 'provider', crmId: link.crmId, remoteId: item.remoteId, label });
        }
        for (const c of plan.conflicts) {
          counts.conflicts++;
          log.push({ ...base, action: 'conflict', side: c.winner === 'crm' ? 'provider' : 'crm', crmId: link.crmId, remoteId: item.remoteId, label, reasonCode: 'contacts.field_conflict', detail: { field: String(c.field), crm: c.crmValue, provider: c.providerValue, winner: c.winner, policy: sync.conflictPolicy } as Record<string, unknown> });
        }
        await db
          .update(contactLinks)
          .set({ snapshot: plan.merged as unknown as Record<string, unknown>, snapshotHash: crmHash, remoteEtag: etag, crmUpdatedAt, crmVerifyAfter: new Date(Date.now() + CRM_TIME_MARGIN_MS), label, state: 'linked', updatedAt: new Date() })
          .where(eq(contactLinks.id, link.id));
        counts.updated++;
      }
    } catch (error) {
      // One record the CRM refuses (B4) must not stop the whole sync: list it with the reason and go on.
      if (!(error instanceof SyncError && (error.code === 'validation' || error.code === 'not_found'))) throw error;
      counts.skipped++;
      const reason = error.message;
      log.push({ ...base, action: 'skipped', side: 'crm', crmId: link?.crmId ?? null, remoteId: item.remoteId, label, reasonCode: 'crm_rejected', reason });
      const [row] = await db.select({ id: contactLinks.id, crmId: contactLinks.crmId, state: contactLinks.state }).from(contactLinks).where(and(eq(contactLinks.syncId, sync.id), eq(contactLinks.remoteId, item.remoteId)));
      if (row && !row.crmId && row.state === 'linked')
        await db.update(contactLinks).set({ state: 'skipped', skipCode: 'crm_rejected', skipReason: reason, pendingSince: null, updatedAt: new Date() }).where(eq(contactLinks.id, row.id));
      else if (row) await db.update(contactLinks).set({ pendingSince: null, updatedAt: new Date() }).where(eq(contactLinks.id, row.id));
    }
  };

  // Bounded concurrency (Performance): creates and updates of different records go out together, paced by
  // the CRM pacer. What depends on the other records of the page runs first, one at a time: adopting a
  // lost create (our stamp, or a pending link's twin — the twin search must not see a person another
  // record is creating) and B6's match by e-mail (two contacts must not both take the same person).
  const seen = new Map<string, number>();
  for (const item of page.items) seen.set(item.remoteId, (seen.get(item.remoteId) ?? 0) + 1);
  const serial = (item: RemoteContact) => {
    const link = byRemote.get(item.remoteId);
    return (seen.get(item.remoteId) ?? 0) > 1 || !!link?.pendingSince || (!link && (sync.matchByEmail || !!item.ref?.startsWith(`${sync.id}:`)));
  };
  const bounded = page.items.filter((i) => !serial(i));
  const batched: Batched = { claims: new Map(), finals: finalLinkBuffer(ctx, LINK_WRITE_BATCH) };
  // The pending links of a block's new records (no pair yet, a name to create with: what `handle` creates),
  // one statement, written while the previous block's second half starts (records start in order), so no
  // record waits on it and at most a block and a half is pending at any time.
  const claimBlock = (from: number) => {
    const block = bounded.slice(from, from + LINK_WRITE_BATCH).filter((i) => !byRemote.has(i.remoteId) && (i.contact.firstName || i.contact.lastName));
    if (!block.length) return;
    const ids = insertPendingLinks(ctx, block.map((i) => ({ remoteId: i.remoteId, label: displayName(i.contact, i.remoteId) })));
    for (const i of block) {
      const id = ids.then((m) => m.get(i.remoteId)!);
      id.catch(() => undefined); // awaited by the record's create; a record that stops earlier does not wait on it
      batched.claims.set(i.remoteId, id);
    }
  };
  let started = 0;
  try {
    for (const item of page.items.filter(serial)) await handle(item);
    await forEachBounded(bounded.map((item, i) => [item, i] as const), CRM_WRITE_CONCURRENCY, async ([item, i]) => {
      started = i + 1;
      if (i === 0) claimBlock(0);
      if (i % LINK_WRITE_BATCH === LINK_WRITE_BATCH / 2) claimBlock(i + LINK_WRITE_BATCH / 2);
      await handle(item, batched);
    });
    await batched.finals.flush();
  } catch (error) {
    // What the records already written did is kept (their links are written): the retry sees them as echoes.
    await batched.finals.flush().catch(() => undefined);
    const unsent = await Promise.allSettled(bounded.slice(started).flatMap((i) => batched.claims.get(i.remoteId) ?? []));
    await releasePendingLinks(ctx, unsent.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))).catch(() => undefined);
    await recordActivity(log, db);
    throw error;
  }

  // B10: a full pass (first sync, or a restart after an expired cursor) carries no delete signals, but it
  // lists the whole group: a pair it did not list left the group (deleted, or moved out of scope), which
  // an incremental pass would have reported. Recorded per page (one row, not a mark on every link),
  // inferred on the last page.
  if (page.isFullPass) await recordSweepPage(db, { syncId: sync.id, sweepId: args.runId, side: 'provider', cursor: listedWith, ids: page.items.map((i) => i.remoteId) });
  const absent = page.isFullPass && !page.nextPageCursor ? await absentFromFullPass(ctx, args.runId) : [];

  // Delete signals: explicit ones (B3), plus absence from a complete listing. Collected first so the
  // brake can look at the whole batch.
  const signalled = page.deletedIds.map((id) => byRemote.get(id)).filter((l): l is NonNullable<typeof l> => !!l && l.state === 'linked' && !!l.crmId);
  const toDelete = [...signalled, ...absent.filter((a) => !signalled.some((l) => l.id === a.id))];
  let paused = sync.status === 'paused_deletes';
  if (toDelete.length) {
    const [{ n }] = (await db.select({ n: sqlCount() }).from(contactLinks).where(and(eq(contactLinks.syncId, sync.id), eq(contactLinks.state, 'linked')))) as [{ n: number }];
    // Once paused, later pages of the same run add to the question instead of deleting behind its back.
    if (paused || shouldPauseDeletes(toDelete.length, n, env().deleteBrake)) {
      const pending = [...(sync.pendingDeletes ?? [])];
      const crmEntry = pending.find((p) => p.side === 'crm');
      const ids = toDelete.map((l) => l.id);
      if (crmEntry) crmEntry.ids = [...new Set([...crmEntry.ids, ...ids])];
      else pending.push({ side: 'crm', ids });
      await pauseForDeletes(sync.id, pending, db);
      sync.status = 'paused_deletes';
      sync.pendingDeletes = pending;
      paused = true;
    } else {
      // The brake looked at the whole batch above; the deletes themselves are independent of each other.
      await forEachBounded(toDelete, CRM_WRITE_CONCURRENCY, async (l) => {
        const outcome = await deleteCrmSideUnlessEdited(ctx, l, args.runId);
        if (outcome === 'deleted') counts.deleted++;
        if (outcome === 'recreated') counts.added++;
      });
    }
  }
  await recordActivity(log, db);
  if (!page.nextPageCursor && page.syncCursor)
    await db.update(contactSyncs).set({ providerCursor: page.syncCursor, updatedAt: new Date() }).where(eq(contactSyncs.id, sync.id));
  return { nextPageCursor: page.nextPageCursor, processed: page.items.length + page.deletedIds.length, counts, paused };
}

/**
 * B3: the user confirmed a paused mass delete (status back to active, ids still in pendingDeletes): apply
 * the CRM-side entries now. Entries for the provider side are applied by the export reconcile.
 */
async function applyApprovedCrmDeletes(ctx: SyncContext, runId: string): Promise<number> {
  const { db, sync } = ctx;
  const pending = sync.pendingDeletes ?? [];
  const ids = pending.filter((p) => p.side === 'crm').flatMap((p) => p.ids);
  if (ids.length === 0 || sync.status === 'paused_deletes') return 0;
  const rows = await db.select().from(contactLinks).where(and(eq(contactLinks.syncId, sync.id), inArray(contactLinks.id, ids), eq(contactLinks.state, 'linked'), isNotNull(contactLinks.crmId)));
  await forEachBounded(rows, CRM_WRITE_CONCURRENCY, async (row) => void (await deleteCrmSideUnlessEdited(ctx, row, runId)));
  const rest = pending.filter((p) => p.side !== 'crm');
  await settlePendingDeletes(sync.id, rest, db);
  sync.pendingDeletes = rest.length ? rest : null;
  return rows.length;
}

/**
 * Idempotent CRM create (crash between the CRM write and our bookkeeping): the link is marked pending
 * before the CRM sees the create; a retry that finds it pending first looks for the twin (exact e-mail /
 * name search among the user's persons not linked yet) and adopts it instead of creating a second person.
 */
async function createCrmPerson(
  ctx: SyncContext,
  remoteId: string,
  contact: Contact,
  link: LinkRow | undefined,
  label: string,
  orgCache: Map<string, Promise<string>>,
  /** The new pending link written for this record with its block (link-writes.ts), if any. */
  claimed?: Promise<string>,
): Promise<{ person: CrmPerson; linkId: string; adopted: boolean }> {
  const { db, sync } = ctx;
  const input = personInputFromContact(contact, await orgIdFor(ctx, contact.organization, orgCache));
  if (link?.pendingSince) {
    const twin = await findTwin(ctx, contact, link.id);
    if (twin) return { person: await ctx.crm.updatePerson(twin.id, input), linkId: link.id, adopted: true };
  }
  let linkId = link?.id;
  if (!linkId && claimed) linkId = await claimed;
  else if (linkId) await db.update(contactLinks).set({ pendingSince: new Date(), updatedAt: new Date() }).where(eq(contactLinks.id, linkId));
  else {
    const [row] = await db
      .insert(contactLinks)
      .values({ installationId: sync.installationId, syncId: sync.id, remoteId, state: 'linked', label, pendingSince: new Date(), createdBy: 'sync_to_crm' })
      .returning({ id: contactLinks.id });
    linkId = row!.id;
  }
  const person = await ctx.crm.createPerson({ ...input, visibleTo: sync.visibility });
  return { person, linkId, adopted: false };
}

const sameText = (a: string | null | undefined, b: string | null | undefined) => (a ?? '').trim().toLowerCase() === (b ?? '').trim().toLowerCase();

/** B6: a CRM person in the sync's match scope with one of these e-mails that no pair of this sync uses yet. */
async function findUnlinkedByEmail(ctx: SyncContext, contact: Contact): Promise<CrmPerson | null> {
  if (!ctx.crm.searchPersons || contact.emails.length === 0) return null;
  // 'visible': any person the CRM lets the user see (search only returns those); the owner is never changed.
  const owner = ctx.crm.personsHaveOwner && ctx.sync.matchScope !== 'visible' ? ctx.user.crmUserId : null;
  for (const email of contact.emails.slice(0, 3)) {
    const hits = (await ctx.crm.searchPersons(email.value, 'email')).filter((h) => !owner || h.ownerId === owner);
    if (!hits.length) continue;
    const taken = new Set(
      (await ctx.db.select({ crmId: contactLinks.crmId }).from(contactLinks).where(and(eq(contactLinks.syncId, ctx.sync.id), inArray(contactLinks.crmId, hits.map((h) => h.id))))).map((t) => t.crmId),
    );
    const free = hits.find((h) => !taken.has(h.id));
    if (free) return ctx.crm.getPerson(free.id);
  }
  return null;
}

async function findTwin(ctx: SyncContext, contact: Contact, linkId: string): Promise<CrmPerson | null> {
  if (!ctx.crm.searchPersons) return null;
  const owner = ctx.crm.personsHaveOwner ? ctx.user.crmUserId : null;
  const name = [contact.firstName, contact.lastName].filter(Boolean).join(' ');
  const terms: [string, 'email' | 'name'][] = [...contact.emails.slice(0, 3).map((e) => [e.value, 'email'] as [string, 'email']), ...(name ? [[name, 'name'] as [string, 'name']] : [])];
  for (const [term, field] of terms) {
    const hits = (await ctx.crm.searchPersons(term, field)).filter((h) => !owner || h.ownerId === owner);
    if (hits.length === 0) continue;
    const taken = await ctx.db
      .select({ crmId: contactLinks.crmId, id: contactLinks.id })
      .from(contactLinks)
      .where(and(eq(contactLinks.syncId, ctx.sync.id), inArray(contactLinks.crmId, hits.map((h) => h.id))));
    const takenIds = new Set(taken.filter((t) => t.id !== linkId).map((t) => t.crmId));
    // Newest first: the lost create is the most recent person matching.
    for (const hit of hits.filter((h) => !takenIds.has(h.id)).sort((a, b) => Number(b.id) - Number(a.id))) {
      const person = await ctx.crm.getPerson(hit.id);
      if (person && sameText(person.firstName, contact.firstName) && sameText(person.lastName, contact.lastName)) return person;
    }
  }
  return null;
}

/**
 * `snapshotHash` holds the hash of the CRM side as last synced — what the export sweep compares the CRM
 * person with — so a value the CRM stores differently (formatted address, company phone) is not mistaken
 * for a CRM edit and pushed back over the richer provider value.
 */
async function crmViewHash(ctx: SyncContext, person: CrmPerson, orgView: Map<string, Promise<CrmOrganization | null>>): Promise<string> {
  let org: CrmOrganization | null = null;
  if (person.orgId) {
    const orgId = person.orgId;
    let view = orgView.get(orgId);
    if (!view) {
      // Shared by concurrent records of the same organization (one read, not one per record).
      view = ctx.crm.getOrganizations([orgId]).then((m) => m.get(orgId) ?? null);
      orgView.set(orgId, view);
      view.catch(() => orgView.get(orgId) === view && orgView.delete(orgId));
    }
    org = await view;
  }
  return hashContact(contactFromCrmPerson(person, org));
}

/**
 * Organization lookups (name → id, id → organization) for the whole run, not one provider page: a run of
 * 100k contacts otherwise repeats them on every page (docs/BENCHMARKS.md). Per process and short-lived —
 * a step running in another process simply starts with empty caches.
 */
const runCaches = new Map<string, { orgCache: Map<string, Promise<string>>; orgView: Map<string, Promise<CrmOrganization | null>> }>();
function organizationCaches(key: string) {
  let caches = runCaches.get(key);
  if (!caches) {
    caches = { orgCache: new Map(), orgView: new Map() };
    runCaches.set(key, caches);
    while (runCaches.size > 20) runCaches.delete(runCaches.keys().next().value!);
  }
  return caches;
}

/**
 * Provider pages read ahead (Performance: the next page's read overlaps this page's CRM writes instead of
 * stalling every page boundary). Per process and short-lived like the organization caches: a step that
 * runs elsewhere, or later than a minute, reads its page itself; a failed read ahead is simply read again.
 */
const PREFETCH_MAX_AGE_MS = 60_000;
const prefetchedPages = new Map<string, { at: number; page: Promise<ChangePage> }>();
const pageKey = (syncId: string, runId: string, cursor: string | null, pageCursor: string) => JSON.stringify([syncId, runId, cursor, pageCursor]);
function prefetchPage(syncId: string, runId: string, cursor: string | null, pageCursor: string, page: Promise<ChangePage>) {
  page.catch(() => undefined); // read again by the step that needs it
  prefetchedPages.set(pageKey(syncId, runId, cursor, pageCursor), { at: Date.now(), page });
  while (prefetchedPages.size > 20) prefetchedPages.delete(prefetchedPages.keys().next().value!);
}
function takePrefetchedPage(syncId: string, runId: string, cursor: string | null, pageCursor: string): Promise<ChangePage> | null {
  const key = pageKey(syncId, runId, cursor, pageCursor);
  const hit = prefetchedPages.get(key);
  prefetchedPages.delete(key);
  return hit && Date.now() - hit.at < PREFETCH_MAX_AGE_MS ? hit.page : null;
}

/** Linked pairs (with a CRM side) that the full provider pass of this run did not list. */
async function absentFromFullPass(ctx: SyncContext, runId: string): Promise<LinkRow[]> {
  const [run] = await ctx.db.select({ startedAt: syncRuns.startedAt }).from(syncRuns).where(eq(syncRuns.id, runId));
  return ctx.db
    .select()
    .from(contactLinks)
    .where(
      and(
        eq(contactLinks.syncId, ctx.sync.id),
        eq(contactLinks.state, 'linked'),
        isNotNull(contactLinks.remoteId),
        isNotNull(contactLinks.crmId),
        isNull(contactLinks.pendingSince),
        notSeenBySweep(contactLinks.remoteId, { syncId: ctx.sync.id, sweepId: runId, side: 'provider' }),
        // Pairs recorded while this pass was listing may simply not be in it yet.
        lt(contactLinks.updatedAt, run?.startedAt ?? new Date(0)),
      ),
    );
}

/**
 * B10 rule 4 (an edit beats a concurrent delete, as merge.ts intends): a provider delete of a pair whose
 * CRM person changed since the last sync re-creates the provider contact from the CRM instead of deleting
 * the edit (two-way only; one-way provider → CRM mirrors every provider delete). A CRM person already
 * gone just closes the pair.
 */
async function deleteCrmSideUnlessEdited(ctx: SyncContext, link: LinkRow, runId: string): Promise<'deleted' | 'recreated' | 'gone'> {
  const { db, sync } = ctx;
  if (sync.direction !== 'two_way' || !sync.groupId) {
    await deleteCrmSide(ctx, link, runId);
    return 'deleted';
  }
  const person = await ctx.crm.getPerson(link.crmId!);
  if (!person) {
    await db.update(contactLinks).set({ state: 'deleted', deletedAt: new Date(), deletedSide: 'crm', updatedAt: new Date() }).where(eq(contactLinks.id, link.id));
    return 'gone';
  }
  const org = person.orgId ? ((await ctx.crm.getOrganizations([person.orgId])).get(person.orgId) ?? null) : null;
  const contact = contactFromCrmPerson(person, org);
  const hash = hashContact(contact);
  const baseHash = link.snapshotHash ?? (link.snapshot ? hashContact(link.snapshot as unknown as Contact) : null);
  if (hash === baseHash) {
    await deleteCrmSide(ctx, link, runId);
    return 'deleted';
  }
  const label = displayName(person, link.label ?? `Person ${person.id}`);
  const reason = exportSkipReason(contact, ctx.provider.provider);
  if (reason) {
    await db.update(contactLinks).set({ remoteId: null, remoteEtag: null, state: 'skipped', skipCode: reason, skipReason: null, pendingSince: null, updatedAt: new Date() }).where(eq(contactLinks.id, link.id));
    return 'gone';
  }
  // Idempotent like every export create: pending first, our stamp in the contact.
  await db.update(contactLinks).set({ remoteId: null, remoteEtag: null, pendingSince: new Date(), updatedAt: new Date() }).where(eq(contactLinks.id, link.id));
  const [r] = await providerReads(ctx, () => ctx.provider.createContacts([{ ref: linkRef(sync.id, person.id), contact }], sync.groupId!));
  if (!r?.remoteId) {
    await db.update(contactLinks).set({ state: 'skipped', skipCode: 'provider_rejected', skipReason: r?.error?.message ?? null, pendingSince: null, updatedAt: new Date() }).where(eq(contactLinks.id, link.id));
    return 'gone';
  }
  await db
    .update(contactLinks)
    .set({ remoteId: r.remoteId, remoteEtag: r.etag ?? null, state: 'linked', snapshot: contact as unknown as Record<string, unknown>, snapshotHash: hash, crmUpdatedAt: person.updatedAt, crmVerifyAfter: new Date(Date.now() + CRM_TIME_MARGIN_MS), createdBy: 'sync_to_provider', pendingSince: null, label, updatedAt: new Date() })
    .where(eq(contactLinks.id, link.id));
  await recordActivity([{
    installationId: sync.installationId, connectionId: sync.id, runId, action: 'added', side: 'provider', crmId: person.id, remoteId: r.remoteId, label,
    reasonCode: 'contacts.edit_beats_provider_delete',
  }], db);
  return 'recreated';
}

/**
 * Our stamp (`syncId:crmId`) on a provider contact no pair holds: it is our own create whose answer was
 * lost (or a twin of one). Adopted by the stamped person's pair instead of becoming a second CRM person;
 * a stray twin of a pair that holds a live contact is removed. Returns false when the stamp names no pair.
 */
async function adoptStampedTwin(ctx: SyncContext, item: RemoteContact, crmId: string, runId: string, log: ActivityEntry[]): Promise<boolean> {
  const { db, sync } = ctx;
  const [owner] = await db.select().from(contactLinks).where(and(eq(contactLinks.syncId, sync.id), eq(contactLinks.crmId, crmId)));
  if (!owner || owner.state === 'deleted') return false;
  const label = owner.label ?? displayName(item.contact, item.remoteId);
  if (owner.remoteId && owner.remoteId !== item.remoteId && (await ctx.provider.getContact(owner.remoteId))) {
    await providerReads(ctx, () => ctx.provider.deleteContacts([item.remoteId]));
    log.push({ installationId: sync.installationId, connectionId: sync.id, runId, action: 'deleted', side: 'provider', crmId, remoteId: item.remoteId, label, reasonCode: 'contacts.duplicate_removed' });
    return true;
  }
  await releaseRemoteId(ctx, item.remoteId, owner.id, runId);
  await db
    .update(contactLinks)
    .set({ remoteId: item.remoteId, remoteEtag: item.etag, state: 'linked', skipCode: null, skipReason: null, pendingSince: null, createdBy: owner.createdBy ?? 'sync_to_provider', snapshot: owner.snapshot ?? (item.contact as unknown as Record<string, unknown>), snapshotHash: null, updatedAt: new Date() })
    .where(eq(contactLinks.id, owner.id));
  return true;
}

/** Deletes the CRM person of a link (provider said it was deleted). The snapshot stays for a 30-day restore. */
export async function deleteCrmSide(ctx: SyncContext, link: typeof contactLinks.$inferSelect, runId: string) {
  try {
    await ctx.crm.deletePerson(link.crmId!);
  } catch (error) {
    if (!(error instanceof SyncError && error.code === 'not_found')) throw error;
  }
  await ctx.db.update(contactLinks).set({ state: 'deleted', deletedAt: new Date(), deletedSide: 'crm', updatedAt: new Date() }).where(eq(contactLinks.id, link.id));
  await recordActivity([{
    installationId: ctx.sync.installationId, connectionId: ctx.sync.id, runId, action: 'deleted', side: 'crm', crmId: link.crmId, remoteId: link.remoteId, label: link.label ?? link.crmId!,
    reasonCode: 'contacts.deleted_in_provider',
  }], ctx.db);
}

/**
 * Provider calls of concurrent records (photo reads; in two-way, the single-contact writes a merge makes),
 * held under the provider's concurrency limit (Graph: 4 requests per mailbox at once), per step.
 */
const providerReadGates = new WeakMap<SyncContext, ReturnType<typeof gate>>();
function providerReads<R>(ctx: SyncContext, call: () => Promise<R>): Promise<R> {
  let g = providerReadGates.get(ctx);
  if (!g) providerReadGates.set(ctx, (g = gate(PROVIDER_READ_CONCURRENCY)));
  return g(call);
}

/** C8: the photo only in one-way sync, and only when the CRM person has no picture yet. */
async function maybeCopyPhoto(ctx: SyncContext, item: RemoteContact, crmId: string, crmHasPicture: boolean, oneWay: boolean, prefetched: Map<string, { bytes: Uint8Array; contentType: string } | null> | null) {
  if (!oneWay || crmHasPicture || item.hasPhoto === false || !ctx.provider.getPhoto) return;
  const photo = prefetched?.has(item.remoteId)
    ? prefetched.get(item.remoteId)
    : await providerReads(ctx, () => ctx.provider.getPhoto!(item.remoteId, item.photoRef)).catch(() => null);
  if (photo && 'setPersonPicture' in ctx.crm) await (ctx.crm as { setPersonPicture(id: string, b: Uint8Array, t: string): Promise<void> }).setPersonPicture(crmId, photo.bytes, photo.contentType).catch(() => undefined);
}

async function upsertLink(
  ctx: SyncContext,
  v: { crmId: string; remoteId: string; remoteEtag: string; crmUpdatedAt: string; snapshot: Contact; snapshotHash: string; label: string; createdBy: 'sync_to_crm' | 'sync_to_provider' | 'matched' },
  existingId?: string,
) {
  // The CRM update time just recorded proves nothing until a later listing compared content (export-sweep).
  const values = { ...v, snapshot: v.snapshot as unknown as Record<string, unknown>, state: 'linked' as const, deletedAt: null, deletedSide: null, skipCode: null, skipReason: null, pendingSince: null, crmVerifyAfter: new Date(Date.now() + CRM_TIME_MARGIN_MS), updatedAt: new Date() };
  if (existingId) await ctx.db.update(contactLinks).set(values).where(eq(contactLinks.id, existingId));
  else await ctx.db.insert(contactLinks).values({ installationId: ctx.sync.installationId, syncId: ctx.sync.id, ...values });
}

const sqlCount = () => sql<number>`count(*)::int`;
