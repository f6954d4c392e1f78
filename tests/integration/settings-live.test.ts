/**
 * C13 live run state on the settings page: every pillar's card reports how many of the user's syncs are
 * running now from the shared runtime (the page re-reads it while something runs, components/sync/live-poll).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestApp, NORTHWIND, type TestApp } from '../support/harness';
import { getDb } from '@/db/client';
import { syncConnections } from '@/db/schema';
import { describeIntegrations } from '@/lib/integrations';
import { createConnection } from '@/lib/sync/runtime/connections';
import { PILLARS } from '@/lib/sync/registry';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => app?.close());

describe('C13: "N running now" on every card', () => {
  it('C13: a running connection of any pillar is counted on its card, and stops being counted when it ends', async () => {
    const tenant = await app.installPipedrive(NORTHWIND.admin);
    const db = await getDb();
    const ids: Record<string, string> = {};
    for (const p of PILLARS) {
      ids[p.kind] = await createConnection({ installationId: tenant.installationId, crmUserId: tenant.crmUserId, kind: p.kind, accountIds: [] });
      await db.update(syncConnections).set({ status: 'active', startedAt: new Date(), stage: 'running' }).where(eq(syncConnections.id, ids[p.kind]!));
    }
    const running = await describeIntegrations(tenant);
    for (const card of running.filter((c) => c.available)) expect({ id: card.id, running: card.runningSyncs }).toEqual({ id: card.id, running: 1 });

    for (const id of Object.values(ids)) await db.update(syncConnections).set({ stage: 'idle' }).where(eq(syncConnections.id, id));
    const idle = await describeIntegrations(tenant);
    for (const card of idle.filter((c) => c.available)) expect({ id: card.id, running: card.runningSyncs }).toEqual({ id: card.id, running: 0 });
  });
});
