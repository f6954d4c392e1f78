/** R1: steps wait out rate limits inside the run, under a new step id, without failing it. */
import { describe, expect, it, vi } from 'vitest';
import { SyncError } from '@/lib/errors';
import { withRateLimitWaits } from './execute';
import { RetryLaterError, type StepTools } from './step';

describe('R1 withRateLimitWaits', () => {
  it('R1: a rate-limited step sleeps the asked time (durable step.sleep) and runs again under a new id', async () => {
    const ids: string[] = [];
    const sleeps: [string, number][] = [];
    const base: StepTools = {
      run: async (id, fn) => {
        ids.push(id);
        return fn();
      },
      sleep: async (id, ms) => void sleeps.push([id, ms]),
    };
    let calls = 0;
    const step = withRateLimitWaits(base);
    const value = await step.run('export-page-3', async () => {
      calls++;
      if (calls < 3) throw new RetryLaterError('429', 1234);
      return 'ok';
    });
    expect(value).toBe('ok');
    expect(ids).toEqual(['export-page-3', 'export-page-3~1', 'export-page-3~2']);
    expect(sleeps).toEqual([
      ['export-page-3~wait-0', 1234],
      ['export-page-3~wait-1', 1234],
    ]);
  });

  it('R1: any other error leaves the step at once', async () => {
    const step = withRateLimitWaits({ run: (_id, fn) => fn(), sleep: vi.fn() });
    await expect(step.run('x', async () => Promise.reject(new SyncError('auth_revoked', 'revoked')))).rejects.toMatchObject({ code: 'auth_revoked' });
  });

  it('R1: without a durable sleep the wait is a timer that a cancel cuts short', async () => {
    const abort = new AbortController();
    const step = withRateLimitWaits({ run: (_id, fn) => fn() }, abort.signal);
    setTimeout(() => abort.abort(), 20);
    const t0 = Date.now();
    await expect(step.run('x', async () => Promise.reject(new RetryLaterError('429', 60_000)))).rejects.toMatchObject({ code: 'uninstalled' });
    expect(Date.now() - t0).toBeLessThan(30_000);
  });
});
