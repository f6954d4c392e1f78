/**
 * How often to ask Google whether a synced group changed (B1: provider → CRM in under a minute; Google has
 * no push). Pure, so the numbers are table-tested.
 *
 * - Recently changed (within `activeWindowMs` of the last change seen): every `activeMs` — people who edit
 *   one contact tend to edit the next.
 * - Then the interval doubles per `activeWindowMs` of quiet, up to `quietMs`, which bounds the wait for the
 *   first edit after a quiet spell (p95 propagation ≈ 0.95 × quietMs + one run).
 * - Never over the daily budget: checks count against Google's sync-request allowance per user (observed
 *   ~3,000 / 24 h; we spend at most `dailyBudget` on checks and leave the rest to real runs). A token bucket:
 *   the budget accrues evenly over the day plus a `burst` allowance; a connection that spent what it has
 *   earned waits until the next check is earned; an exhausted budget waits for the next quota day (hourly
 *   runs remain the safety net). Quiet checking alone (24 h / quietMs) stays under the budget.
 * - Per-minute quota: `activeMs` = 5 s is 12 reads/min/user, well inside the ~60/min/user safe budget.
 */
export const POLL_CADENCE = {
  activeMs: 5_000,
  quietMs: 40_000,
  activeWindowMs: 120_000,
  dailyBudget: 2_400,
  /** Checks a burst may spend ahead of the day's even share (a token bucket's depth). */
  burst: 600,
  dayMs: 24 * 60 * 60 * 1000,
} as const;

export type PollCadence = typeof POLL_CADENCE;

export type PollState = {
  now: number;
  /** When a check last found a change (null: never). */
  lastChangeAt: number | null;
  /** Checks spent since `dayStartedAt`. */
  pollsToday: number;
  dayStartedAt: number;
};

/** Milliseconds until the next check. */
export function nextPollDelay(s: PollState, c: PollCadence = POLL_CADENCE): number {
  const quietFor = s.lastChangeAt === null ? Number.POSITIVE_INFINITY : Math.max(0, s.now - s.lastChangeAt);
  let delay: number;
  if (quietFor < c.activeWindowMs) delay = c.activeMs;
  else if (!Number.isFinite(quietFor)) delay = c.quietMs;
  else delay = Math.min(c.quietMs, c.activeMs * 2 ** Math.ceil((quietFor - c.activeWindowMs + 1) / c.activeWindowMs));
  const elapsed = Math.max(0, s.now - s.dayStartedAt);
  if (s.pollsToday >= c.dailyBudget) return Math.max(delay, c.dayMs - elapsed);
  const perCheckMs = c.dayMs / c.dailyBudget;
  const earned = Math.floor(elapsed / perCheckMs) + c.burst;
  if (s.pollsToday < earned) return delay;
  // Spent ahead of the even share: wait until the next check is earned.
  return Math.max(delay, Math.ceil((s.pollsToday - c.burst + 1) * perCheckMs - elapsed));
}

/** The quota day rolls over `dayMs` after it started; returns the (possibly new) day start and count. */
export function rollQuotaDay(s: { now: number; dayStartedAt: number | null; pollsToday: number }, c: PollCadence = POLL_CADENCE): { dayStartedAt: number; pollsToday: number } {
  if (s.dayStartedAt === null || s.now - s.dayStartedAt >= c.dayMs) return { dayStartedAt: s.now, pollsToday: 0 };
  return { dayStartedAt: s.dayStartedAt, pollsToday: s.pollsToday };
}
