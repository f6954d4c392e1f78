/**
 * What the settings page can do with contact sync. Every function takes the verified tenant and scopes
 * each query to its installation and CRM user — ids from the browser are never trusted on their own.
 */
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { getDb, type Db } from '@/db/client';
import { contactLinks, contactSyncs, crmUsers, providerAccounts, syncConnections } from '@/db/schema';
import { removeCrmWebhook } from '@/lib/crm/webhooks';
import { crmClientFor } from '@/lib/crm';
import { recordUrl } from '@/lib/crm/pipedrive/client';
import { env } from '@/lib/env';
import { SyncError } from '@/lib/errors';
import { isUuid } from '@/lib/api/input';
import { providerFor } from '@/lib/providers';
import { redeemLinkCode, startLinkFlow } from '@/lib/auth/provider-linking';
import { ensureCrmWebhook } from '@/lib/crm/webhooks';
import { jobQueue } from '@/lib/jobs/queue';
import { activate, createConnection, disable, requestRunNow, resumeAfterDeletes } from '@/lib/sync/runtime/connections';
import { removeWatches, watchState } from '@/lib/sync/contacts/watch';
import { recentActivity } from '@/lib/sync/runtime/activity';
import { lastRuns } from '@/lib/sync/runtime/runs';
import type { Trigger } from '@/lib/sync/runtime/events';
import type { ContactRunRequest } from '@/lib/sync/contacts/run';
import { prepareCrmFields } from './crm-fields';
import { forgetCachedToken } from '@/lib/auth/token-manager';
import { contactFromCrmPerson, displayName } from '@/lib/sync/contacts/model';
import { exportSkipReason } from '@/lib/sync/contacts/export-rules';
import { CRM_PAGE_SIZE, EXPORT_GROUP_NAME, PENDING_DELETE_SAMPLE, RESTORE_WINDOW_DAYS } from '@/lib/sync/contacts/constants';
import type { Tenant } from '@/lib/tenant';
import { adoptableContacts, ownerBoundSyncId, type AdoptionPlan, type StampOwner } from '@/lib/sync/contacts/adopt-earlier';
import { findOverlap } from '@/lib/sync/contacts/overlap';

export type Direction = 'crm_to_provider' | 'provider_to_crm' | 'two_way';

function crmFor(tenant: Tenant) {
  return crmClientFor({ id: tenant.crmUserId, crm: tenant.crm, apiDomain: tenant.apiDomain });
}

export function personUrl(tenant: Pick<Tenant, 'crm' | 'apiDomain'>, crmId: string): string {
  return tenant.crm === 'pipedrive' ? recordUrl(tenant.apiDomain ?? '', 'person', crmId) : `${env().teamleader.webUrl}/contacts/${crmId}`;
}

async function ownedAccount(tenant: Tenant, accountId: string) {
  if (!isUuid(accountId)) throw new SyncError('not_found', 'That account is not linked to your user. Link it again.');
  const db = await getDb();
  const [account] = await db
    .select()
    .from(providerAccounts)
    .where(and(eq(providerAccounts.id, accountId), eq(providerAccounts.installationId, tenant.installationId), eq(providerAccounts.crmUserId, tenant.crmUserId)));
  if (!account || account.status === 'disconnected') throw new SyncError('not_found', 'That account is not linked to your user. Link it again.');
  // Dropbox and Dropbox Sign accounts belong to other pillars: not a contact account.
  if (account.provider !== 'google' && account.provider !== 'microsoft') throw new SyncError('not_found', 'That account is not a contacts account.');
  return { ...account, provider: account.provider };
}

/** The user's own contact sync with its connection state; anyone else's id is "not found". */
export async function ownedSync(tenant: Tenant, syncId: string) {
  if (!isUuid(syncId)) throw new SyncError('not_found', 'That sync does not exist for your user.');
  const db = await getDb();
  const [row] = await db
    .select({ sync: contactSyncs, connection: syncConnections })
    .from(contactSyncs)
    .innerJoin(syncConnections, eq(syncConnections.id, contactSyncs.id))
    .where(and(eq(contactSyncs.id, syncId), eq(contactSyncs.installationId, tenant.installationId), eq(contactSyncs.crmUserId, tenant.crmUserId)));
  if (!row) throw new SyncError('not_found', 'That sync does not exist for your user.');
  const c = row.connection;
  return { ...row.sync, status: c.status, stage: c.stage, startedAt: c.startedAt, lastRunAt: c.lastRunAt, lastSuccessAt: c.lastSuccessAt, nextRunAt: c.nextRunAt, lastErrorCode: c.lastErrorCode, lastErrorMessage: c.lastErrorMessage, pendingDeletes: c.pendingDeletes, consecutiveFailures: c.consecutiveFailures };
}

function runRequest(sync: { id: string; installationId: string; crmUserId: string; provider: 'google' | 'microsoft' }, trigger: Trigger): ContactRunRequest {
  return { kind: 'contacts', connectionId: sync.id, installationId: sync.installationId, crmUserId: sync.crmUserId, provider: sync.provider, throttleKey: sync.provider, trigger };
}

/** C1/S1: starts a link flow bound to this CRM user; the popup URL works once. */
export async function startLink(tenant: Tenant, provider: 'google' | 'microsoft', email: string) {
  const { url } = await startLinkFlow({ installationId: tenant.installationId, crmUserId: tenant.crmUserId, provider, email });
  return { url };
}

/** C1/S1: attaches the consented account — only for the CRM user who started the flow. */
export async function redeemLink(tenant: Tenant, code: string) {
  const linked = await redeemLinkCode(tenant, code);
  return { status: 'linked' as const, ...linked };
}

export async function contactsOverview(tenant: Tenant) {
  const db = await getDb();
  const accounts = await db
    .select({ id: providerAccounts.id, provider: providerAccounts.provider, email: providerAccounts.email, status: providerAccounts.status, lastAuthError: providerAccounts.lastAuthError })
    .from(providerAccounts)
    .where(and(eq(providerAccounts.installationId, tenant.installationId), eq(providerAccounts.crmUserId, tenant.crmUserId), inArray(providerAccounts.provider, ['google', 'microsoft'])));
  const syncs = await db
    .select({ sync: contactSyncs, connection: syncConnections })
    .from(contactSyncs)
    .innerJoin(syncConnections, eq(syncConnections.id, contactSyncs.id))
    .where(and(eq(contactSyncs.installationId, tenant.installationId), eq(contactSyncs.crmUserId, tenant.crmUserId), sql`${syncConnections.status} <> 'disabled'`));
  return {
    accounts: accounts.filter((a) => a.status !== 'disconnected'),
    syncs: syncs.map(({ sync: s, connection: c }) => ({ id: s.id, providerAccountId: s.providerAccountId, provider: s.provider, direction: s.direction, status: c.status, started: !!c.startedAt })),
  };
}

export async function listGroups(tenant: Tenant, accountId: string) {
  const account = await ownedAccount(tenant, accountId);
  const groups = await providerFor(account).listGroups();
  return { groups: groups.filter((g) => !g.system || g.id === 'contactGroups/myContacts') };
}

/**
 * B2 preview for the CRM → provider export: how many persons will be exported and how many skipped, with
 * reasons and samples. Reads the CRM only (paged); nothing is written anywhere.
 */
export async function previewExport(tenant: Tenant, accountId?: string | null) {
  const crm = crmFor(tenant);
  // M5/B2: contacts an earlier sync of ours left in the export group are updated, not created again.
  const earlier: AdoptionPlan = accountId ? await earlierExports(tenant, accountId) : { adopt: new Map(), leftAlone: [] };
  const listed = new Set<string>();
  let alreadyInProvider = 0;
  let cursor: string | null = null;
  let total = 0;
  let exportable = 0;
  const skipped = new Map<string, { count: number; samples: { id: string; name: string; url: string }[] }>();
  do {
    const page = await crm.listPersons({ cursor, limit: CRM_PAGE_SIZE, ownerId: crm.personsHaveOwner ? tenant.userExternalId : null });
    for (const p of page.items) {
      total++;
      if (earlier.adopt.has(p.id)) listed.add(p.id);
      const reason = exportSkipReason(contactFromCrmPerson(p, null));
      if (!reason) {
        exportable++;
        if (earlier.adopt.has(p.id)) alreadyInProvider++;
        continue;
      }
      const entry = skipped.get(reason) ?? { count: 0, samples: [] };
      entry.count++;
      if (entry.samples.length < 5) entry.samples.push({ id: p.id, name: displayName(p, `Person ${p.id}`), url: p.webUrl });
      skipped.set(reason, entry);
    }
    for (const bad of page.invalid) {
      total++;
      const entry = skipped.get(bad.reason) ?? { count: 0, samples: [] };
      entry.count++;
      skipped.set(bad.reason, entry);
    }
    cursor = page.nextCursor;
  } while (cursor);
  return {
    total,
    toExport: exportable,
    alreadyInProvider,
    // M5: stamped contacts that are not provably this user's (or whose person is gone) stay as they are.
    leftAlone: earlier.leftAlone.length + [...earlier.adopt.keys()].filter((id) => !listed.has(id)).length,
    groupName: EXPORT_GROUP_NAME[tenant.crm],
    ownedOnly: crm.personsHaveOwner,
    skipped: [...skipped.entries()].map(([reason, v]) => ({ reason, ...v })),
  };
}

type SyncStartRequest = { accountId: string; direction: Direction; groupId?: string | null };

/**
 * Everything that can refuse a sync start, checked before anything is written anywhere (the CRM's custom
 * fields included): the account is this CRM user's, usable, and the request is complete.
 */
export async function authorizeSyncStart(tenant: Tenant, input: SyncStartRequest) {
  const account = await ownedAccount(tenant, input.accountId);
  if (account.status === 'needs_reconnect') throw new SyncError('auth_revoked', `Reconnect ${account.email} before starting a sync.`);
  if (input.direction !== 'crm_to_provider' && !input.groupId) throw new SyncError('validation', 'Choose which contact group or folder to sync (C3).');
  return account;
}

/**
 * B2 preview for provider → CRM and two-way: how many contacts of the chosen group would be added to the CRM
 * and how many skipped (with reasons and samples); two-way adds what the CRM side would send. Reads only.
 */
export async function previewImport(tenant: Tenant, input: { accountId: string; groupId: string; direction: 'provider_to_crm' | 'two_way' }) {
  const account = await ownedAccount(tenant, input.accountId);
  const provider = providerFor({ id: account.id, provider: account.provider });
  let total = 0;
  let toCreate = 0;
  const samples: { id: string; name: string }[] = [];
  const skipped = new Map<string, { count: number; samples: { id: string; name: string; url: string }[] }>();
  let pageCursor: string | null = null;
  do {
    const page = await provider.listChanges(input.groupId, null, pageCursor);
    for (const item of page.items) {
      total++;
      // The import's own rule: a contact without any name cannot become a CRM person.
      if (!item.contact.firstName && !item.contact.lastName) {
        const entry = skipped.get('contacts.no_name') ?? { count: 0, samples: [] };
        entry.count++;
        if (entry.samples.length < 5) entry.samples.push({ id: item.remoteId, name: item.contact.emails[0]?.value ?? item.remoteId, url: '' });
        skipped.set('contacts.no_name', entry);
        continue;
      }
      toCreate++;
      if (samples.length < 5) samples.push({ id: item.remoteId, name: displayName(item.contact, item.remoteId) });
    }
    pageCursor = page.nextPageCursor;
  } while (pageCursor);
  const crmSide = input.direction === 'two_way' ? await previewExport(tenant) : null;
  return {
    provider: { total, toCreate, samples, skipped: [...skipped.entries()].map(([reason, v]) => ({ reason, ...v })) },
    crm: crmSide ? { total: crmSide.total, toExport: crmSide.toExport, skipped: crmSide.skipped } : null,
  };
}

/** Contacts in the account's export group that a new sync would re-adopt, by CRM id (none when no group yet). */
async function earlierExports(tenant: Tenant, accountId: string): Promise<AdoptionPlan> {
  const account = await ownedAccount(tenant, accountId);
  const provider = providerFor({ id: account.id, provider: account.provider });
  const group = (await provider.listGroups()).find((g) => g.name === EXPORT_GROUP_NAME[tenant.crm]);
  if (!group) return { adopt: new Map(), leftAlone: [] };
  return adoptableContacts(await getDb(), provider, group.id, { syncId: null, crmUserId: tenant.crmUserId, stampOwner: stampOwner(tenant) });
}

const stampOwner = (tenant: Tenant): StampOwner => ({ crm: tenant.crm, companyId: tenant.companyId, userId: tenant.userExternalId });

export type StartSyncInput = {
  accountId: string;
  direction: Direction;
  groupId?: string | null;
  groupName?: string | null;
  visibility?: number | null;
  conflictPolicy?: 'newest' | 'crm' | 'provider';
  matchByEmail?: boolean;
  /** B6 scope: 'visible' (every person the user can see) only for the one-way import (C5 keeps exports to owned persons). */
  matchScope?: 'own' | 'visible';
  /** Persons the preview counted: the first run's progress bar has a total before any sweep finished. */
  expectedTotal?: number | null;
};

/** Refuses a sync that would write the same people into the same provider account as a live one. */
async function refuseOverlap(tenant: Tenant, account: { provider: 'google' | 'microsoft'; email: string }, direction: Direction) {
  const db = await getDb();
  const live = await db
    .select({ crmUserId: contactSyncs.crmUserId, provider: contactSyncs.provider, accountEmail: providerAccounts.email, direction: contactSyncs.direction })
    .from(contactSyncs)
    .innerJoin(syncConnections, eq(syncConnections.id, contactSyncs.id))
    .innerJoin(providerAccounts, eq(providerAccounts.id, contactSyncs.providerAccountId))
    .where(and(eq(contactSyncs.installationId, tenant.installationId), sql`${syncConnections.status} <> 'disabled'`));
  const overlap = findOverlap({ crmUserId: tenant.crmUserId, provider: account.provider, accountEmail: account.email, direction }, live, crmFor(tenant).personsHaveOwner);
  if (!overlap) return;
  throw new SyncError(
    'validation',
    overlap.crmUserId === tenant.crmUserId
      ? `${account.email} already has a contact sync; a second one would write the same people again. Stop that sync first, or link another account.`
      : `Another ${tenant.crm === 'pipedrive' ? 'Pipedrive' : 'Teamleader'} user already exports these contacts to ${account.email}; a second export would create every contact twice.`,
    { detail: { reason: 'overlap' } },
  );
}

/**
 * "Start sync" (C14). Everything is checked before anything is written anywhere: the account is the user's
 * own and linked, the input complete; then the CRM fields (C2, C9), the connection, the CRM webhook (B1), and
 * the first run.
 */
export async function startSync(tenant: Tenant, input: StartSyncInput) {
  const account = await authorizeSyncStart(tenant, input);
  if (input.matchScope === 'visible' && input.direction !== 'provider_to_crm')
    throw new SyncError('validation', 'Matching against every visible person is offered for the one-way import only: an export or two-way sync keeps to the persons you own (C5).');
  await refuseOverlap(tenant, account, input.direction);
  const fieldMap = input.direction === 'crm_to_provider' ? undefined : await prepareCrmFields(tenant);
  const db = await getDb();
  const [existing] = await db
    .select({ sync: contactSyncs })
    .from(contactSyncs)
    .innerJoin(syncConnections, eq(syncConnections.id, contactSyncs.id))
    .where(and(eq(contactSyncs.crmUserId, tenant.crmUserId), eq(contactSyncs.providerAccountId, account.id), eq(contactSyncs.direction, input.direction), sql`${syncConnections.status} <> 'disabled'`));
  const values = {
    groupId: input.groupId ?? existing?.sync.groupId ?? null,
    groupName: input.groupName ?? (input.direction === 'crm_to_provider' ? EXPORT_GROUP_NAME[tenant.crm] : null),
    visibility: input.visibility ?? null,
    conflictPolicy: input.conflictPolicy ?? 'newest',
    matchByEmail: input.matchByEmail ?? false,
    matchScope: input.matchScope ?? 'own',
    fieldMap: fieldMap ?? existing?.sync.fieldMap ?? {},
    ...(input.expectedTotal != null && !existing?.sync.crmTotal ? { crmTotal: input.expectedTotal } : {}),
    updatedAt: new Date(),
  };
  let syncId: string;
  if (existing) {
    syncId = existing.sync.id;
    await db.update(contactSyncs).set(values).where(eq(contactSyncs.id, syncId));
  } else {
    syncId = await db.transaction(async (tx) => {
      // M5: the id commits to this CRM user, so its stamps stay provably theirs after an uninstall purge.
      const id = await createConnection({ id: ownerBoundSyncId(stampOwner(tenant)), installationId: tenant.installationId, crmUserId: tenant.crmUserId, kind: 'contacts', accountIds: [account.id] }, tx as unknown as Db);
      await tx.insert(contactSyncs).values({ id, installationId: tenant.installationId, crmUserId: tenant.crmUserId, providerAccountId: account.id, provider: account.provider, direction: input.direction, ...values });
      return id;
    });
  }
  await activate(syncId);
  // B1: CRM changes reach the provider within seconds where the CRM lets us register a webhook.
  if (input.direction !== 'provider_to_crm') await ensureCrmWebhook({ crm: tenant.crm, crmUserId: tenant.crmUserId, apiDomain: tenant.apiDomain });
  await jobQueue().request([runRequest({ id: syncId, installationId: tenant.installationId, crmUserId: tenant.crmUserId, provider: account.provider }, 'start')]);
  return { syncId, installationId: tenant.installationId, provider: account.provider };
}

export async function syncDashboard(tenant: Tenant, syncId: string) {
  const sync = await ownedSync(tenant, syncId);
  const db = await getDb();
  const [account] = await db.select().from(providerAccounts).where(eq(providerAccounts.id, sync.providerAccountId));
  const { last: lastRun, lastFinished } = await lastRuns(sync.id);
  const stateCounts = await db
    .select({ state: contactLinks.state, n: sql<number>`count(*)::int` })
    .from(contactLinks)
    .where(eq(contactLinks.syncId, sync.id))
    .groupBy(contactLinks.state);
  const count = (s: string) => stateCounts.find((c) => c.state === s)?.n ?? 0;
  const recent = await recentActivity(sync.id, ['added', 'updated', 'deleted', 'conflict', 'restored']);
  const skipped = await db
    .select({ id: contactLinks.id, crmId: contactLinks.crmId, remoteId: contactLinks.remoteId, label: contactLinks.label, reasonCode: contactLinks.skipCode, reason: contactLinks.skipReason })
    .from(contactLinks)
    .where(and(eq(contactLinks.syncId, sync.id), eq(contactLinks.state, 'skipped')))
    .orderBy(contactLinks.label)
    .limit(200);
  const restorable = await db
    .select({ id: contactLinks.id, label: contactLinks.label, deletedAt: contactLinks.deletedAt, side: contactLinks.deletedSide })
    .from(contactLinks)
    .where(and(eq(contactLinks.syncId, sync.id), eq(contactLinks.state, 'deleted'), sql`${contactLinks.deletedAt} > now() - make_interval(days => ${RESTORE_WINDOW_DAYS})`))
    .orderBy(desc(contactLinks.deletedAt))
    .limit(50);
  // B3: name the contacts a paused run would delete, so the user answers knowing which ones.
  const pendingIds = (sync.pendingDeletes ?? []).flatMap((p) => p.ids);
  const pendingItems = pendingIds.length
    ? await db
        .select({ id: contactLinks.id, label: contactLinks.label, crmId: contactLinks.crmId })
        .from(contactLinks)
        .where(and(eq(contactLinks.syncId, sync.id), inArray(contactLinks.id, pendingIds.slice(0, PENDING_DELETE_SAMPLE))))
        .orderBy(contactLinks.label)
    : [];
  const running = lastRun && (lastRun.status === 'running' || lastRun.status === 'queued');
  const [crmUser] = await db.select({ webhookId: crmUsers.webhookId, webhookError: crmUsers.webhookError }).from(crmUsers).where(eq(crmUsers.id, tenant.crmUserId));
  // B1/B8: a code the UI words in the user's language; the vendor's own message only as detail.
  const instant: { enabled: boolean; reason: 'webhook' | 'webhook_failed' | 'hourly'; detail: string | null } =
    sync.direction !== 'provider_to_crm' && crmUser?.webhookId
      ? { enabled: true, reason: 'webhook', detail: null }
      : sync.direction !== 'provider_to_crm' && crmUser?.webhookError
        ? { enabled: false, reason: 'webhook_failed', detail: crmUser.webhookError }
        : { enabled: false, reason: 'hourly', detail: null };
  // B1 the other way: how soon a change in Google or Outlook reaches the CRM (null when nothing is imported).
  const watch = sync.direction === 'crm_to_provider' ? null : await watchState(sync.id);
  return {
    sync: {
      id: sync.id,
      provider: sync.provider,
      account: account?.email ?? '',
      accountStatus: account?.status,
      direction: sync.direction,
      groupName: sync.groupName,
      status: sync.status,
      stage: sync.stage,
      lastRunAt: sync.lastRunAt,
      lastSuccessAt: sync.lastSuccessAt,
      nextRunAt: sync.nextRunAt,
      lastErrorCode: sync.lastErrorCode,
      lastErrorMessage: sync.lastErrorMessage,
      pendingDeletes: pendingIds.length,
      pendingDeleteItems: pendingItems.map((p) => ({ id: p.id, label: p.label ?? p.crmId ?? '', url: p.crmId ? personUrl(tenant, p.crmId) : null })),
      conflictPolicy: sync.conflictPolicy,
    },
    inSync: count('linked'),
    skippedCount: count('skipped'),
    run: lastRun
      ? {
          id: lastRun.id,
          status: lastRun.status,
          trigger: lastRun.trigger,
          phase: lastRun.phase,
          done: lastRun.progressDone,
          total: lastRun.progressTotal,
          counts: lastRun.counts,
          startedAt: lastRun.startedAt,
          finishedAt: lastRun.finishedAt,
          errorMessage: lastRun.errorMessage,
        }
      : null,
    running: !!running,
    instant,
    watch: watch && { mode: watch.mode, lastChangeAt: watch.lastChangeAt, detail: watch.detail },
    lastCounts: lastFinished?.counts ?? null,
    recent: recent.map((a) => ({ at: a.at, action: a.action, side: a.side, label: a.label, reasonCode: a.reasonCode, reason: a.reason, params: reasonParams(a.detail), url: a.crmId ? personUrl(tenant, a.crmId) : null })),
    skipped: skipped.map((s) => ({ id: s.id, label: s.label ?? s.crmId ?? s.remoteId ?? '', reasonCode: s.reasonCode, reason: s.reason, url: s.crmId ? personUrl(tenant, s.crmId) : null })),
    restorable,
  };
}

/** Reason parameters the UI interpolates (strings and numbers only). */
function reasonParams(detail: Record<string, unknown> | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(detail ?? {})) if (typeof v === 'string' || typeof v === 'number') out[k] = String(v);
  return out;
}

/** Refresh (C15): runs a sync now; if one is running, it runs once more after it. */
export async function refreshSync(tenant: Tenant, syncId: string) {
  const sync = await ownedSync(tenant, syncId);
  if (sync.status === 'needs_reconnect') throw new SyncError('auth_revoked', 'Reconnect the account first; then Refresh works again.');
  if (sync.status === 'paused_deletes') throw new SyncError('validation', 'This sync is waiting for you to confirm or cancel the deletes shown above.');
  if (sync.status === 'disabled') throw new SyncError('validation', 'This sync was stopped. Start it again from the setup.');
  const { alreadyRunning } = await requestRunNow(sync.id);
  await jobQueue().request([runRequest(sync, 'refresh')]);
  return { queued: !alreadyRunning, alreadyRunning };
}

/**
 * B4: Retry one skipped record. Its base state forgets what it last saw, so the next run (started now, a
 * complete pass) evaluates it again instead of taking it as unchanged; fixed records then sync.
 */
export async function retrySkipped(tenant: Tenant, syncId: string, linkId: string) {
  const sync = await ownedSync(tenant, syncId);
  const db = await getDb();
  const [link] = await db
    .update(contactLinks)
    .set({ crmUpdatedAt: null, snapshotHash: null, updatedAt: new Date() })
    .where(and(eq(contactLinks.id, linkId), eq(contactLinks.syncId, sync.id), eq(contactLinks.state, 'skipped')))
    .returning({ id: contactLinks.id });
  if (!link) throw new SyncError('not_found', 'That record is not skipped by this sync.');
  return refreshSync(tenant, sync.id);
}

/** B3: the user answered the paused-for-deletes prompt. Approve runs the deletes now; keep deletes nothing. */
export async function resolvePendingDeletes(tenant: Tenant, syncId: string, approve: boolean) {
  const sync = await ownedSync(tenant, syncId);
  if (sync.status !== 'paused_deletes') throw new SyncError('validation', 'There are no deletes waiting for confirmation.');
  const db = await getDb();
  if (approve) {
    await resumeAfterDeletes(sync.id, true);
    await jobQueue().request([runRequest(sync, 'confirm')]);
    return { rerun: true, unlinked: 0 };
  }
  // Keep everything: forget the vanished pairs so they are never deleted by this sync.
  const ids = (sync.pendingDeletes ?? []).flatMap((p) => p.ids);
  if (ids.length) await db.delete(contactLinks).where(and(eq(contactLinks.syncId, sync.id), inArray(contactLinks.id, ids)));
  await resumeAfterDeletes(sync.id, false);
  return { rerun: false, unlinked: ids.length };
}

/** Unlinks a provider account: tokens purged, its syncs stopped. Contacts stay where they are on both sides. */
export async function disconnectAccount(tenant: Tenant, accountId: string) {
  const account = await ownedAccount(tenant, accountId);
  // B1: delete the Graph subscriptions while the account's tokens still exist.
  await removeWatches({ accountId: account.id }).catch((error) => console.warn('[contacts] could not remove change watches', error));
  const db = await getDb();
  await db
    .update(providerAccounts)
    .set({ status: 'disconnected', accessTokenEnc: null, refreshTokenEnc: null, updatedAt: new Date() })
    .where(eq(providerAccounts.id, account.id));
  forgetCachedToken({ kind: 'provider_account', id: account.id });
  const ids = await disable({ accountId: account.id });
  await jobQueue().cancel(ids).catch(() => undefined);
  await dropWebhookIfUnused(tenant);
  return { syncIds: ids };
}

export async function stopSync(tenant: Tenant, syncId: string) {
  const sync = await ownedSync(tenant, syncId);
  await removeWatches({ connectionIds: [sync.id] }).catch((error) => console.warn('[contacts] could not remove change watches', error));
  await disable({ ids: [sync.id] });
  await jobQueue().cancel([sync.id]).catch(() => undefined);
  await dropWebhookIfUnused(tenant);
}

/** The person webhook stays only while an exporting sync of this user needs it. */
export async function dropWebhookIfUnused(tenant: Tenant) {
  const db = await getDb();
  const still = await db
    .select({ id: contactSyncs.id })
    .from(contactSyncs)
    .innerJoin(syncConnections, eq(syncConnections.id, contactSyncs.id))
    .where(and(eq(contactSyncs.crmUserId, tenant.crmUserId), inArray(contactSyncs.direction, ['crm_to_provider', 'two_way']), sql`${syncConnections.status} <> 'disabled'`));
  if (still.length === 0) await removeCrmWebhook({ crm: tenant.crm, crmUserId: tenant.crmUserId, apiDomain: tenant.apiDomain });
}

/**
 * C7: the visibility levels the company's plan offers for persons Synclane creates, read from Pipedrive's own
 * `visible_to` person field (2-level plans: owner & followers / entire company; 4-level plans: owner, group,
 * group and sub-groups, entire company). Teamleader has no per-record visibility.
 */
export async function visibilityOptions(tenant: Tenant): Promise<{ options: { value: number; label: string }[] }> {
  if (tenant.crm !== 'pipedrive') return { options: [] };
  const client = crmFor(tenant) as ReturnType<typeof crmFor> & { listPersonFields(): Promise<{ key: string; options?: { id: string | number; label: string }[] | null }[]> };
  const field = (await client.listPersonFields()).find((f) => f.key === 'visible_to');
  return { options: (field?.options ?? []).map((o) => ({ value: Number(o.id), label: o.label })).filter((o) => [1, 3, 5, 7].includes(o.value)) };
}
