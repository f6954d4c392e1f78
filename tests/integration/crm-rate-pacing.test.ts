/**
 * Quota-bound CRM calls are paced by the vendor's own limit headers: N parallel callers against the emulated
 * CRMs with their rate limits on never see a 429, and the calls do not finish faster than the limit allows
 * (so the limit was really in play).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/harness';
import { crmClientFor } from '@/lib/crm';
import { createTeamleaderClient } from '@/lib/crm/teamleader/client';
import { refreshTeamleaderToken } from '@/lib/crm/teamleader/oauth';
import { isUnauthorized } from '@/lib/crm/http';
import { RatePacer } from '@/lib/crm/rate-pacer';
import { withAccessToken } from '@/lib/auth/token-manager';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => {
  await app.close();
});

const parallel = <T>(callers: number, perCaller: number, call: (i: number) => Promise<T>) =>
  Promise.all(Array.from({ length: callers }, async (_, c) => {
    for (let k = 0; k < perCaller; k++) await call(c * perCaller + k);
  }));

describe('CRM rate pacing (Performance: run at, never over, the allowed rate)', () => {
  it('Pipedrive: 8 parallel callers, 240 person creates under the real burst limit (80 per 2 s): no 429', async () => {
    const tenant = await app.installPipedrive();
    // Lite plan's limit for OAuth apps (the emulator otherwise follows the company's plan).
    app.sandbox.pipedrive.config({ burstLimit: 80 });
    expect(app.sandbox.pipedrive.summary().settings.burstLimit).toBe(80);
    const client = crmClientFor({ id: tenant.crmUserId, crm: 'pipedrive', apiDomain: tenant.apiDomain });
    app.sandbox.pipedrive.resetRequestCounts();
    const t0 = performance.now();
    await parallel(8, 30, (i) => client.createPerson({ firstName: 'Paced', lastName: `Caller ${i}`, name: `Paced Caller ${i}` }));
    const seconds = (performance.now() - t0) / 1000;
    expect(app.sandbox.pipedrive.requestCounts()['POST /api/v2/persons']).toBe(240);
    // 240 calls at 80 per 2 s need at least two full windows after the first burst.
    expect(seconds).toBeGreaterThan(4);
  });

  it('Teamleader: 6 parallel callers, 90 calls under a 30-per-3-s window read from the headers: no 429', async () => {
    const tenant = await app.installTeamleader();
    app.sandbox.teamleader.config({ rateLimitPerMinute: 30, rateLimitWindowSeconds: 3 });
    // The real window is 60 s (lib/crm/rate-pacer TEAMLEADER_RATE); this test shrinks it on both sides to stay short.
    const pacer = new RatePacer({ limit: 200, windowMs: 3000 });
    const client = createTeamleaderClient({
      pacer,
      withToken: (call) => withAccessToken({ kind: 'crm_user', id: tenant.crmUserId }, refreshTeamleaderToken, call, isUnauthorized),
    });
    const t0 = performance.now();
    await parallel(6, 15, () => client.call('users.me'));
    expect(pacer.limit).toBe(30); // learnt from X-RateLimit-Limit
    expect((performance.now() - t0) / 1000).toBeGreaterThan(6);
  });
});
