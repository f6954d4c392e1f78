import { describe, expect, it } from 'vitest';
import { POLL_CADENCE as C, nextPollDelay, rollQuotaDay } from './poll-cadence';

const day0 = 1_000_000_000_000;
const at = (now: number, extra: Partial<Parameters<typeof nextPollDelay>[0]> = {}) => nextPollDelay({ now, lastChangeAt: null, pollsToday: 0, dayStartedAt: day0, ...extra });

describe('B1: Google poll cadence (provider → CRM < 1 min, within quota)', () => {
  it('B1: checks every 5 s right after a change', () => {
    expect(at(day0 + 10_000, { lastChangeAt: day0 })).toBe(C.activeMs);
    expect(at(day0 + C.activeWindowMs - 1, { lastChangeAt: day0 })).toBe(C.activeMs);
  });

  it('B1: slows down (doubling) once quiet, never beyond the quiet interval', () => {
    const delays = [1, 2, 3, 4, 10].map((w) => at(day0 + C.activeWindowMs * w + 1_000, { lastChangeAt: day0 }));
    expect(delays[0]).toBe(C.activeMs * 2);
    expect(delays[1]).toBe(C.activeMs * 4);
    for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThanOrEqual(delays[i - 1]!);
    expect(Math.max(...delays)).toBe(C.quietMs);
  });

  it('B1: a connection that never changed is checked at the quiet interval, which keeps p95 propagation under 60 s', () => {
    expect(at(day0)).toBe(C.quietMs);
    // A change lands uniformly within a check interval; 95 % of them wait at most 0.95 × quietMs before a run starts.
    expect(0.95 * C.quietMs).toBeLessThan(60_000 - 15_000);
  });

  it('quota: a whole quiet day spends less than the daily check budget', () => {
    expect(C.dayMs / C.quietMs).toBeLessThanOrEqual(C.dailyBudget);
  });

  it('quota: a burst may spend ahead of the even share, then waits until the next check is earned', () => {
    const now = day0 + 12 * 3_600_000;
    const share = (12 * 3_600_000) / (C.dayMs / C.dailyBudget);
    expect(at(now, { lastChangeAt: now - 1_000, pollsToday: share + C.burst - 1 })).toBe(C.activeMs);
    const d = at(now, { lastChangeAt: now - 1_000, pollsToday: share + C.burst + 50 });
    expect(d).toBe(Math.ceil(51 * (C.dayMs / C.dailyBudget)));
  });

  it('quota: an exhausted budget waits for the next quota day', () => {
    const now = day0 + 20 * 3_600_000;
    expect(at(now, { lastChangeAt: now, pollsToday: C.dailyBudget })).toBe(4 * 3_600_000);
  });

  it('quota: a simulated day of constant edits never exceeds the budget', () => {
    let now = day0;
    let polls = 0;
    while (now < day0 + C.dayMs) {
      now += at(now, { lastChangeAt: now, pollsToday: polls });
      if (now < day0 + C.dayMs) polls++;
    }
    expect(polls).toBeLessThanOrEqual(C.dailyBudget);
  });

  it('quota day rolls over after 24 h', () => {
    expect(rollQuotaDay({ now: day0 + 1000, dayStartedAt: day0, pollsToday: 7 })).toEqual({ dayStartedAt: day0, pollsToday: 7 });
    expect(rollQuotaDay({ now: day0 + C.dayMs, dayStartedAt: day0, pollsToday: 7 })).toEqual({ dayStartedAt: day0 + C.dayMs, pollsToday: 0 });
    expect(rollQuotaDay({ now: day0, dayStartedAt: null, pollsToday: 3 })).toEqual({ dayStartedAt: day0, pollsToday: 0 });
  });
});
