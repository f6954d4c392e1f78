/** The contact pillar's registry entry: how the runtime runs, schedules and describes contact sync. */
import { and, eq, inArray, sql } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { contactSyncs, providerAccounts, syncConnections } from '@/db/schema';
import type { Pillar } from '@/lib/sync/runtime/pillar';
import { runContactSync, ZContactRunRequest, type ContactRunRequest } from './run';
import { ensureWatch, maintainWatches, pollDueWatches, runAgainIfNotified } from './watch';

const EXPORTING = ['crm_to_provider', 'two_way'] as const;

export const contactsPillar: Pillar<ContactRunRequest> = {
  kind: 'contacts',
  event: ZContactRunRequest,
  throttle: { limit: 60, period: '1m', burst: 10 },
  async run(ctx) {
    const startedAt = await ctx.step.run('started-at', async () => new Date().toISOString());
    const outcome = await runContactSync(ctx);
    // B1: an importing connection gets its change watch (Graph subscription / Google poll) after its first
    // good run; later runs only confirm it. A change notified during this run gets one more run. Never fails the run.
    await ctx.step.run('watch-changes', async () => {
      await ensureWatch(ctx.request.connectionId).catch((error) => console.warn('[watch] setup failed', error));
      await runAgainIfNotified(ctx.request.connectionId, new Date(startedAt)).catch((error) => console.warn('[watch] follow-up request failed', error));
    });
    return outcome;
  },

  async requestsFor(connections, trigger) {
    if (!connections.length) return [];
    const db = await getDb();
    const rows = await db
      .select({ id: contactSyncs.id, provider: contactSyncs.provider })
      .from(contactSyncs)
      .where(inArray(contactSyncs.id, connections.map((c) => c.id)));
    const provider = new Map(rows.map((r) => [r.id, r.provider]));
    return connections
      .filter((c) => provider.has(c.id))
      .map((c) => ({ kind: 'contacts' as const, connectionId: c.id, installationId: c.installationId, crmUserId: c.crmUserId, trigger, provider: provider.get(c.id)!, throttleKey: provider.get(c.id)! }));
  },

  /** B1: a CRM person/contact changed → the user's exporting syncs run; a delete asks for a complete listing. */
  async onCrmChange(change) {
    if (change.entity !== 'person' && change.entity !== 'contact') return [];
    const db = await getDb();
    const rows = await db
      .select({ id: contactSyncs.id, provider: contactSyncs.provider, installationId: contactSyncs.installationId })
      .from(contactSyncs)
      .innerJoin(syncConnections, eq(syncConnections.id, contactSyncs.id))
      .where(and(eq(contactSyncs.crmUserId, change.crmUserId), eq(syncConnections.status, 'active'), sql`${syncConnections.startedAt} is not null`, inArray(contactSyncs.direction, [...EXPORTING])));
    const fullSweep = /delete/.test(change.action);
    return rows.map((r) => ({ kind: 'contacts' as const, connectionId: r.id, installationId: r.installationId, crmUserId: change.crmUserId, trigger: 'webhook' as const, provider: r.provider, throttleKey: r.provider, fullSweep }));
  },

  /** B1: Google has no push — sync-token checks on the adaptive cadence (watch.ts, poll-cadence.ts). */
  poll: (at) => pollDueWatches(at),
  /** B1: Graph subscriptions created, renewed before expiry, retried, removed when the connection stops importing. */
  async maintain(at) {
    await maintainWatches(at);
  },

  async describe(tenant) {
    const db = await getDb();
    const accounts = await db
      .select({ email: providerAccounts.email, status: providerAccounts.status })
      .from(providerAccounts)
      .where(and(eq(providerAccounts.installationId, tenant.installationId), eq(providerAccounts.crmUserId, tenant.crmUserId), inArray(providerAccounts.provider, ['google', 'microsoft'])));
    const [{ n, running }] = (await db
      .select({ n: sql<number>`count(*)::int`, running: sql<number>`(count(*) filter (where ${syncConnections.stage} <> 'idle'))::int` })
      .from(syncConnections)
      .where(and(eq(syncConnections.crmUserId, tenant.crmUserId), eq(syncConnections.kind, 'contacts'), sql`${syncConnections.startedAt} is not null`, sql`${syncConnections.status} <> 'disabled'`))) as [{ n: number; running: number }];
    const live = accounts.filter((a) => a.status !== 'disconnected');
    return {
      id: 'contacts',
      available: true,
      state: live.some((a) => a.status === 'needs_reconnect') ? 'needs_reconnect' : live.length ? 'connected' : 'not_connected',
      accounts: live.map((a) => a.email),
      activeSyncs: n,
      runningSyncs: running,
    };
  },
};
