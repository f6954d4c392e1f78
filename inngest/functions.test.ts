/**
 * R1 on Inngest: functions generated from the pillar registry — the hourly fan-out over every pillar with a
 * per-hour event id, each pillar's sync function (singleton per connection, per-vendor throttle, cancelOn
 * for its connection and for its user's uninstall only, bounded retries) and the shared error policy.
 * Flow control is a server feature (stack-probe §3.3), so it is asserted on the config.
 */
import { InngestTestEngine } from '@inngest/test';
import { NonRetriableError, RetryAfterError } from 'inngest';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  vi.stubEnv('ENCRYPTION_KEY', Buffer.alloc(32, 1).toString('base64'));
  vi.stubEnv('AUTH_SECRET', 'a'.repeat(40));
  vi.stubEnv('INNGEST_EVENT_KEY', 'test-event-key');
});

vi.mock('@/lib/sync/runtime/execute', () => ({ executeRun: vi.fn(), recordRunFailure: vi.fn(async () => undefined) }));
vi.mock('@/lib/sync/schedule', () => {
  const hourlyRunRequests = vi.fn(async () => []);
  return {
    hourlyRunRequests,
    hourlyRunRequestPage: vi.fn(async () => ({ requests: await hourlyRunRequests(), next: null })),
    pollRunRequests: vi.fn(async () => []),
    maintainPillars: vi.fn(async () => undefined),
  };
});
// Housekeeping purges uninstalled users' data (M5); never touch a real database here.
vi.mock('@/lib/installations', () => ({ purgeUninstalledData: vi.fn(async () => 0) }));

import { RetryLaterError } from '@/lib/sync/runtime/step';
import type { RunRequest } from '@/lib/sync/runtime/events';
import { SyncError } from '@/lib/errors';
import { purgeUninstalledData } from '@/lib/installations';
import { executeRun, recordRunFailure } from '@/lib/sync/runtime/execute';
import { hourlyRunRequestPage, hourlyRunRequests, maintainPillars, pollRunRequests } from '@/lib/sync/schedule';
import { PILLARS } from '@/lib/sync/registry';
import { changePoll, functions, housekeeping, hourlyFanOut, POLL_TICKS_PER_RUN, syncFunctions } from './functions';

const request = (patch: Partial<RunRequest> & Record<string, unknown> = {}) =>
  ({
    kind: 'contacts',
    connectionId: '00000000-0000-4000-8000-000000000001',
    installationId: '00000000-0000-4000-8000-000000000002',
    crmUserId: '00000000-0000-4000-8000-000000000003',
    provider: 'google',
    throttleKey: 'google',
    trigger: 'refresh',
    ...patch,
  }) as RunRequest;
const contactsSync = syncFunctions[0]!;
const syncEvent = (data = request()) => ({ name: 'contacts/sync.requested', data });

type FnConfig = {
  id: string;
  triggers: ({ cron: string } | { event: string })[];
  singleton?: { key: string; mode: string };
  throttle?: { key: string; limit: number; period: string; burst?: number };
  cancel?: { event: string; if?: string; timeout?: string }[];
  steps: Record<string, { retries?: { attempts?: number } }>;
};
type Fn = typeof contactsSync | typeof hourlyFanOut | typeof changePoll | typeof housekeeping;
const handler = () => (contactsSync as unknown as { fn: (ctx: { event: unknown; step: unknown; attempt?: number }) => Promise<unknown> }).fn;
const configOf = (fn: Fn): FnConfig[] =>
  (fn as unknown as { getConfig(o: { baseUrl: URL; appPrefix: string }): FnConfig[] }).getConfig({ baseUrl: new URL('http://localhost:3000/api/inngest'), appPrefix: 'synclane' });

beforeEach(() => {
  vi.mocked(executeRun).mockReset();
  vi.mocked(recordRunFailure).mockClear();
  vi.mocked(hourlyRunRequests).mockReset().mockResolvedValue([]);
});
afterEach(() => vi.useRealTimers());

describe('sync-hourly (C16, R1)', () => {
  it('R1/C16: fans out one <kind>/sync.requested per due connection of every pillar, with event id hourly-<connection>-<hour>', async () => {
    const a = request({ connectionId: '00000000-0000-4000-8000-00000000000a', trigger: 'hourly' });
    const b = request({ connectionId: '00000000-0000-4000-8000-00000000000b', trigger: 'hourly', provider: 'microsoft', throttleKey: 'microsoft' });
    const before = new Date().toISOString().slice(0, 13);
    const t = new InngestTestEngine({ function: hourlyFanOut, steps: [{ id: 'load-due-0', handler: () => ({ requests: [a, b], next: null }) }, { id: 'fan-out-0', handler: () => ({ ids: ['e1', 'e2'] }) }] });
    const { result, ctx } = await t.execute();
    expect(result).toEqual({ fannedOut: 2 });
    const [id, events] = ctx.step.sendEvent.mock.calls[0]! as [string, { id: string }[]];
    expect(id).toBe('fan-out-0');
    const hour = events[0]!.id.slice(-13);
    expect([before, new Date().toISOString().slice(0, 13)]).toContain(hour);
    expect(events).toEqual([
      { name: 'contacts/sync.requested', id: `hourly-${a.connectionId}-${hour}`, data: a },
      { name: 'contacts/sync.requested', id: `hourly-${b.connectionId}-${hour}`, data: b },
    ]);
  });

  it('R1/C16: the event id is stable within an hour and changes with the hour (re-sends are no-ops)', async () => {
    vi.mocked(hourlyRunRequests).mockResolvedValue([request({ trigger: 'hourly' })]);
    const ids: string[] = [];
    const step = { run: (_id: string, fn: () => unknown) => fn(), sendEvent: vi.fn(async (_id: string, evts: { id: string }[]) => void ids.push(...evts.map((e) => e.id))) };
    const hourly = (hourlyFanOut as unknown as { fn: (ctx: unknown) => Promise<unknown> }).fn;
    vi.useFakeTimers({ toFake: ['Date'] });
    for (const at of ['2025-06-01T14:00:00Z', '2025-06-01T14:59:59Z', '2025-06-01T15:00:00Z']) {
      vi.setSystemTime(new Date(at));
      await hourly({ step });
    }
    const c = request().connectionId;
    expect(ids).toEqual([`hourly-${c}-2025-06-01T14`, `hourly-${c}-2025-06-01T14`, `hourly-${c}-2025-06-01T15`]);
  });

  it('C16 (fan-out at scale): due connections are loaded and sent a page per step until the last page', async () => {
    const page = (n: number) => Array.from({ length: 3 }, (_, i) => request({ connectionId: `00000000-0000-4000-8000-0000000${n}000${i}`, trigger: 'hourly' }));
    vi.mocked(hourlyRunRequestPage)
      .mockResolvedValueOnce({ requests: page(1), next: 'c1' })
      .mockResolvedValueOnce({ requests: page(2), next: 'c2' })
      .mockResolvedValueOnce({ requests: page(3), next: null });
    const sent: string[] = [];
    const step = { run: (_id: string, fn: () => unknown) => fn(), sendEvent: vi.fn(async (id: string, evts: unknown[]) => void sent.push(`${id}:${evts.length}`)) };
    const result = await (hourlyFanOut as unknown as { fn: (ctx: unknown) => Promise<unknown> }).fn({ step });
    expect(result).toEqual({ fannedOut: 9 });
    expect(sent).toEqual(['fan-out-0:3', 'fan-out-1:3', 'fan-out-2:3']);
    expect(vi.mocked(hourlyRunRequestPage).mock.calls.map((c) => c[1])).toEqual([null, 'c1', 'c2']);
  });

  it('C16: no connections due → no events sent', async () => {
    const t = new InngestTestEngine({ function: hourlyFanOut });
    const { result, ctx } = await t.execute();
    expect(result).toEqual({ fannedOut: 0 });
    expect(ctx.step.sendEvent).not.toHaveBeenCalled();
  });

  it('R1/C16: runs on an hourly cron; housekeeping (M5 purge, B1 subscription upkeep) runs hourly in its own function', async () => {
    expect(configOf(hourlyFanOut)[0]!.triggers).toEqual([{ cron: '0 * * * *' }]);
    expect(configOf(housekeeping)[0]!.triggers).toEqual([{ cron: '17 * * * *' }]);
    const t = new InngestTestEngine({ function: housekeeping });
    await t.execute();
    expect(purgeUninstalledData).toHaveBeenCalled();
    expect(maintainPillars).toHaveBeenCalled();
  });
});

describe('sync-poll (B1: providers without push)', () => {
  it('B1: every minute, ticks with a durable sleep between checks and sends a run for each connection that changed', async () => {
    expect(configOf(changePoll)[0]!.triggers).toEqual([{ cron: '* * * * *' }]);
    const changed = request({ trigger: 'webhook' });
    vi.mocked(pollRunRequests).mockReset().mockResolvedValue([]).mockResolvedValueOnce([changed]);
    const sent: unknown[] = [];
    const sleeps: number[] = [];
    const step = {
      run: (_id: string, fn: () => unknown) => fn(),
      sleep: vi.fn(async (_id: string, ms: number) => void sleeps.push(ms)),
      sendEvent: vi.fn(async (_id: string, evts: unknown[]) => void sent.push(...evts)),
    };
    const result = await (changePoll as unknown as { fn: (ctx: unknown) => Promise<unknown> }).fn({ step });
    expect(result).toEqual({ requested: 1 });
    expect(pollRunRequests).toHaveBeenCalledTimes(POLL_TICKS_PER_RUN);
    expect(sleeps).toHaveLength(POLL_TICKS_PER_RUN - 1);
    expect(sleeps.reduce((a, b) => a + b, 0)).toBeLessThan(60_000);
    expect(sent).toEqual([{ name: 'contacts/sync.requested', data: changed }]);
  });
});

describe('generated sync functions (R1)', () => {
  const cfg = () => configOf(contactsSync).find((c) => !c.id.endsWith('-failure'))!;

  it('R1: one function per registered pillar, served with the hourly fan-out, the change poll and housekeeping', () => {
    expect(syncFunctions).toHaveLength(PILLARS.length);
    expect(functions).toEqual([hourlyFanOut, changePoll, housekeeping, ...syncFunctions]);
    expect(cfg().triggers).toEqual([{ event: 'contacts/sync.requested' }]);
  });

  it('R1: one run per connection at a time (singleton on event.data.connectionId, mode skip)', () => {
    expect(cfg().singleton).toEqual({ key: 'event.data.connectionId', mode: 'skip' });
  });

  it('R1: throttled per vendor (event.data.throttleKey)', () => {
    expect(cfg().throttle).toMatchObject({ key: 'event.data.throttleKey', limit: 60, period: '1m' });
  });

  it('R1/M5: cancelled for its own connection, and on uninstall only for the uninstalling user (not colleagues)', () => {
    const byEvent = Object.fromEntries((cfg().cancel ?? []).map((c) => [c.event, c]));
    expect(byEvent['sync/connection.cancelled']?.if).toBe('event.data.connectionId == async.data.connectionId');
    expect(byEvent['crm/user.uninstalled']?.if).toBe('event.data.crmUserId == async.data.crmUserId');
  });

  it('R1: retries are bounded by the shared policy (4 attempts in all, like the in-process runner)', () => {
    expect((contactsSync as unknown as { opts: { retries: number } }).opts.retries).toBe(3);
  });
});

describe('sync function body (R1 error policy)', () => {
  it('R1: runs the pillar through the runtime with the event data and returns its result', async () => {
    vi.mocked(executeRun).mockResolvedValueOnce({ status: 'succeeded', runId: 'run-1' });
    const t = new InngestTestEngine({ function: contactsSync, events: [syncEvent()] });
    const { result } = await t.execute();
    expect(result).toEqual({ status: 'succeeded', runId: 'run-1' });
    expect(vi.mocked(executeRun).mock.calls[0]![0]).toBe(PILLARS[0]);
    expect(vi.mocked(executeRun).mock.calls[0]![2]).toEqual(syncEvent().data);
  });

  it('R1: a rate limit that escapes the steps becomes RetryAfterError with the delay and cause; nothing is recorded', async () => {
    const original = new RetryLaterError('Graph 429', 45_000);
    vi.mocked(executeRun).mockRejectedValueOnce(original);
    const step = { run: vi.fn((_id: string, fn: () => unknown) => fn()) };
    const err = await handler()({ event: syncEvent(), step, attempt: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryAfterError);
    expect((err as RetryAfterError).retryAfter).toBe('45');
    expect((err as RetryAfterError).cause).toBe(original);
    expect(recordRunFailure).not.toHaveBeenCalled();
  });

  it('R2: auth_revoked, stop and job-level skip codes are recorded at once and never retried (NonRetriableError)', async () => {
    for (const code of ['auth_revoked', 'insufficient_permission', 'uninstalled', 'not_found', 'validation'] as const) {
      vi.mocked(executeRun).mockRejectedValueOnce(new SyncError(code, code));
      const step = { run: vi.fn((_id: string, fn: () => unknown) => fn()) };
      const err = await handler()({ event: syncEvent(), step, attempt: 0 }).catch((e: unknown) => e);
      expect(err, code).toBeInstanceOf(NonRetriableError);
    }
    expect(recordRunFailure).toHaveBeenCalledTimes(5);
  });

  it('R1: temporary errors are rethrown as is while attempts remain (Inngest retries); the last attempt is final', async () => {
    const temporary = new SyncError('temporary', 'HTTP 503');
    vi.mocked(executeRun).mockRejectedValueOnce(temporary);
    const step = { run: vi.fn((_id: string, fn: () => unknown) => fn()) };
    await expect(handler()({ event: syncEvent(), step, attempt: 0 })).rejects.toBe(temporary);
    expect(recordRunFailure).not.toHaveBeenCalled();
    vi.mocked(executeRun).mockRejectedValueOnce(temporary);
    await expect(handler()({ event: syncEvent(), step, attempt: 3 })).rejects.toBeInstanceOf(NonRetriableError);
    expect(recordRunFailure).toHaveBeenCalledTimes(1);
  });

  it('R1: onFailure records the failure with the original event data', async () => {
    const onFailure = (contactsSync as unknown as { opts: { onFailure: (a: unknown) => Promise<void> } }).opts.onFailure;
    const error = new Error('boom');
    await onFailure({ event: { name: 'inngest/function.failed', data: { event: syncEvent(), error } }, error });
    expect(recordRunFailure).toHaveBeenCalledWith(syncEvent().data, error);
  });
});

describe('debounced requests on Inngest (B1)', () => {
  it('B1: requests in the same window share one event id and are scheduled for the window end (ts); the next window gets a new id', async () => {
    const { inngestQueue } = await import('./queue');
    const { inngest } = await import('./client');
    const send = vi.spyOn(inngest, 'send').mockResolvedValue({ ids: ['x'] } as never);
    vi.useFakeTimers({ toFake: ['Date'] });
    const r = request({ trigger: 'webhook' });
    vi.setSystemTime(new Date('2026-06-01T10:00:00.100Z'));
    await inngestQueue.requestSoon!(r, 2_000);
    vi.setSystemTime(new Date('2026-06-01T10:00:01.900Z'));
    await inngestQueue.requestSoon!(r, 2_000);
    vi.setSystemTime(new Date('2026-06-01T10:00:02.000Z'));
    await inngestQueue.requestSoon!(r, 2_000);
    const events = send.mock.calls.map((c) => c[0] as { id: string; ts: number; name: string; data: unknown });
    const end = Date.parse('2026-06-01T10:00:02.000Z');
    expect(events[0]).toEqual({ name: 'contacts/sync.requested', id: `soon-${r.connectionId}-${end}`, ts: end, data: r });
    expect(events[1]!.id).toBe(events[0]!.id);
    expect(events[2]!.id).toBe(`soon-${r.connectionId}-${end + 2_000}`);
    expect(events[2]!.ts).toBe(end + 2_000);
    send.mockRestore();
  });
});
