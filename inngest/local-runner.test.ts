/**
 * R1 offline: the in-process runner runs the same job body with one run per connection, bounded retries
 * with backoff that honours Retry-After, no retry for auth problems (R2), cancellation and an hourly
 * scheduler (C16).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  vi.stubEnv('ENCRYPTION_KEY', Buffer.alloc(32, 1).toString('base64'));
  vi.stubEnv('AUTH_SECRET', 'a'.repeat(40));
});

vi.mock('@/lib/sync/runtime/execute', () => ({
  executeRun: vi.fn(),
  recordRunFailure: vi.fn(async () => undefined),
}));
vi.mock('@/lib/sync/schedule', () => {
  const hourlyRunRequests = vi.fn(async () => []);
  return {
    hourlyRunRequests,
    hourlyRunRequestPages: async function* () {
      yield await hourlyRunRequests();
    },
    pollRunRequests: vi.fn(async () => []),
    maintainPillars: vi.fn(async () => undefined),
  };
});
vi.mock('@/lib/sync/runtime/connections', () => ({ resetStuckRuns: vi.fn(async () => 0) }));
vi.mock('@/lib/sync/registry', () => ({ pillarFor: vi.fn((kind: string) => ({ kind })) }));
// The hourly tick also purges uninstalled users' data (M5); never touch a real database here.
vi.mock('@/lib/installations', () => ({ purgeUninstalledData: vi.fn(async () => 0) }));

import { SyncError } from '@/lib/errors';
import { RetryLaterError } from '@/lib/sync/runtime/step';
import type { RunRequest } from '@/lib/sync/runtime/events';
import { purgeUninstalledData } from '@/lib/installations';
import { executeRun, recordRunFailure } from '@/lib/sync/runtime/execute';
import { hourlyRunRequests as listSyncsForHourlyRun, pollRunRequests } from '@/lib/sync/schedule';
import { resetStuckRuns as resetStuckSyncs } from '@/lib/sync/runtime/connections';
import { createLocalRunner } from './local-runner';

const run = vi.mocked(executeRun);
type Request = RunRequest & { provider?: string };
const data = (syncId = 'sync-1', patch: Partial<Request> = {}): Request => ({
  kind: 'contacts',
  connectionId: syncId,
  installationId: 'inst-1',
  crmUserId: 'user-1',
  provider: 'google',
  throttleKey: 'google',
  trigger: 'refresh',
  ...patch,
});
const deferred = () => {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};
const ok = { status: 'ok', runId: 'r', counts: undefined } as never;
const runners: ReturnType<typeof createLocalRunner>[] = [];
const runner = (opts: Parameters<typeof createLocalRunner>[0] = {}) => {
  const r = createLocalRunner({ backoffMs: 5, ...opts });
  runners.push(r);
  return r;
};

beforeEach(() => {
  run.mockReset();
  vi.mocked(recordRunFailure).mockClear();
  vi.mocked(listSyncsForHourlyRun).mockReset().mockResolvedValue([]);
  vi.mocked(resetStuckSyncs).mockClear();
  vi.mocked(purgeUninstalledData).mockClear();
});
afterEach(() => {
  for (const r of runners.splice(0)) r.stop();
  vi.useRealTimers();
});

describe('R1 one run per connection', () => {
  it('R1: a second enqueue for the same connection while it runs is refused; other connections run in parallel', async () => {
    const gate = deferred();
    run.mockImplementation(async () => {
      await gate.promise;
      return ok;
    });
    const r = runner();
    expect(r.enqueue(data('a'))).toBe(true);
    expect(r.isRunning('a')).toBe(true);
    expect(r.enqueue(data('a', { trigger: 'hourly' }))).toBe(false);
    expect(r.enqueue(data('b'))).toBe(true);
    expect(r.isRunning('b')).toBe(true);
    gate.resolve();
    await r.idle();
    expect(run).toHaveBeenCalledTimes(2);
    expect(r.isRunning('a')).toBe(false);
    expect(r.enqueue(data('a'))).toBe(true);
    await r.idle();
    expect(run).toHaveBeenCalledTimes(3);
  });

  it('R1: runs the job body with the event data, a step shim that runs steps, the abort signal and attempt 1', async () => {
    run.mockImplementation(async (_pillar, step) => {
      expect(await step.run('x', async () => 42)).toBe(42);
      return ok;
    });
    const r = runner();
    r.enqueue(data('a'));
    await r.idle();
    expect(run).toHaveBeenCalledWith({ kind: 'contacts' }, expect.anything(), data('a'), { signal: expect.any(AbortSignal), attempt: 1 });
    expect(recordRunFailure).not.toHaveBeenCalled();
  });
});

describe('R1 bounded retries with backoff', () => {
  it('R1: a temporary failure is retried with trigger "retry" and an increasing attempt number, then succeeds', async () => {
    run.mockRejectedValueOnce(new SyncError('temporary', '503')).mockRejectedValueOnce(new Error('socket hang up')).mockResolvedValueOnce(ok);
    const r = runner();
    r.enqueue(data('a'));
    await r.idle();
    expect(run).toHaveBeenCalledTimes(3);
    expect(run.mock.calls.map((c) => [(c[2] as Request).trigger, c[3]?.attempt])).toEqual([
      ['refresh', 1],
      ['retry', 2],
      ['retry', 3],
    ]);
    expect(recordRunFailure).not.toHaveBeenCalled();
  });

  it('R1: gives up after 4 attempts and records the failure once, after the last attempt', async () => {
    const err = new SyncError('temporary', '503');
    run.mockRejectedValue(err);
    const r = runner();
    r.enqueue(data('a'));
    await r.idle();
    expect(run).toHaveBeenCalledTimes(4);
    expect(recordRunFailure).toHaveBeenCalledTimes(1);
    expect(recordRunFailure).toHaveBeenCalledWith(data('a'), err);
    expect(vi.mocked(recordRunFailure).mock.invocationCallOrder[0]).toBeGreaterThan(run.mock.invocationCallOrder[3]!);
  });

  it('R1: an unknown error is mapped to a SyncError (internal) before it is recorded', async () => {
    run.mockRejectedValue(new Error('boom'));
    const r = runner();
    r.enqueue(data('a'));
    await r.idle();
    const recorded = vi.mocked(recordRunFailure).mock.calls[0]![1];
    expect(recorded).toBeInstanceOf(SyncError);
    expect(recorded).toMatchObject({ code: 'internal', message: 'boom' });
  });

  it('R1: backoff doubles between attempts (backoffMs, 2×, 4×)', async () => {
    vi.useFakeTimers();
    run.mockRejectedValue(new SyncError('temporary', '503'));
    const r = runner({ backoffMs: 1_000 });
    r.enqueue(data('a'));
    await vi.advanceTimersByTimeAsync(0);
    expect(run).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(run).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(run).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(1_999);
    expect(run).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(run).toHaveBeenCalledTimes(3);
    await vi.advanceTimersByTimeAsync(3_999);
    expect(run).toHaveBeenCalledTimes(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(run).toHaveBeenCalledTimes(4);
    await r.idle();
    expect(recordRunFailure).toHaveBeenCalledTimes(1);
  });

  it('R1: a RetryLaterError waits exactly retryAfterMs instead of the backoff', async () => {
    vi.useFakeTimers();
    run.mockRejectedValueOnce(new RetryLaterError('429', 7_000)).mockResolvedValueOnce(ok);
    const r = runner({ backoffMs: 10 });
    r.enqueue(data('a'));
    await vi.advanceTimersByTimeAsync(6_999);
    expect(run).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(run).toHaveBeenCalledTimes(2);
    await r.idle();
    expect(recordRunFailure).not.toHaveBeenCalled();
  });

  it('R1: a rate_limited SyncError with retryAfterMs is honoured too', async () => {
    vi.useFakeTimers();
    run.mockRejectedValueOnce(new SyncError('rate_limited', '429', { retryAfterMs: 3_000 })).mockResolvedValueOnce(ok);
    const r = runner({ backoffMs: 10 });
    r.enqueue(data('a'));
    await vi.advanceTimersByTimeAsync(2_999);
    expect(run).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(run).toHaveBeenCalledTimes(2);
    await r.idle();
  });

  it('R1: a Retry-After longer than 5 minutes is capped at 5 minutes', async () => {
    vi.useFakeTimers();
    run.mockRejectedValueOnce(new RetryLaterError('429', 3_600_000)).mockResolvedValueOnce(ok);
    const r = runner();
    r.enqueue(data('a'));
    await vi.advanceTimersByTimeAsync(5 * 60_000 - 1);
    expect(run).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(run).toHaveBeenCalledTimes(2);
    await r.idle();
  });

  it('R1: waiting out a rate limit does not use up an attempt (3 failures + a 429 + success = success)', async () => {
    run
      .mockRejectedValueOnce(new SyncError('temporary', 'a'))
      .mockRejectedValueOnce(new SyncError('temporary', 'b'))
      .mockRejectedValueOnce(new RetryLaterError('429', 1))
      .mockRejectedValueOnce(new SyncError('temporary', 'c'))
      .mockResolvedValueOnce({ status: 'skipped' as const, reason: 'done' });
    const r = runner();
    r.enqueue(data('a'));
    await r.idle();
    expect(run).toHaveBeenCalledTimes(5);
    expect(recordRunFailure).not.toHaveBeenCalled();
  });

  it('R1: endless rate limiting still ends: after 30 waits the run is recorded as rate limited', async () => {
    const err = new RetryLaterError('429', 1);
    run.mockRejectedValue(err);
    const r = runner();
    r.enqueue(data('a'));
    await r.idle();
    expect(run).toHaveBeenCalledTimes(31); // the first try and one after each of the 30 waits
    expect(recordRunFailure).toHaveBeenCalledWith(data('a'), expect.objectContaining({ code: 'rate_limited' }));
  });
});

describe('R2 no retry for auth problems and other final errors', () => {
  it.each([
    ['auth_revoked', 'reconnect'],
    ['insufficient_permission', 'stop'],
    ['uninstalled', 'stop'],
    ['validation', 'skip'],
  ] as const)('R2: %s (%s) is not retried and is recorded at once', async (code, _action) => {
    const err = new SyncError(code, code);
    run.mockRejectedValue(err);
    const r = runner();
    r.enqueue(data('a'));
    await r.idle();
    expect(run).toHaveBeenCalledTimes(1);
    expect(recordRunFailure).toHaveBeenCalledTimes(1);
    expect(recordRunFailure).toHaveBeenCalledWith(data('a'), err);
  });

  it('a failure to record the failure does not crash the runner', async () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    run.mockRejectedValue(new SyncError('auth_revoked', 'x'));
    vi.mocked(recordRunFailure).mockRejectedValueOnce(new Error('db down'));
    const r = runner();
    r.enqueue(data('a'));
    await r.idle();
    expect(r.isRunning('a')).toBe(false);
    expect(spy).toHaveBeenCalledWith('[jobs] could not record failure', expect.any(Error));
    spy.mockRestore();
  });
});

describe('R1 cancellation', () => {
  it('R1: cancel aborts the signal the running job sees', async () => {
    let seen: AbortSignal | undefined;
    run.mockImplementation(async (_pillar, _step, _d, opts) => {
      seen = opts?.signal;
      await new Promise<void>((resolve) => opts!.signal!.addEventListener('abort', () => resolve()));
      return ok;
    });
    const r = runner();
    r.enqueue(data('a'));
    await vi.waitFor(() => expect(seen).toBeDefined());
    expect(seen!.aborted).toBe(false);
    r.cancel('a');
    expect(seen!.aborted).toBe(true);
    await r.idle();
    expect(r.isRunning('a')).toBe(false);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('R1: cancelling during the backoff wait stops further attempts', async () => {
    vi.useFakeTimers();
    run.mockRejectedValue(new SyncError('temporary', '503'));
    const r = runner({ backoffMs: 60_000 });
    r.enqueue(data('a'));
    await vi.advanceTimersByTimeAsync(0);
    expect(run).toHaveBeenCalledTimes(1);
    r.cancel('a');
    await vi.advanceTimersByTimeAsync(0);
    await r.idle();
    expect(run).toHaveBeenCalledTimes(1);
    expect(r.isRunning('a')).toBe(false);
  });

  it('R1: a job that fails because it was cancelled is not retried', async () => {
    run.mockImplementation(async (_pillar, _step, _d, opts) => {
      await new Promise<void>((resolve) => opts!.signal!.addEventListener('abort', () => resolve()));
      throw new SyncError('temporary', 'aborted mid-request');
    });
    const r = runner();
    r.enqueue(data('a'));
    await vi.waitFor(() => expect(run).toHaveBeenCalled());
    r.cancel('a');
    await r.idle();
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('stop() aborts every running job', async () => {
    const signals: AbortSignal[] = [];
    run.mockImplementation(async (_pillar, _step, _d, opts) => {
      signals.push(opts!.signal!);
      await new Promise<void>((resolve) => opts!.signal!.addEventListener('abort', () => resolve()));
      return ok;
    });
    const r = runner();
    r.enqueue(data('a'));
    r.enqueue(data('b'));
    await vi.waitFor(() => expect(signals).toHaveLength(2));
    r.stop();
    expect(signals.every((s) => s.aborted)).toBe(true);
    await r.idle();
  });

  it('cancelling a connection that is not running is a no-op', () => {
    expect(() => runner().cancel('nope')).not.toThrow();
  });
});

describe('C16 hourly scheduler (real timers, small tickMs)', () => {
  it('C16: each tick resets stuck runs and enqueues what hourlyRunRequests returns, with trigger "hourly"', async () => {
    vi.mocked(listSyncsForHourlyRun).mockResolvedValue([
      data('a', { installationId: 'i1', trigger: 'hourly' }),
      data('b', { installationId: 'i2', provider: 'microsoft', throttleKey: 'microsoft', trigger: 'hourly' }),
    ] as never);
    run.mockResolvedValue(ok);
    const r = runner({ hourly: true, tickMs: 100 });
    await vi.waitFor(() => expect(run.mock.calls.length).toBeGreaterThanOrEqual(2), { timeout: 2_000, interval: 5 });
    expect(resetStuckSyncs).toHaveBeenCalled();
    expect(purgeUninstalledData).toHaveBeenCalled();
    expect(run.mock.calls.slice(0, 2).map((c) => c[2])).toEqual([
      data('a', { installationId: 'i1', trigger: 'hourly' }),
      data('b', { installationId: 'i2', provider: 'microsoft', throttleKey: 'microsoft', trigger: 'hourly' }),
    ]);
    // and again on the next tick
    await vi.waitFor(() => expect(run.mock.calls.length).toBeGreaterThanOrEqual(4), { timeout: 2_000, interval: 5 });
    expect(vi.mocked(listSyncsForHourlyRun).mock.calls.length).toBeGreaterThanOrEqual(2);
    r.stop();
  });

  it('C16: a tick does not start a second run for a connection that is still running, and tells the watchdog what runs here', async () => {
    const gate = deferred();
    run.mockImplementation(async () => {
      await gate.promise;
      return ok;
    });
    vi.mocked(listSyncsForHourlyRun).mockResolvedValue([data('a', { trigger: 'hourly' })] as never);
    const r = runner({ hourly: true, tickMs: 100 });
    await vi.waitFor(() => expect(resetStuckSyncs).toHaveBeenCalledWith(['a']), { timeout: 2_000, interval: 5 });
    await vi.waitFor(() => expect(vi.mocked(listSyncsForHourlyRun).mock.calls.length).toBeGreaterThanOrEqual(2), { timeout: 2_000, interval: 5 });
    expect(run).toHaveBeenCalledTimes(1);
    r.stop();
    gate.resolve();
    await r.idle();
  });

  it('C16: a failing tick is logged and the scheduler keeps going', async () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    vi.mocked(listSyncsForHourlyRun)
      .mockRejectedValueOnce(new Error('db down'))
      .mockResolvedValue([data('a', { trigger: 'hourly' })] as never);
    run.mockResolvedValue(ok);
    const r = runner({ hourly: true, tickMs: 100 });
    await vi.waitFor(() => expect(run).toHaveBeenCalled(), { timeout: 2_000, interval: 5 });
    expect(spy).toHaveBeenCalledWith('[jobs] scheduler tick failed', expect.any(Error));
    r.stop();
    spy.mockRestore();
  });

  it('C16: the boot tick runs 2 s after start; stop() before it cancels it (a stopped runner never starts runs)', async () => {
    vi.useFakeTimers();
    const started = runner({ hourly: true, tickMs: 3_600_000 });
    const stopped = runner({ hourly: true, tickMs: 3_600_000 });
    stopped.stop();
    await vi.advanceTimersByTimeAsync(1_999);
    expect(resetStuckSyncs).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(resetStuckSyncs).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(resetStuckSyncs).toHaveBeenCalledTimes(1);
    started.stop();
  });

  it('C16: without hourly the scheduler never runs; stop() clears the timer', async () => {
    runner({ tickMs: 100 });
    const r = runner({ hourly: true, tickMs: 100 });
    r.stop();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(listSyncsForHourlyRun).not.toHaveBeenCalled();
  });
});

describe('B1 debounced requests and provider polls', () => {
  it('B1: a burst of requests for one connection within the window becomes one run', async () => {
    run.mockResolvedValue(ok);
    const r = runner();
    for (let i = 0; i < 5; i++) r.enqueueSoon(data('a', { trigger: 'webhook' }), 50);
    r.enqueueSoon(data('b', { trigger: 'webhook' }), 50);
    expect(run).not.toHaveBeenCalled();
    await vi.waitFor(() => expect(run).toHaveBeenCalledTimes(2), { timeout: 2_000, interval: 5 });
    await new Promise((res) => setTimeout(res, 120));
    expect(run.mock.calls.map((c) => (c[2] as RunRequest).connectionId).sort()).toEqual(['a', 'b']);
    // after the window, a new request starts a new window
    r.enqueueSoon(data('a', { trigger: 'webhook' }), 20);
    await vi.waitFor(() => expect(run).toHaveBeenCalledTimes(3), { timeout: 2_000, interval: 5 });
  });

  it('B1: cancelling a connection drops its pending debounced run', async () => {
    run.mockResolvedValue(ok);
    const r = runner();
    r.enqueueSoon(data('a', { trigger: 'webhook' }), 30);
    r.cancel('a');
    await new Promise((res) => setTimeout(res, 80));
    expect(run).not.toHaveBeenCalled();
  });

  it('B1: the poll tick enqueues the runs pollRunRequests returns, tick after tick', async () => {
    run.mockResolvedValue(ok);
    vi.mocked(pollRunRequests).mockReset().mockResolvedValue([]).mockResolvedValueOnce([data('g', { trigger: 'webhook' })] as never);
    const r = runner({ poll: true, pollMs: 20 });
    await vi.waitFor(() => expect(run).toHaveBeenCalledTimes(1), { timeout: 2_000, interval: 5 });
    await vi.waitFor(() => expect(vi.mocked(pollRunRequests).mock.calls.length).toBeGreaterThanOrEqual(3), { timeout: 2_000, interval: 5 });
    expect(run).toHaveBeenCalledTimes(1);
    r.stop();
  });
});
