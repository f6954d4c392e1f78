/**
 * Pipedrive's daily token budget per company (reference crm-platforms §3.9): 30,000 tokens × the plan's
 * multiplier × seats, shared by every user and app of the company, reset at midnight server time (UTC
 * here). Every API call costs tokens (`x-token-cost` in the OpenAPI specs; v2 about half of v1). When the
 * budget is spent, calls answer 429 until the reset — with the burst window's x-ratelimit-* headers as
 * usual (the burst window itself still has room). No header announcing the daily remainder is documented
 * (a third party reports `x-daily-ratelimit-token-remaining`, unconfirmed), so none is sent.
 */
import type { PlanName } from './types';

const MULTIPLIER: Record<PlanName, number> = {
  lite: 1,
  essential: 1,
  growth: 2,
  advanced: 2,
  premium: 5,
  professional: 5,
  power: 7,
  ultimate: 7,
  enterprise: 7,
};

export function dailyTokenBudget(plan: PlanName, seats: number): number {
  return 30_000 * MULTIPLIER[plan] * Math.max(1, seats);
}

/** Token cost of one call (`METHOD /path` with ids as `:id`), from the specs' `x-token-cost` (reference §3.2). */
export function tokenCost(endpoint: string): number {
  const [method, path = ''] = endpoint.split(' ');
  if (path.startsWith('/api/v2/')) {
    if (path.endsWith('/search')) return 20;
    if (method === 'GET') return /\/:id$/.test(path) ? 1 : 10;
    if (method === 'DELETE') return 3;
    return 5;
  }
  if (path.endsWith('/search')) return 40;
  if (method === 'GET') return /\/:id$/.test(path) ? 2 : 20;
  if (method === 'DELETE') return 6;
  return 10;
}

/** Tokens spent per company on the current UTC day. */
export class DailyTokens {
  private day = '';
  private spent = new Map<number, number>();

  /** Charges the call if the budget allows it; false when it is spent (the call is refused, costs nothing). */
  charge(companyId: number, cost: number, budget: number, now: number): boolean {
    const day = new Date(now).toISOString().slice(0, 10);
    if (day !== this.day) {
      this.day = day;
      this.spent.clear();
    }
    const used = this.spent.get(companyId) ?? 0;
    if (used + cost > budget) return false;
    this.spent.set(companyId, used + cost);
    return true;
  }

  spentToday(companyId: number): number {
    return this.spent.get(companyId) ?? 0;
  }

  reset(): void {
    this.spent.clear();
  }
}
