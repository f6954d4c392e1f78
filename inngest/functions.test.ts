/**
 * R1 on Inngest: the hourly cron fans out one event per connection with a per-hour event id; the sync
 * function's flow control (singleton per connection, per-provider throttle, cancelOn, retries) and its
 * error mapping. Flow control is a server feature (stack-probe §3.3), so it is asserted on the config.
 */
import { InngestTestEngine } from '@inngest/test';
import { NonRetriableError, RetryAfterError } from 'inngest';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  vi.stubEnv('ENCRYPTION_KEY', Buffer.alloc(32, 1).toString('base64'));
  vi.stubEnv('AUTH_SECRET', 'a'.repeat(40));
  vi.stubEnv('INNGEST_EVENT_KEY', 'test-event-key');
});

vi.mock('@/lib/sync/contacts/run', () => ({
  runContactSyncJob: vi.fn(),
  recordRunFailure: vi.fn(async () => undefined),
  listSyncsForHourlyRun: vi.fn(async () => []),
  resetStuckSyncs: vi.fn(async () => 0),
}));
// The hourly tick also purges uninstalled users' data (M5); never touch a real database here.
vi.mock('@/lib/installations', () => ({ purgeUninstalledData: vi.fn(async () => 0) }));

import { EVENTS, RetryLaterError, type ContactSyncEventData } from '@/lib/jobs/step';
import { SyncError } from '@/lib/errors';
import { purgeUninstalledData } from '@/lib/installations';
import { listSyncsForHourlyRun, recordRunFailure, runContactSyncJob } from '@/lib/sync/contacts/run';
import { contactsHourly, contactsSync, functions } from './functions';

const syncEvent = (data: Partial<ContactSyncEventData> = {}) => ({
  name: EVENTS.syncRequested,
  data: { syncId: 'sync-1', installationId: 'inst-1', provider: 'google', trigger: 'refresh', ...data } satisfies ContactSyncEventData,
});

type FnConfig = {
  id: string;
  triggers: ({ cron: string } | { event: string })[];
  singleton?: { key: string; mode: string };
  throttle?: { key: string; limit: number; period: string; burst?: number };
  cancel?: { event: string; if?: string; timeout?: string }[];
  steps: Record<string, { retries?: { attempts?: number } }>;
};
const handler = () => (contactsSync as unknown as { fn: (ctx: { event: unknown; step: unknown }) => Promise<unknown> }).fn;
const configOf = (fn: typeof contactsSync | typeof contactsHourly): FnConfig[] =>
  (fn as unknown as { getConfig(o: { baseUrl: URL; appPrefix: string }): FnConfig[] }).getConfig({ baseUrl: new URL('http://localhost:3000/api/inngest'), appPrefix: 'synclane' });

beforeEach(() => {
  vi.mocked(runContactSyncJob).mockReset();
  vi.mocked(recordRunFailure).mockClear();
});
afterEach(() => vi.useRealTimers());

describe('contacts-hourly (C16, R1)', () => {
  it('R1/C16: fans out one contacts/sync.requested per connection with event id hourly-<syncId>-<hour>', async () => {
    const before = new Date().toISOString().slice(0, 13);
    const t = new InngestTestEngine({
      function: contactsHourly,
      steps: [
        {
          id: 'load-connections',
          handler: () => [
            { syncId: 'sync-a', installationId: 'inst-1', provider: 'google' },
            { syncId: 'sync-b', installationId: 'inst-2', provider: 'microsoft' },
          ],
        },
        { id: 'fan-out', handler: () => ({ ids: ['e1', 'e2'] }) },
      ],
    });
    const { result, ctx } = await t.execute();
    const after = new Date().toISOString().slice(0, 13);
    expect(result).toEqual({ fannedOut: 2 });
    expect(ctx.step.sendEvent).toHaveBeenCalledTimes(1);
    const [id, events] = ctx.step.sendEvent.mock.calls[0]! as [string, { id: string }[]];
    expect(id).toBe('fan-out');
    const hour = events[0]!.id.slice(-13);
    expect([before, after]).toContain(hour);
    expect(hour).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}$/);
    expect(events).toEqual([
      { name: 'contacts/sync.requested', id: `hourly-sync-a-${hour}`, data: { syncId: 'sync-a', installationId: 'inst-1', provider: 'google', trigger: 'hourly' } },
      { name: 'contacts/sync.requested', id: `hourly-sync-b-${hour}`, data: { syncId: 'sync-b', installationId: 'inst-2', provider: 'microsoft', trigger: 'hourly' } },
    ]);
  });

  it('R1/C16: the event id is stable within an hour and changes with the hour (re-sends are no-ops)', async () => {
    vi.mocked(listSyncsForHourlyRun).mockResolvedValue([{ syncId: 's', installationId: 'i', provider: 'google' }] as never);
    const ids: string[] = [];
    const step = { run: (_id: string, fn: () => unknown) => fn(), sendEvent: vi.fn(async (_id: string, evts: { id: string }[]) => void ids.push(...evts.map((e) => e.id))) };
    const hourly = (contactsHourly as unknown as { fn: (ctx: unknown) => Promise<unknown> }).fn;
    vi.useFakeTimers({ toFake: ['Date'] });
    for (const at of ['2025-06-01T14:00:00Z', '2025-06-01T14:59:59Z', '2025-06-01T15:00:00Z']) {
      vi.setSystemTime(new Date(at));
      await hourly({ step });
    }
    vi.mocked(listSyncsForHourlyRun).mockReset();
    expect(ids).toEqual(['hourly-s-2025-06-01T14', 'hourly-s-2025-06-01T14', 'hourly-s-2025-06-01T15']);
  });

  it('C16: no connections due → no events sent', async () => {
    const t = new InngestTestEngine({ function: contactsHourly, steps: [{ id: 'load-connections', handler: () => [] }] });
    const { result, ctx } = await t.execute();
    expect(result).toEqual({ fannedOut: 0 });
    expect(ctx.step.sendEvent).not.toHaveBeenCalled();
  });

  it('R1/M5: unmocked, the steps purge uninstalled data (M5) then call listSyncsForHourlyRun', async () => {
    vi.mocked(listSyncsForHourlyRun).mockResolvedValueOnce([]);
    vi.mocked(purgeUninstalledData).mockClear();
    const t = new InngestTestEngine({ function: contactsHourly });
    const { result, ctx } = await t.execute();
    expect(result).toEqual({ fannedOut: 0 });
    expect(purgeUninstalledData).toHaveBeenCalledTimes(1);
    expect(listSyncsForHourlyRun).toHaveBeenCalledTimes(1);
    expect(ctx.step.run.mock.calls.map((c) => c[0])).toEqual(['purge-uninstalled', 'load-connections']);
  });

  it('R1/C16: runs on an hourly cron', () => {
    const [cfg] = configOf(contactsHourly);
    expect(cfg!.triggers).toEqual([{ cron: '0 * * * *' }]);
  });
});

describe('contacts-sync configuration (R1)', () => {
  const cfg = () => configOf(contactsSync).find((c) => !c.id.endsWith('-failure'))!;

  it('R1: is triggered by contacts/sync.requested', () => {
    expect(cfg().triggers).toEqual([{ event: 'contacts/sync.requested' }]);
  });

  it('R1: one run per connection at a time (singleton on event.data.syncId, mode skip)', () => {
    expect(cfg().singleton).toEqual({ key: 'event.data.syncId', mode: 'skip' });
  });

  it('R1: throttled per provider', () => {
    expect(cfg().throttle).toMatchObject({ key: 'event.data.provider', limit: 60, period: '1m' });
  });

  it('R1: cancelled on contacts/sync.cancelled for the same syncId and on crm/user.uninstalled for the same installation', () => {
    const cancel = cfg().cancel ?? [];
    expect(cancel).toHaveLength(2);
    const byEvent = Object.fromEntries(cancel.map((c) => [c.event, c]));
    expect(byEvent['contacts/sync.cancelled']?.if).toBe('event.data.syncId == async.data.syncId');
    expect(byEvent['crm/user.uninstalled']?.if).toBe('async.data.installationId == event.data.installationId');
  });

  it('R1: retries are bounded (4)', () => {
    expect(Object.values(cfg().steps)[0]?.retries?.attempts).toBe(4);
    expect((contactsSync as unknown as { opts: { retries: number } }).opts.retries).toBe(4);
  });

  it('R1: a failure handler is registered (records the failed run on the connection)', () => {
    const all = configOf(contactsSync);
    expect(all.map((c) => c.id)).toEqual(expect.arrayContaining([expect.stringMatching(/contacts-sync$/), expect.stringMatching(/contacts-sync-failure$/)]));
  });

  it('both functions are served', () => {
    expect(functions).toEqual([contactsHourly, contactsSync]);
  });
});

describe('contacts-sync body (R1 error mapping)', () => {
  it('R1: runs the job body with the event data and returns its result', async () => {
    vi.mocked(runContactSyncJob).mockResolvedValueOnce({ status: 'ok', runId: 'run-1', counts: undefined } as never);
    const t = new InngestTestEngine({ function: contactsSync, events: [syncEvent()] });
    const { result } = await t.execute();
    expect(result).toEqual({ status: 'ok', runId: 'run-1' });
    expect(runContactSyncJob).toHaveBeenCalledWith(expect.anything(), syncEvent().data);
  });

  it('R1: a RetryLaterError from the job fails the attempt as Inngest RetryAfterError (not recorded as a failure)', async () => {
    vi.mocked(runContactSyncJob).mockRejectedValueOnce(new RetryLaterError('Google asked us to wait', 30_000));
    const t = new InngestTestEngine({ function: contactsSync, events: [syncEvent()] });
    const { error, result } = await t.execute();
    expect(result).toBeUndefined();
    expect(error).toMatchObject({ name: 'RetryAfterError', message: 'Google asked us to wait' });
    expect(recordRunFailure).not.toHaveBeenCalled();
  });

  it('R1: the RetryAfterError carries the requested delay and the original error as cause', async () => {
    const original = new RetryLaterError('Graph 429', 45_000);
    vi.mocked(runContactSyncJob).mockRejectedValueOnce(original);
    const step = { run: vi.fn((_id: string, fn: () => unknown) => fn()) };
    const err = await handler()({ event: syncEvent(), step }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryAfterError);
    expect((err as RetryAfterError).retryAfter).toBe('45');
    expect((err as RetryAfterError).cause).toBe(original);
  });

  it('R2: an auth_revoked SyncError is recorded (needs reconnect) and is not retried (NonRetriableError)', async () => {
    const revoked = new SyncError('auth_revoked', 'revoked');
    vi.mocked(runContactSyncJob).mockRejectedValueOnce(revoked);
    const t = new InngestTestEngine({ function: contactsSync, events: [syncEvent()] });
    const { error } = await t.execute();
    expect(error).toMatchObject({ name: 'NonRetriableError', message: 'revoked' });
    expect(recordRunFailure).toHaveBeenCalledWith(syncEvent().data, revoked);
  });

  it('R1: a "stop" error (insufficient permission, uninstalled) is recorded and not retried', async () => {
    for (const code of ['insufficient_permission', 'uninstalled'] as const) {
      vi.mocked(runContactSyncJob).mockRejectedValueOnce(new SyncError(code, code));
      const step = { run: vi.fn((_id: string, fn: () => unknown) => fn()) };
      const err = await handler()({ event: syncEvent(), step }).catch((e: unknown) => e);
      expect(err, code).toBeInstanceOf(NonRetriableError);
    }
    expect(recordRunFailure).toHaveBeenCalledTimes(2);
  });

  it('R1: temporary errors are rethrown as is, so Inngest retries them (recorded only by onFailure)', async () => {
    const temporary = new SyncError('temporary', 'HTTP 503');
    vi.mocked(runContactSyncJob).mockRejectedValueOnce(temporary);
    const step = { run: vi.fn((_id: string, fn: () => unknown) => fn()) };
    await expect(handler()({ event: syncEvent(), step })).rejects.toBe(temporary);
    expect(recordRunFailure).not.toHaveBeenCalled();
  });

  it('R1: after the last retry, onFailure records the failure with the original event data', async () => {
    const onFailure = (contactsSync as unknown as { opts: { onFailure: (a: unknown) => Promise<void> } }).opts.onFailure;
    const error = new Error('boom');
    await onFailure({ event: { name: 'inngest/function.failed', data: { event: syncEvent(), error } }, error });
    expect(recordRunFailure).toHaveBeenCalledWith(syncEvent().data, error);
  });
});
