/**
 * Provider → CRM in near real time (B1). Contact connections that import get a change watch:
 *
 * - **Push** (Graph): a subscription on the synced folder. Notifications are authenticated by the
 *   subscription id (looked up here, which also scopes them to one connection, user and installation) and
 *   the per-connection random `clientState` (sealed at rest, compared in constant time). A valid one asks
 *   for a debounced run; lifecycle notifications renew, recreate or catch up.
 * - **Poll** (Google): one sync-token check per connection on the adaptive cadence (poll-cadence.ts); a run
 *   is requested only when the check saw a change.
 *
 * Runs read the provider's own change feed (delta link, sync token), so a notification is only a trigger:
 * a lost, duplicated or forged-but-valid one costs at most one extra run. The hourly run stays the safety net.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { and, eq, inArray, isNotNull, isNull, lte, or, sql } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { changeWatches, contactLinks, contactSyncs, providerAccounts, syncConnections } from '@/db/schema';
import { decryptSecret, encryptSecret } from '@/lib/auth/token-vault';
import { env } from '@/lib/env';
import { SyncError } from '@/lib/errors';
import { requestSoon } from '@/lib/jobs/queue';
import { changeFeedFor } from '@/lib/providers';
import type { ChangeCheck, ProviderKind } from '@/lib/providers/port';
import { nextPollDelay, rollQuotaDay } from './poll-cadence';
import type { ContactRunRequest } from './run';

/** Notifications for one connection within this window become one run. */
export const PUSH_DEBOUNCE_MS = 2_000;
/** Renew a subscription when less than this is left (housekeeping runs hourly; Graph grants ~70 h). */
export const RENEW_BEFORE_MS = 24 * 60 * 60 * 1000;
/** A failed subscription is tried again after this long (housekeeping). */
export const RETRY_FAILED_MS = 15 * 60 * 1000;
/** Google checks in flight at once per process (each is one HTTP call). */
const POLL_CONCURRENCY = 8;
/** Most checks one poll tick claims; the rest stay due for the next tick. */
const POLL_CLAIM_LIMIT = 200;
/** A claimed check that never finished (crash) becomes due again after this long. */
const POLL_LEASE_MS = 60_000;

export const NOTIFICATION_PATH = '/api/microsoft/notifications';
export const LIFECYCLE_PATH = '/api/microsoft/lifecycle';

const IMPORTING = ['provider_to_crm', 'two_way'] as const;

type WatchTarget = { id: string; installationId: string; crmUserId: string; provider: ProviderKind; providerAccountId: string; groupId: string | null };

async function targetOf(connectionId: string): Promise<WatchTarget | null> {
  const db = await getDb();
  const [row] = await db
    .select({ id: contactSyncs.id, installationId: contactSyncs.installationId, crmUserId: contactSyncs.crmUserId, provider: contactSyncs.provider, providerAccountId: contactSyncs.providerAccountId, groupId: contactSyncs.groupId })
    .from(contactSyncs)
    .innerJoin(syncConnections, eq(syncConnections.id, contactSyncs.id))
    .where(and(eq(contactSyncs.id, connectionId), inArray(contactSyncs.direction, [...IMPORTING]), eq(syncConnections.status, 'active'), isNotNull(syncConnections.startedAt)));
  return row ?? null;
}

const runRequest = (t: { id: string; installationId: string; crmUserId: string; provider: ProviderKind }): ContactRunRequest => ({
  kind: 'contacts',
  connectionId: t.id,
  installationId: t.installationId,
  crmUserId: t.crmUserId,
  trigger: 'webhook',
  provider: t.provider,
  throttleKey: t.provider,
});

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 2000);

/**
 * What the settings page says about provider → CRM speed (B1): changes pushed by Outlook, changes looked for
 * in Google every few seconds, a subscription Outlook refused (tried again by housekeeping), or hourly only
 * (no watch yet: it is set up after the first successful run).
 */
export type WatchState = { mode: 'push' | 'poll' | 'push_failed' | 'hourly'; lastChangeAt: Date | null; detail: string | null };

export async function watchState(connectionId: string): Promise<WatchState> {
  const db = await getDb();
  const [row] = await db
    .select({ provider: changeWatches.provider, status: changeWatches.status, subscriptionId: changeWatches.subscriptionId, lastError: changeWatches.lastError, lastNotificationAt: changeWatches.lastNotificationAt, lastChangeAt: changeWatches.lastChangeAt })
    .from(changeWatches)
    .where(eq(changeWatches.connectionId, connectionId));
  if (!row) return { mode: 'hourly', lastChangeAt: null, detail: null };
  if (row.provider === 'google') return { mode: 'poll', lastChangeAt: row.lastChangeAt, detail: null };
  if (row.status === 'active' && row.subscriptionId) return { mode: 'push', lastChangeAt: row.lastNotificationAt, detail: null };
  return { mode: 'push_failed', lastChangeAt: null, detail: row.lastError };
}

// ---- setup, renewal, removal ------------------------------------------------------------------------

/**
 * Makes sure an importing connection has its watch: a Google poll row, or a live Graph subscription (created
 * now when missing). Called after each successful run and by housekeeping; never throws (a failed
 * subscription is recorded and retried, the hourly run still covers the connection).
 */
export async function ensureWatch(connectionId: string, at = new Date()): Promise<void> {
  const target = await targetOf(connectionId);
  if (!target || !target.groupId) return;
  const db = await getDb();
  const [existing] = await db.select().from(changeWatches).where(eq(changeWatches.connectionId, connectionId));
  if (target.provider === 'google') {
    if (!existing)
      await db
        .insert(changeWatches)
        .values({ connectionId, installationId: target.installationId, crmUserId: target.crmUserId, provider: 'google', nextPollAt: at, pollDayStartedAt: at })
        .onConflictDoNothing();
    return;
  }
  const resource = `me/contactFolders/${target.groupId}/contacts`;
  if (existing?.subscriptionId && existing.status === 'active' && existing.resource === resource && existing.expiresAt && existing.expiresAt.getTime() > at.getTime()) return;
  if (existing?.status === 'failed' && at.getTime() - existing.updatedAt.getTime() < RETRY_FAILED_MS) return;
  await subscribe(target, existing?.subscriptionId ?? null, at);
}

async function subscribe(target: WatchTarget, previousId: string | null, at: Date): Promise<void> {
  const db = await getDb();
  const feed = changeFeedFor({ id: target.providerAccountId, provider: target.provider });
  const clientState = randomBytes(32).toString('base64url');
  const base = env().appUrl.replace(/\/$/, '');
  try {
    if (previousId) await feed.unsubscribe!(previousId).catch(() => undefined);
    const sub = await feed.subscribe!({
      groupId: target.groupId!,
      notificationUrl: `${base}${NOTIFICATION_PATH}`,
      lifecycleNotificationUrl: `${base}${LIFECYCLE_PATH}`,
      clientState,
      expiresAt: new Date(at.getTime() + feed.maxSubscriptionMs!),
    });
    const values = {
      subscriptionId: sub.id,
      clientStateEnc: encryptSecret(clientState),
      resource: `me/contactFolders/${target.groupId}/contacts`,
      expiresAt: sub.expiresAt,
      status: 'active' as const,
      lastError: null,
      updatedAt: new Date(),
    };
    await db
      .insert(changeWatches)
      .values({ connectionId: target.id, installationId: target.installationId, crmUserId: target.crmUserId, provider: 'microsoft', ...values })
      .onConflictDoUpdate({ target: changeWatches.connectionId, set: values });
  } catch (error) {
    const values = { subscriptionId: null, clientStateEnc: null, status: 'failed' as const, lastError: errorText(error), updatedAt: new Date() };
    await db
      .insert(changeWatches)
      .values({ connectionId: target.id, installationId: target.installationId, crmUserId: target.crmUserId, provider: 'microsoft', ...values })
      .onConflictDoUpdate({ target: changeWatches.connectionId, set: values });
  }
}

async function renew(row: typeof changeWatches.$inferSelect, at: Date): Promise<void> {
  const target = await targetOf(row.connectionId);
  if (!target) return;
  const db = await getDb();
  const feed = changeFeedFor({ id: target.providerAccountId, provider: target.provider });
  try {
    const sub = await feed.renewSubscription!(row.subscriptionId!, new Date(at.getTime() + feed.maxSubscriptionMs!));
    await db.update(changeWatches).set({ expiresAt: sub.expiresAt, status: 'active', lastError: null, updatedAt: new Date() }).where(eq(changeWatches.connectionId, row.connectionId));
  } catch (error) {
    // Gone (expired or removed by Graph): a new subscription, with a new secret.
    if (error instanceof SyncError && error.code === 'not_found') return subscribe(target, null, at);
    await db.update(changeWatches).set({ lastError: errorText(error), updatedAt: new Date() }).where(eq(changeWatches.connectionId, row.connectionId));
  }
}

/**
 * Housekeeping (hourly): watches for importing connections that lack one, renewals of subscriptions that
 * expire within a day, retries of failed ones, and removal of watches whose connection no longer imports.
 */
export async function maintainWatches(at = new Date()): Promise<{ ensured: number; renewed: number; removed: number }> {
  const db = await getDb();
  const out = { ensured: 0, renewed: 0, removed: 0 };
  // Stale: the connection stopped importing (disabled, direction changed) — drop its subscription.
  const stale = await db
    .select({ connectionId: changeWatches.connectionId })
    .from(changeWatches)
    .innerJoin(syncConnections, eq(syncConnections.id, changeWatches.connectionId))
    .innerJoin(contactSyncs, eq(contactSyncs.id, changeWatches.connectionId))
    .where(or(eq(syncConnections.status, 'disabled'), sql`${contactSyncs.direction} not in ('provider_to_crm', 'two_way')`));
  if (stale.length) out.removed = await removeWatches({ connectionIds: stale.map((s) => s.connectionId) });
  const missing = await db
    .select({ id: contactSyncs.id })
    .from(contactSyncs)
    .innerJoin(syncConnections, eq(syncConnections.id, contactSyncs.id))
    .leftJoin(changeWatches, eq(changeWatches.connectionId, contactSyncs.id))
    .where(
      and(
        inArray(contactSyncs.direction, [...IMPORTING]),
        eq(syncConnections.status, 'active'),
        isNotNull(syncConnections.startedAt),
        isNotNull(contactSyncs.groupId),
        or(isNull(changeWatches.connectionId), eq(changeWatches.status, 'failed')),
      ),
    );
  for (const m of missing) {
    await ensureWatch(m.id, at);
    out.ensured++;
  }
  const expiring = await db
    .select()
    .from(changeWatches)
    .where(and(eq(changeWatches.provider, 'microsoft'), eq(changeWatches.status, 'active'), isNotNull(changeWatches.subscriptionId), lte(changeWatches.expiresAt, new Date(at.getTime() + RENEW_BEFORE_MS))));
  for (const row of expiring) {
    await renew(row, at);
    out.renewed++;
  }
  return out;
}

/**
 * Disconnect, stop, uninstall: delete the Graph subscriptions (while the tokens still exist — call this
 * before purging them) and forget the watches. Graph failures are not fatal: an orphaned subscription
 * expires within three days, and its notifications no longer match any row (ignored).
 */
export async function removeWatches(filter: { connectionIds?: string[]; crmUserId?: string; accountId?: string }): Promise<number> {
  const db = await getDb();
  const conds = [];
  if (filter.connectionIds) conds.push(filter.connectionIds.length ? inArray(changeWatches.connectionId, filter.connectionIds) : sql`false`);
  if (filter.crmUserId) conds.push(eq(changeWatches.crmUserId, filter.crmUserId));
  if (filter.accountId) conds.push(eq(contactSyncs.providerAccountId, filter.accountId));
  if (!conds.length) throw new Error('removeWatches: empty filter');
  const rows = await db
    .select({ connectionId: changeWatches.connectionId, subscriptionId: changeWatches.subscriptionId, provider: changeWatches.provider, accountId: contactSyncs.providerAccountId, accountStatus: providerAccounts.status })
    .from(changeWatches)
    .innerJoin(contactSyncs, eq(contactSyncs.id, changeWatches.connectionId))
    .innerJoin(providerAccounts, eq(providerAccounts.id, contactSyncs.providerAccountId))
    .where(and(...conds));
  for (const r of rows) {
    if (r.provider !== 'microsoft' || !r.subscriptionId || r.accountStatus === 'disconnected') continue;
    await changeFeedFor({ id: r.accountId, provider: 'microsoft' })
      .unsubscribe!(r.subscriptionId)
      .catch((error) => console.warn('[watch] could not delete a Graph subscription; it expires on its own', errorText(error)));
  }
  if (rows.length) await db.delete(changeWatches).where(inArray(changeWatches.connectionId, rows.map((r) => r.connectionId)));
  return rows.length;
}

// ---- notifications (push) ------------------------------------------------------------------------------

export type PushNotification =
  | { subscriptionId: string; clientState: string | null | undefined; kind: 'change'; changeType?: 'created' | 'updated' | 'deleted'; remoteId?: string; etag?: string }
  | { subscriptionId: string; clientState: string | null | undefined; kind: 'missed' | 'reauthorizationRequired' | 'subscriptionRemoved' };

export type PushOutcome = { accepted: number; ignored: number; runs: number; echoes?: number };

/** True when every change is a create/update of a pair of this sync carrying the etag our own write got back. */
async function onlyEchoes(connectionId: string, changes: Extract<PushNotification, { kind: 'change' }>[]): Promise<boolean> {
  if (!changes.length || changes.some((c) => c.changeType === 'deleted' || !c.remoteId || !c.etag)) return false;
  const db = await getDb();
  const links = await db
    .select({ remoteId: contactLinks.remoteId, etag: contactLinks.remoteEtag })
    .from(contactLinks)
    .where(and(eq(contactLinks.syncId, connectionId), inArray(contactLinks.remoteId, changes.map((c) => c.remoteId!)), eq(contactLinks.state, 'linked')));
  const ours = new Map(links.map((l) => [l.remoteId, l.etag]));
  return changes.every((c) => ours.get(c.remoteId!) === c.etag);
}

function sameSecret(sealed: string | null, given: string | null | undefined): boolean {
  if (!sealed || !given) return false;
  let expected: Buffer;
  try {
    expected = Buffer.from(decryptSecret(sealed));
  } catch {
    return false;
  }
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * Notifications that passed the route's shape check. Each is authenticated on its own (subscription id →
 * row, clientState equal); unknown subscriptions and wrong secrets are ignored and counted, never run.
 */
export async function handlePushNotifications(items: PushNotification[], at = new Date()): Promise<PushOutcome> {
  const db = await getDb();
  const ids = [...new Set(items.map((i) => i.subscriptionId))];
  const rows = ids.length ? await db.select().from(changeWatches).where(and(eq(changeWatches.provider, 'microsoft'), inArray(changeWatches.subscriptionId, ids))) : [];
  const byId = new Map(rows.map((r) => [r.subscriptionId!, r]));
  const out: PushOutcome = { accepted: 0, ignored: 0, runs: 0 };
  const toRun = new Set<string>();
  const changesOf = new Map<string, Extract<PushNotification, { kind: 'change' }>[]>();
  const missed = new Set<string>();
  const lifecycle: { row: (typeof rows)[number]; kind: 'reauthorizationRequired' | 'subscriptionRemoved' }[] = [];
  for (const item of items) {
    const row = byId.get(item.subscriptionId);
    if (!row || !sameSecret(row.clientStateEnc, item.clientState)) {
      out.ignored++;
      continue;
    }
    out.accepted++;
    // `missed`: Graph dropped notifications — the delta link catches up, so one run is the remedy.
    if (item.kind === 'change') {
      toRun.add(row.connectionId);
      changesOf.set(row.connectionId, [...(changesOf.get(row.connectionId) ?? []), item]);
    } else if (item.kind === 'missed') {
      toRun.add(row.connectionId);
      missed.add(row.connectionId);
    } else lifecycle.push({ row, kind: item.kind });
  }
  for (const connectionId of toRun) {
    // Our own export's writes come back as notifications; a delivery made only of those needs no run.
    if (!missed.has(connectionId) && (await onlyEchoes(connectionId, changesOf.get(connectionId) ?? []))) {
      out.echoes = (out.echoes ?? 0) + 1;
      continue;
    }
    const target = await targetOf(connectionId);
    if (!target) continue; // paused, needs reconnect, disabled: the watch stays, nothing runs
    // Remembered so a run that was already past its provider pass asks for one more (runAgainIfNotified).
    await db.update(changeWatches).set({ lastNotificationAt: at }).where(eq(changeWatches.connectionId, connectionId));
    await requestSoon(runRequest(target), PUSH_DEBOUNCE_MS);
    out.runs++;
  }
  for (const { row, kind } of lifecycle) {
    // reauthorizationRequired: renewing re-authorizes with a fresh token (a revoked grant fails here and
    // the connection's next run marks it needs-reconnect). subscriptionRemoved: a new subscription, and a
    // catch-up run for whatever changed while none existed.
    if (kind === 'reauthorizationRequired') await renew(row, at);
    else {
      const target = await targetOf(row.connectionId);
      if (!target) continue;
      await subscribe(target, null, at);
      await requestSoon(runRequest(target), PUSH_DEBOUNCE_MS);
      out.runs++;
    }
  }
  return out;
}

/**
 * End of a run: a real change notified after the run began may have missed its provider pass, and a run
 * requested meanwhile may have been dropped (Inngest's singleton skips requests while a run is going; the
 * local runner queues one more). One more debounced run closes that gap under both runners.
 */
export async function runAgainIfNotified(connectionId: string, runStartedAt: Date): Promise<boolean> {
  const db = await getDb();
  const [row] = await db.select({ at: changeWatches.lastNotificationAt }).from(changeWatches).where(eq(changeWatches.connectionId, connectionId));
  if (!row?.at || row.at.getTime() < runStartedAt.getTime()) return false;
  const target = await targetOf(connectionId);
  if (!target) return false;
  await requestSoon(runRequest(target), PUSH_DEBOUNCE_MS);
  return true;
}

// ---- polling (Google) -----------------------------------------------------------------------------------

/**
 * Echo suppression: a run that wrote to Google leaves those writes after the stored sync token, so the next
 * check would see them and ask for a run that finds nothing new. When every change on the (complete) page is
 * a contact of this sync whose etag is the one our write got back, it is our own write — not a change.
 */
async function onlyOurOwnWrites(syncId: string, check: ChangeCheck): Promise<boolean> {
  if (check.more || !check.changes.length || check.changes.some((c) => c.deleted || !c.etag)) return false;
  const db = await getDb();
  const links = await db
    .select({ remoteId: contactLinks.remoteId, etag: contactLinks.remoteEtag })
    .from(contactLinks)
    .where(and(eq(contactLinks.syncId, syncId), inArray(contactLinks.remoteId, check.changes.map((c) => c.remoteId)), eq(contactLinks.state, 'linked')));
  const ours = new Map(links.map((l) => [l.remoteId, l.etag]));
  return check.changes.every((c) => ours.get(c.remoteId) === c.etag);
}

/**
 * One poll tick: claims due Google watches (a lease, so two runners never check the same one twice), asks
 * Google with one call each whether the group changed since the stored sync token, schedules the next check
 * on the adaptive cadence, and returns run requests for the ones that changed.
 */
export async function pollDueWatches(at = new Date()): Promise<ContactRunRequest[]> {
  const db = await getDb();
  const claimed = await db.execute<{ connection_id: string }>(sql`
    update change_watches w set next_poll_at = ${new Date(at.getTime() + POLL_LEASE_MS)}
    where w.connection_id in (
      select cw.connection_id from change_watches cw
      join sync_connections c on c.id = cw.connection_id
      where cw.provider = 'google' and cw.next_poll_at <= ${at} and c.status = 'active' and c.stage = 'idle'
      order by cw.next_poll_at
      limit ${POLL_CLAIM_LIMIT}
      for update of cw skip locked
    )
    returning w.connection_id`);
  const ids = (claimed as unknown as { rows?: { connection_id: string }[] }).rows ?? (claimed as unknown as { connection_id: string }[]);
  if (!ids.length) return [];
  const rows = await db
    .select({ watch: changeWatches, sync: { id: contactSyncs.id, installationId: contactSyncs.installationId, crmUserId: contactSyncs.crmUserId, providerAccountId: contactSyncs.providerAccountId, cursor: contactSyncs.providerCursor } })
    .from(changeWatches)
    .innerJoin(contactSyncs, eq(contactSyncs.id, changeWatches.connectionId))
    .where(inArray(changeWatches.connectionId, ids.map((r) => r.connection_id)));
  const requests: ContactRunRequest[] = [];
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < rows.length; i = next++) {
      const { watch, sync } = rows[i]!;
      const now = Date.now();
      const day = rollQuotaDay({ now, dayStartedAt: watch.pollDayStartedAt?.getTime() ?? null, pollsToday: watch.pollsToday });
      let changed = false;
      let lastError: string | null = null;
      let polled = false;
      if (sync.cursor) {
        try {
          const result = await changeFeedFor({ id: sync.providerAccountId, provider: 'google' }).checkForChanges!(sync.cursor);
          polled = true;
          changed = result.state === 'expired' || (result.state === 'changed' && !(await onlyOurOwnWrites(sync.id, result)));
        } catch (error) {
          // Throttled or unreachable: try again on the cadence; a revoked grant surfaces in the next run.
          lastError = errorText(error);
        }
      }
      const pollsToday = day.pollsToday + (polled ? 1 : 0);
      const lastChangeAt = changed ? now : (watch.lastChangeAt?.getTime() ?? null);
      const delay = nextPollDelay({ now, lastChangeAt, pollsToday, dayStartedAt: day.dayStartedAt });
      await db
        .update(changeWatches)
        .set({
          nextPollAt: new Date(now + delay),
          lastPolledAt: polled ? new Date(now) : watch.lastPolledAt,
          lastChangeAt: lastChangeAt === null ? null : new Date(lastChangeAt),
          pollsToday,
          pollDayStartedAt: new Date(day.dayStartedAt),
          lastError,
          updatedAt: new Date(),
        })
        .where(eq(changeWatches.connectionId, watch.connectionId));
      if (changed) requests.push(runRequest({ id: sync.id, installationId: sync.installationId, crmUserId: sync.crmUserId, provider: 'google' }));
    }
  };
  await Promise.all(Array.from({ length: Math.min(POLL_CONCURRENCY, rows.length) }, worker));
  return requests;
}
