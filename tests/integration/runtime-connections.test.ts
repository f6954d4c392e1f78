/**
 * R1/B10: the runtime is pillar-agnostic — a pillar it has never seen runs through the same bookkeeping — and the
 * connection state machine's named transitions do what the dashboard promises.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { createTestApp, NORTHWIND, type TestApp } from '../support/harness';
import { getDb } from '@/db/client';
import { activity, syncConnections, syncRuns } from '@/db/schema';
import { SyncError } from '@/lib/errors';
import { activate, createConnection, disable, loadConnection, markNeedsReconnect, markReconnected, resumeAfterDeletes } from '@/lib/sync/runtime/connections';
import { ZRunRequest, type RunRequest } from '@/lib/sync/runtime/events';
import { executeRun, recordRunFailure } from '@/lib/sync/runtime/execute';
import { recordActivity } from '@/lib/sync/runtime/activity';
import type { Pillar } from '@/lib/sync/runtime/pillar';
import { FAILURES_BEFORE_ERROR_STATUS } from '@/lib/sync/runtime/retry-policy';
import type { Tenant } from '@/lib/tenant';

let app: TestApp;
let tenant: Tenant;
let accountId: string;
let behaviour: 'ok' | 'pause' | 'fail' = 'ok';

/** A pillar of a kind the registry does not know: only the runtime contract. */
const testPillar: Pillar<RunRequest> = {
  kind: 'test',
  event: ZRunRequest.extend({ kind: z.literal('test') }),
  throttle: { limit: 10, period: '1m' },
  async run(ctx) {
    await ctx.step.run('page-0', async () => {
      await ctx.progress(3, { added: 2, skipped: 1 }, 'preparing');
      await recordActivity([{ installationId: ctx.request.installationId, connectionId: ctx.request.connectionId, runId: ctx.runId, action: 'skipped', side: 'crm', label: 'big.pdf', reasonCode: 'crm_rejected', reason: 'too large' }]);
    });
    if (behaviour === 'fail') throw new SyncError('temporary', 'HTTP 503');
    if (behaviour === 'pause') {
      await ctx.pauseForDeletes([{ side: 'provider', ids: ['a', 'b'] }]);
      return { status: 'paused' };
    }
    return { status: 'succeeded' };
  },
  requestsFor: async () => [],
  describe: async () => ({ id: 'test', available: true, state: 'connected' }),
};

async function newConnection() {
  const id = await createConnection({ installationId: tenant.installationId, crmUserId: tenant.crmUserId, kind: 'test', accountIds: [accountId] });
  await activate(id);
  return id;
}
const request = (id: string, trigger: RunRequest['trigger'] = 'refresh'): RunRequest => ({ kind: 'test', connectionId: id, installationId: tenant.installationId, crmUserId: tenant.crmUserId, trigger, throttleKey: 'test' });
const shim = { run: <T>(_id: string, fn: () => Promise<T>) => fn() };

beforeAll(async () => {
  app = await createTestApp();
  tenant = await app.installPipedrive(NORTHWIND.admin);
  accountId = await app.linkGoogle(tenant, 'olivia.northwind@gmail.com');
});
afterAll(async () => app?.close());

describe('R1 a new pillar needs only the runtime contract', () => {
  it('R1: a run of an unknown kind gets a run row, progress, counts and activity with a reason code; the connection goes idle, due in an hour', async () => {
    behaviour = 'ok';
    const id = await newConnection();
    const r = await executeRun(testPillar, shim, request(id));
    expect(r.status).toBe('succeeded');
    const db = await getDb();
    const [run] = await db.select().from(syncRuns).where(eq(syncRuns.connectionId, id));
    expect(run).toMatchObject({ kind: 'test', status: 'succeeded', progressDone: 3, phase: 'done' });
    expect(run!.counts).toMatchObject({ added: 2, skipped: 1 });
    const [a] = await db.select().from(activity).where(eq(activity.connectionId, id));
    expect(a).toMatchObject({ reasonCode: 'crm_rejected', reason: 'too large', runId: run!.id });
    const c = (await loadConnection(id))!;
    expect(c).toMatchObject({ stage: 'idle', status: 'active', consecutiveFailures: 0 });
    expect(c.nextRunAt!.getTime() - c.lastSuccessAt!.getTime()).toBeGreaterThan(59 * 60_000);
  });

  it('R1: a request that does not match the pillar schema is refused before anything is written', async () => {
    const id = await newConnection();
    await expect(executeRun(testPillar, shim, { ...request(id), kind: 'contacts' })).rejects.toMatchObject({ code: 'validation' });
    const db = await getDb();
    expect(await db.select().from(syncRuns).where(eq(syncRuns.connectionId, id))).toEqual([]);
  });

  it('B3: a paused run waits for the answer: other triggers are skipped, `confirm` runs; keep clears the pending list', async () => {
    behaviour = 'pause';
    const id = await newConnection();
    expect((await executeRun(testPillar, shim, request(id))).status).toBe('paused');
    expect((await loadConnection(id))!).toMatchObject({ status: 'paused_deletes', pendingDeletes: [{ side: 'provider', ids: ['a', 'b'] }] });
    expect((await executeRun(testPillar, shim, request(id, 'hourly'))).status).toBe('skipped');
    await resumeAfterDeletes(id, false);
    expect((await loadConnection(id))!).toMatchObject({ status: 'active', pendingDeletes: null });
  });

  it('B10: failed runs are counted; after several in a row the connection shows `error`, and a good run clears it', async () => {
    behaviour = 'fail';
    const id = await newConnection();
    for (let i = 1; i <= FAILURES_BEFORE_ERROR_STATUS; i++) {
      await expect(executeRun(testPillar, shim, request(id))).rejects.toMatchObject({ code: 'temporary' });
      await recordRunFailure(request(id), new SyncError('temporary', 'HTTP 503'));
      const c = (await loadConnection(id))!;
      expect(c.consecutiveFailures).toBe(i);
      expect(c.status).toBe(i < FAILURES_BEFORE_ERROR_STATUS ? 'active' : 'error');
      expect(c.stage).toBe('idle');
    }
    const db = await getDb();
    expect((await db.select().from(syncRuns).where(eq(syncRuns.connectionId, id))).every((r) => r.status === 'failed' && r.errorCode === 'temporary')).toBe(true);
    behaviour = 'ok';
    expect((await executeRun(testPillar, shim, request(id))).status).toBe('succeeded');
    expect((await loadConnection(id))!).toMatchObject({ status: 'active', consecutiveFailures: 0, lastErrorCode: null });
  });

  it('R2: revoking an account pauses exactly the connections that use it; linking it again resumes them; disabled stays disabled', async () => {
    behaviour = 'ok';
    const a = await newConnection();
    const b = await newConnection();
    const other = await createConnection({ installationId: tenant.installationId, crmUserId: tenant.crmUserId, kind: 'test', accountIds: [] });
    await activate(other);
    await disable({ ids: [b] });
    const paused = await markNeedsReconnect({ accountId }, 'revoked');
    expect(paused).toContain(a);
    expect(paused).not.toContain(other);
    expect((await loadConnection(b))!.status).toBe('disabled');
    expect((await executeRun(testPillar, shim, request(a))).status).toBe('skipped');
    expect(await markReconnected({ accountId })).toContain(a);
    expect((await loadConnection(a))!).toMatchObject({ status: 'active', lastErrorCode: null });
    expect((await loadConnection(b))!.status).toBe('disabled');
    const db = await getDb();
    expect((await db.select().from(syncConnections).where(eq(syncConnections.id, other)))[0]!.status).toBe('active');
  });
});
