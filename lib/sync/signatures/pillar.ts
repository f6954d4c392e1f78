/** The Dropbox Sign archive's registry entry: how the runtime runs, schedules and describes it (S1–S3, B7). */
import { and, eq, inArray, sql } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { providerAccounts, signatureArchives, syncConnections } from '@/db/schema';
import type { Pillar } from '@/lib/sync/runtime/pillar';
import { runSignatureArchive, SIGNATURES_KIND, ZSignatureRunRequest, type SignatureRunRequest } from './run';
import { runTeamArchive } from './team-run';
import type { RunContext } from '@/lib/sync/runtime/pillar';

/** One kind for both archives: a user's own (S1–S3) and an admin's team archive (S4), told apart by the row. */
async function runArchive(ctx: RunContext<SignatureRunRequest>) {
  const scope = await ctx.step.run('scope', async () => {
    const db = await getDb();
    const [row] = await db.select({ scope: signatureArchives.scope }).from(signatureArchives).where(eq(signatureArchives.id, ctx.request.connectionId));
    return row?.scope ?? 'user';
  });
  return scope === 'team' ? runTeamArchive(ctx) : runSignatureArchive(ctx);
}

/** The settings card's id (the page's copy and section are keyed by it). */
export const SIGNATURES_CARD_ID = 'dropbox-sign';

export const signaturesPillar: Pillar<SignatureRunRequest> = {
  kind: SIGNATURES_KIND,
  event: ZSignatureRunRequest,
  // Dropbox Sign allows 100 standard and 25 file requests per minute per account.
  throttle: { limit: 20, period: '1m', burst: 5 },
  run: runArchive,

  async requestsFor(connections, trigger) {
    if (!connections.length) return [];
    const db = await getDb();
    const rows = await db.select({ id: signatureArchives.id }).from(signatureArchives).where(inArray(signatureArchives.id, connections.map((c) => c.id)));
    const known = new Set(rows.map((r) => r.id));
    return connections
      .filter((c) => known.has(c.id))
      .map((c) => ({ kind: SIGNATURES_KIND, connectionId: c.id, installationId: c.installationId, crmUserId: c.crmUserId, trigger, throttleKey: 'dropbox-sign' }));
  },

  async describe(tenant) {
    const db = await getDb();
    const accounts = await db
      .select({ email: providerAccounts.email, status: providerAccounts.status })
      .from(providerAccounts)
      .where(and(eq(providerAccounts.installationId, tenant.installationId), eq(providerAccounts.crmUserId, tenant.crmUserId), eq(providerAccounts.provider, 'dropbox_sign')));
    const [{ n }] = (await db
      .select({ n: sql<number>`count(*)::int` })
      .from(syncConnections)
      .where(and(eq(syncConnections.crmUserId, tenant.crmUserId), eq(syncConnections.kind, SIGNATURES_KIND), sql`${syncConnections.startedAt} is not null`, sql`${syncConnections.status} <> 'disabled'`))) as [{ n: number }];
    const live = accounts.filter((a) => a.status !== 'disconnected');
    return {
      id: SIGNATURES_CARD_ID,
      available: true,
      state: live.some((a) => a.status === 'needs_reconnect') ? 'needs_reconnect' : live.length ? 'connected' : 'not_connected',
      accounts: live.map((a) => a.email),
      activeSyncs: n,
    };
  },
};
