import { describe, expect, it } from 'vitest';
import { SyncError } from '@/lib/errors';
import { PipedriveDailyBudget, pipedriveTokenCost } from './daily-budget';

const clockAt = (iso: string) => {
  const c = { t: Date.parse(iso), now: () => c.t, sleep: async (ms: number) => void (c.t += ms) };
  return c;
};
const h = (x: Record<string, string>) => new Headers(x);
const thrown = (f: () => void) => {
  try {
    f();
  } catch (e) {
    return e as SyncError;
  }
  return null;
};

describe('Pipedrive daily token budget (reference §3.9)', () => {
  it('Performance: token costs of API v2 (half of v1)', () => {
    expect(pipedriveTokenCost('POST', '/api/v2/persons')).toBe(5);
    expect(pipedriveTokenCost('GET', '/api/v2/persons')).toBe(10);
    expect(pipedriveTokenCost('GET', '/api/v2/persons/12')).toBe(1);
    expect(pipedriveTokenCost('DELETE', '/api/v2/persons/12')).toBe(3);
    expect(pipedriveTokenCost('GET', '/api/v2/persons/search')).toBe(20);
    expect(pipedriveTokenCost('GET', '/api/v1/users/me')).toBe(20);
  });

  it('Performance: a burst 429 (window full) is not the daily budget', () => {
    const budget = new PipedriveDailyBudget({ clock: clockAt('2026-11-30T10:00:00Z') });
    budget.observe(429, h({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1' }));
    expect(budget.exhausted()).toBe(false);
    expect(thrown(() => budget.check(5))).toBeNull();
  });

  it('Performance: a 429 while the burst window has room stops every call until midnight UTC', () => {
    const clock = clockAt('2026-11-30T22:00:00Z');
    const budget = new PipedriveDailyBudget({ clock });
    budget.observe(429, h({ 'x-ratelimit-remaining': '150', 'x-ratelimit-reset': '2' }));
    const e = thrown(() => budget.check(1));
    expect(e?.code).toBe('rate_limited');
    expect(e?.options.retryAfterMs).toBe(2 * 3600_000);
    clock.t = Date.parse('2026-12-01T00:00:01Z');
    expect(thrown(() => budget.check(1))).toBeNull();
  });

  it('Performance: with a daily remainder header, the sync stops while the reserve is left for the company', () => {
    const budget = new PipedriveDailyBudget({ reserve: 2_000, clock: clockAt('2026-11-30T10:00:00Z') });
    budget.observe(200, h({ 'x-daily-ratelimit-token-remaining': '2010' }));
    expect(thrown(() => budget.check(5))).toBeNull();
    budget.observe(200, h({ 'x-daily-ratelimit-token-remaining': '2004' }));
    expect(thrown(() => budget.check(5))?.code).toBe('rate_limited');
  });
});
