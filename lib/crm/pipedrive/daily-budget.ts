/**
 * Pipedrive's daily token budget (reference crm-platforms §3.9): 30,000 tokens × plan multiplier × seats
 * per company, shared by every user and app of that company, reset at midnight server time; each call
 * costs tokens (v2: list 10, get 1, create/update 5, delete 3, search 20). Spent → 429 until the reset.
 *
 * The burst pacer keeps us under the 2-second limit; this keeps a sync from hammering a budget that is
 * gone (the reference's strategy: fail fast): after a daily 429 every call of the company fails at once,
 * without reaching Pipedrive, with a wait until the next midnight (UTC: the server's zone is not
 * documented), so the run stops and resumes after the reset. A daily 429 is told from a burst 429 by the
 * burst window still having room (`x-ratelimit-remaining` > 0). When Pipedrive sends the daily remainder
 * (`x-daily-ratelimit-token-remaining`, reported by third parties, not documented) the sync also stops
 * while `reserve` tokens are left, for the company's people and other apps.
 */
import { SyncError, parseRetryAfter } from '@/lib/errors';
import { realClock, type PacerClock } from '../rate-pacer';

type HeaderSource = { get(name: string): string | null };

/** Token cost of a call (v2 per the specs' `x-token-cost`; v1 about twice as much). */
export function pipedriveTokenCost(method: string, path: string): number {
  const byId = /\/\d+$/.test(path);
  if (path.startsWith('/api/v2/')) {
    if (path.endsWith('/search')) return 20;
    if (method === 'GET') return byId ? 1 : 10;
    return method === 'DELETE' ? 3 : 5;
  }
  if (path.endsWith('/search')) return 40;
  if (method === 'GET') return byId ? 2 : 20;
  return method === 'DELETE' ? 6 : 10;
}

const msUntilUtcMidnight = (now: number) => {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1) - now;
};

export class PipedriveDailyBudget {
  private exhaustedUntil = 0;
  private remaining: number | null = null;
  private remainingDay = '';
  private readonly reserve: number;
  private readonly clock: PacerClock;

  constructor(opts: { reserve?: number; clock?: PacerClock } = {}) {
    this.reserve = opts.reserve ?? 2_000;
    this.clock = opts.clock ?? realClock;
  }

  /** Throws `rate_limited` (with the wait until the reset) when the call must not be sent today. */
  check(cost: number): void {
    const now = this.clock.now();
    if (now < this.exhaustedUntil) throw this.error(now);
    if (this.remaining !== null && this.remainingDay === day(now) && this.remaining - cost < this.reserve) {
      this.exhaustedUntil = now + msUntilUtcMidnight(now);
      throw this.error(now);
    }
  }

  /** Reads an answer: the daily remainder when sent, and whether a 429 is the daily budget's. */
  observe(status: number, headers: HeaderSource): void {
    const now = this.clock.now();
    const daily = Number(headers.get('x-daily-ratelimit-token-remaining') ?? Number.NaN);
    if (Number.isFinite(daily)) {
      this.remaining = daily;
      this.remainingDay = day(now);
    }
    if (status !== 429) return;
    const burstRemaining = Number(headers.get('x-ratelimit-remaining') ?? Number.NaN);
    if (daily === 0 || (Number.isFinite(burstRemaining) && burstRemaining > 0)) {
      const retry = parseRetryAfter(headers.get('retry-after'), now);
      this.exhaustedUntil = now + (retry && retry > 60_000 ? retry : msUntilUtcMidnight(now));
    }
  }

  /** Whether a daily 429 (or the reserve) stops calls right now. */
  exhausted(): boolean {
    return this.clock.now() < this.exhaustedUntil;
  }

  error(now = this.clock.now()): SyncError {
    return new SyncError('rate_limited', "Pipedrive: the company's daily API token budget is used up; the sync continues after it resets.", {
      status: 429,
      retryAfterMs: Math.max(1_000, this.exhaustedUntil - now),
      vendor: 'pipedrive',
    });
  }
}

const day = (t: number) => new Date(t).toISOString().slice(0, 10);

const budgets = new Map<string, PipedriveDailyBudget>();

/** The process-wide budget of one company (keyed by its api_domain), created on first use. */
export function dailyBudgetFor(apiDomain: string): PipedriveDailyBudget {
  let budget = budgets.get(apiDomain);
  if (!budget) {
    if (budgets.size >= 10_000) budgets.delete(budgets.keys().next().value!);
    budget = new PipedriveDailyBudget();
    budgets.set(apiDomain, budget);
  }
  return budget;
}
