/** The integrations this app offers and their real state for one CRM user (the settings page's cards). */
import { and, eq, isNotNull, ne, sql } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { syncConnections } from '@/db/schema';
import type { IntegrationCard } from '@/lib/sync/runtime/pillar';
import { PILLARS, UPCOMING_PILLARS } from '@/lib/sync/registry';
import type { Tenant } from '@/lib/tenant';

export type { IntegrationCard as IntegrationState } from '@/lib/sync/runtime/pillar';

export async function describeIntegrations(tenant: Tenant): Promise<IntegrationCard[]> {
  const [live, running] = await Promise.all([Promise.all(PILLARS.map((p) => p.describe(tenant))), runningByKind(tenant)]);
  // "N running now" for every pillar from the shared runtime's stage, so each card can show it live (C13).
  const cards = live.map((card, i) => ({ ...card, runningSyncs: card.runningSyncs ?? running.get(PILLARS[i]!.kind) ?? 0 }));
  return [...cards, ...UPCOMING_PILLARS.map((id): IntegrationCard => ({ id, available: false, state: 'unavailable' }))];
}

/** The user's started connections that are queued or running now, by pillar kind. */
async function runningByKind(tenant: Tenant): Promise<Map<string, number>> {
  const db = await getDb();
  const rows = await db
    .select({ kind: syncConnections.kind, n: sql<number>`count(*)::int` })
    .from(syncConnections)
    .where(and(eq(syncConnections.crmUserId, tenant.crmUserId), isNotNull(syncConnections.startedAt), ne(syncConnections.status, 'disabled'), ne(syncConnections.stage, 'idle')))
    .groupBy(syncConnections.kind);
  return new Map(rows.map((r) => [r.kind, r.n]));
}
