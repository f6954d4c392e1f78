/**
 * Performance / R1: Pipedrive's daily token budget (30,000 × plan multiplier × seats per company) is
 * respected — once Pipedrive answers that it is spent, the sync stops calling Pipedrive until the reset
 * instead of hammering it, and a burst-limit 429 is not mistaken for it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, NORTHWIND, type TestApp } from '../support/harness';
import { crmClientFor } from '@/lib/crm';
import { SyncError } from '@/lib/errors';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => app?.close());

describe('Pipedrive daily token budget', () => {
  it('Performance: a burst 429 is not the daily budget; after a daily-budget 429 no call reaches Pipedrive until the reset', async () => {
    const tenant = await app.installPipedrive(NORTHWIND.admin);
    const client = crmClientFor({ id: tenant.crmUserId, crm: 'pipedrive', apiDomain: tenant.apiDomain });
    const [someone] = app.sandbox.pipedrive.persons(NORTHWIND.companyId);

    // The burst window is full (remaining 0): a short wait, and the next call goes to Pipedrive again.
    app.sandbox.pipedrive.faults.add({ method: 'GET', path: 'api/v2/persons/', status: 429, times: 1, headers: { 'x-ratelimit-limit': '160', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1' }, body: { success: false, error: 'Request over limit' } });
    const burst = await client.getPerson(String(someone!.id)).catch((e: unknown) => e);
    expect((burst as SyncError).code).toBe('rate_limited');
    expect((burst as SyncError).options.retryAfterMs).toBeLessThanOrEqual(2_000);
    expect((await client.getPerson(String(someone!.id)))?.id).toBe(String(someone!.id));

    // The company's day is spent: Pipedrive answers 429 while the burst window has room.
    app.sandbox.pipedrive.config(NORTHWIND.companyId, { dailyTokenBudget: 0 });
    app.sandbox.pipedrive.resetRequestCounts();
    const daily = await client.getPerson(String(someone!.id)).catch((e: unknown) => e);
    expect(daily).toBeInstanceOf(SyncError);
    expect((daily as SyncError).code).toBe('rate_limited');
    // Waits for the reset (next midnight), not for a burst window.
    expect((daily as SyncError).options.retryAfterMs).toBeGreaterThan(60_000);
    expect(app.sandbox.pipedrive.requestCount()).toBe(1);

    // Every later call of the company fails at once without reaching Pipedrive, whichever user's client makes it.
    const other = await app.installPipedrive(NORTHWIND.regular).catch(() => null);
    const clients = [client, ...(other ? [crmClientFor({ id: other.crmUserId, crm: 'pipedrive', apiDomain: other.apiDomain })] : [])];
    for (const c of clients) {
      const e = await c.createPerson({ firstName: 'Never', lastName: 'Sent', name: 'Never Sent' }).catch((x: unknown) => x);
      expect((e as SyncError).code).toBe('rate_limited');
    }
    expect(app.sandbox.pipedrive.requestCounts()['POST /api/v2/persons'] ?? 0).toBe(0);
  }, 120_000);
});
