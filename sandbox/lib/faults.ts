/**
 * Fault injection shared by all emulators. Tests and reviewers add rules over HTTP
 * (POST {prefix}/_admin/faults) or in-process (emulator.faults.add()).
 *
 * phase 'before': the request is answered with the fault and NOT applied.
 * phase 'after':  the request IS applied, then answered with the fault — models "the vendor accepted the
 *                 write but we never saw the answer" (a crash between a remote write and our bookkeeping).
 */
import type { SandboxRequest, SandboxResponse } from './http';

export type FaultRule = {
  id?: string;
  method?: string;
  /** Regex tested against the path relative to the emulator prefix (plus '?' + query when present). */
  path?: string;
  phase?: 'before' | 'after';
  /** How many matching requests fail; omit for "until removed". */
  times?: number;
  /** Let this many matching requests through first. */
  skip?: number;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Extra latency before answering (ms). */
  delayMs?: number;
};

export class FaultInjector {
  private rules: (FaultRule & { id: string; hits: number; seen: number })[] = [];
  private counter = 0;

  add(rule: FaultRule): string {
    const id = rule.id ?? `fault-${++this.counter}`;
    this.rules.push({ phase: 'before', ...rule, id, hits: 0, seen: 0 });
    return id;
  }
  clear(): void { this.rules = []; }
  list(): FaultRule[] { return this.rules.map((r) => ({ ...r })); }

  /** Returns a response to send instead of (phase before) or after (phase after) the real handler. */
  match(req: Pick<SandboxRequest, 'method' | 'path' | 'url'>, phase: 'before' | 'after'): SandboxResponse | null {
    const target = req.url.search ? `${req.path}${req.url.search}` : req.path;
    for (const rule of this.rules) {
      if ((rule.phase ?? 'before') !== phase) continue;
      if (rule.method && rule.method.toUpperCase() !== req.method) continue;
      if (rule.path && !new RegExp(rule.path).test(target)) continue;
      rule.seen++;
      if (rule.skip && rule.seen <= rule.skip) continue;
      if (rule.times !== undefined && rule.hits >= rule.times) continue;
      rule.hits++;
      const body = rule.body === undefined ? '' : typeof rule.body === 'string' ? rule.body : JSON.stringify(rule.body);
      return {
        status: rule.status,
        headers: { ...(typeof rule.body === 'object' ? { 'content-type': 'application/json; charset=utf-8' } : {}), ...rule.headers },
        body,
      };
    }
    return null;
  }

  delayFor(req: Pick<SandboxRequest, 'method' | 'path' | 'url'>): number {
    const target = req.url.search ? `${req.path}${req.url.search}` : req.path;
    let delay = 0;
    for (const rule of this.rules) {
      if (!rule.delayMs) continue;
      if (rule.method && rule.method.toUpperCase() !== req.method) continue;
      if (rule.path && !new RegExp(rule.path).test(target)) continue;
      delay = Math.max(delay, rule.delayMs);
    }
    return delay;
  }
}

/**
 * Sliding-window counter used for per-minute quotas and burst limits. Each key's hits are kept in time
 * order and expire from the front, so a window holding thousands of hits (limits raised for benchmarks)
 * costs no scan per request.
 */
export class SlidingWindow {
  private hits = new Map<string, { times: number[]; head: number }>();
  constructor(public limit: number, public windowMs: number) {}
  /** Records a hit; returns { allowed, remaining, resetAt }. `limit` overrides the window's limit for this key (per-plan limits). */
  hit(key: string, now: number, limit = this.limit): { allowed: boolean; remaining: number; resetAt: number } {
    let w = this.hits.get(key);
    if (!w) this.hits.set(key, (w = { times: [], head: 0 }));
    const cutoff = now - this.windowMs;
    while (w.head < w.times.length && w.times[w.head]! <= cutoff) w.head++;
    if (w.head > 1024 && w.head * 2 > w.times.length) {
      w.times = w.times.slice(w.head);
      w.head = 0;
    }
    const allowed = w.times.length - w.head < limit;
    if (allowed) {
      // A clock set back (tests) may record an earlier time: it goes where it belongs in the order.
      let i = w.times.length;
      while (i > w.head && w.times[i - 1]! > now) i--;
      if (i === w.times.length) w.times.push(now);
      else w.times.splice(i, 0, now);
    }
    const count = w.times.length - w.head;
    const resetAt = (count ? w.times[w.head]! : now) + this.windowMs;
    return { allowed, remaining: Math.max(0, limit - count), resetAt };
  }
  reset(): void { this.hits.clear(); }
}
