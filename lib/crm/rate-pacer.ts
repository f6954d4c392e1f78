/**
 * Client-side pacing for the CRMs' rate limits, so we run AT the allowed rate and never over it (a 429 costs a
 * wasted call and, in the run, a retry-later). Both CRMs count requests in a sliding window per token /
 * integration and say so in `x-ratelimit-*` headers:
 *   - Pipedrive: burst limit per token per rolling 2 s (80 … 480 by plan for OAuth apps), `x-ratelimit-limit`,
 *     `x-ratelimit-remaining`, `x-ratelimit-reset` (seconds); search endpoints 10 per 2 s for everyone.
 *   - Teamleader: 200 per sliding 60 s per integration per account, `x-ratelimit-reset` as an ISO timestamp.
 *
 * The pacer keeps a log of its own requests and lets a request go only while fewer than `limit` of them count
 * against the window. A request counts from the moment it is sent until `windowMs + safetyMs` after its answer
 * came back: the vendor counted it on arrival, which lies somewhere between the two, so measuring from the answer
 * is never early however long the request travelled or waited in a busy event loop (measuring from the send
 * was: under load, a batch sent together arrives spread out, and the next batch can overtake the window). It
 * costs one round trip per window of throughput (94 % of the allowed rate at 100 ms and a 2 s window). Part of
 * that round trip can be given back (`returnFloor`): the next call reaches the vendor no sooner than the path's
 * fastest way in after we send it, and an earlier call's answer came back no sooner than the fastest way out after
 * the vendor counted it; on a stable path those two floors add up to the fastest round trip seen, whichever way
 * it is split. Half of it is given back (96 % at 100 ms), never more than a quarter window; a 429 switches that
 * off for ten minutes.
 * It starts from the vendor's documented default (the lowest
 * plan) and learns the real limit from `x-ratelimit-limit`. Others may spend the same budget (the install
 * flow, another server instance): the first request goes alone, and every answer's `x-ratelimit-remaining`
 * tells how much of the window is used by calls that are not ours, which is then left free. A 429 blocks it
 * until the reset the vendor names. One pacer per budget, shared by every client for that budget in this
 * process (`pacerFor`).
 */
import { parseRetryAfter } from '@/lib/errors';

export type PacerClock = { now(): number; sleep(ms: number): Promise<void> };

export const realClock: PacerClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export type RatePacerOptions = {
  /** Requests allowed per window until the vendor's headers say otherwise. */
  limit: number;
  windowMs: number;
  /** Added to the window on our side (default 100 ms). */
  safetyMs?: number;
  /** Whether `x-ratelimit-limit` may change `limit` (false for a sub-budget such as Pipedrive search). */
  learnLimit?: boolean;
  /**
   * Send one request alone first and read the budget from its answer (default true). Waits at most
   * `probeTimeoutMs` (default 2 s) for that answer.
   */
  probe?: boolean;
  probeTimeoutMs?: number;
  /** Let a call stop counting half the fastest round trip seen before a window after its answer (default true). */
  returnFloor?: boolean;
  clock?: PacerClock;
};

/** How long a 429 switches the return-floor allowance off. */
const RETURN_FLOOR_OFF_AFTER_429_MS = 10 * 60_000;

/** One request: `sentAt` when it left; `at` when it stops counting minus the window (its answer's time; Infinity in flight). */
export type PacerTicket = { sentAt: number; at: number; seq?: number };

type HeaderSource = { get(name: string): string | null };

export class RatePacer {
  limit: number;
  readonly windowMs: number;
  private readonly safetyMs: number;
  private readonly learnLimit: boolean;
  private readonly clock: PacerClock;
  private log: PacerTicket[] = [];
  private blockedUntil = 0;
  private readonly probe: boolean;
  private readonly probeTimeoutMs: number;
  private observed = false;
  /** Calls in the current window that are not ours (from `x-ratelimit-remaining`), until `externalUntil`. */
  private external = 0;
  private externalUntil = 0;
  private queue: Promise<void> = Promise.resolve();
  /** Send order (several calls leave in the same millisecond). */
  private sends = 0;
  private readonly returnFloor: boolean;
  /** The fastest round trip seen (send → answer headers), ms. */
  private fastestRoundTrip = Number.POSITIVE_INFINITY;
  private returnFloorOffUntil = 0;

  constructor(opts: RatePacerOptions) {
    this.limit = opts.limit;
    this.windowMs = opts.windowMs;
    this.safetyMs = opts.safetyMs ?? 100;
    this.learnLimit = opts.learnLimit ?? true;
    this.clock = opts.clock ?? realClock;
    this.probe = opts.probe ?? true;
    this.probeTimeoutMs = opts.probeTimeoutMs ?? 2000;
    this.returnFloor = opts.returnFloor ?? true;
  }

  /**
   * How long after its answer a call still counts: the window and the margin, less the least time the answer
   * can have taken to come back (half the fastest round trip; never more than a quarter window).
   */
  private span(now: number): number {
    const back = this.returnFloor && now >= this.returnFloorOffUntil && Number.isFinite(this.fastestRoundTrip) ? Math.min(this.fastestRoundTrip / 2, this.windowMs / 4) : 0;
    return this.windowMs + this.safetyMs - back;
  }

  /**
   * Resolves when this request may be sent; callers are served in order. When a request waits on several
   * pacers, call `sent(ticket)` on each once the last one let it go, so every log holds the real send time.
   */
  acquire(): Promise<PacerTicket> {
    const turn = this.queue.then(() => this.waitForSlot());
    this.queue = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn;
  }

  /** The request leaves now (call once every pacer it waited on let it go). It counts until `done`. */
  sent(ticket: PacerTicket): void {
    ticket.sentAt = this.clock.now();
    ticket.seq = ++this.sends;
    this.move(ticket, Number.POSITIVE_INFINITY);
  }

  /** The answer (or a network failure) is here: the request counts for one more window from now. */
  done(ticket: PacerTicket): void {
    if (ticket.at !== Number.POSITIVE_INFINITY) return;
    this.move(ticket, this.clock.now());
  }

  /**
   * Sets `ticket.at` and keeps the log ordered by `at`. Tickets moved are in flight (at the end of the log),
   * so both searches start there: a window of thousands of calls (a raised limit) costs no scan per call.
   */
  private move(ticket: PacerTicket, at: number): void {
    const i = this.log.lastIndexOf(ticket);
    if (i >= 0) this.log.splice(i, 1);
    ticket.at = at;
    let j = this.log.length;
    while (j > 0 && this.log[j - 1]!.at > at) j--;
    this.log.splice(j, 0, ticket);
  }

  /** Index of the first ticket of the log (ordered by `at`) with `at >= t` (`at > t` when `strict`). */
  private firstAtOrAfter(t: number, strict = false): number {
    let lo = 0;
    let hi = this.log.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const at = this.log[mid]!.at;
      if (at < t || (strict && at === t)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of the first ticket still counting at `t`: the log is ordered by `at`. */
  private firstAfter(t: number): number {
    return this.firstAtOrAfter(t, true);
  }

  private async waitForSlot(): Promise<PacerTicket> {
    for (;;) {
      const now = this.clock.now();
      const span = this.span(now);
      // Calls that stopped counting stay in the log for one more window: `observe` judges an answer against
      // the calls that counted when the vendor received it, a round trip ago.
      while (this.log.length && this.log[0]!.at <= now - span - this.windowMs) this.log.shift();
      const counting = this.log.length - this.firstAfter(now - span);
      if (now >= this.externalUntil) this.external = 0;
      let until = this.blockedUntil;
      const room = this.limit - this.external;
      if (room <= 0) until = Math.max(until, this.externalUntil);
      else if (counting >= room) until = Math.max(until, this.log[this.log.length - room]!.at + span);
      const probing = this.probe && !this.observed && this.log.length > 0;
      if (probing) until = Math.max(until, Math.min(this.log[0]!.sentAt + this.probeTimeoutMs, now + 25));
      if (until <= now) {
        // Counts from now: in flight until `sent` (which restamps it) and `done`.
        const ticket: PacerTicket = { sentAt: now, at: Number.POSITIVE_INFINITY };
        this.log.push(ticket);
        return ticket;
      }
      // The slot frees when an answer comes back: poll (no event to wait on across fetches).
      await this.clock.sleep(Number.isFinite(until) ? until - now : 10);
    }
  }

  /**
   * Reads the vendor's answer to the request sent with `ticket`: its limit, how much of the window others
   * use (remaining vs. our own calls up to this one), and a 429's wait.
   */
  observe(ticket: PacerTicket | null, status: number, headers: HeaderSource): void {
    const now = this.clock.now();
    if (ticket) {
      this.done(ticket);
      if (status !== 429) this.fastestRoundTrip = Math.min(this.fastestRoundTrip, now - ticket.sentAt);
    }
    this.observed = true;
    const limit = Number(headers.get('x-ratelimit-limit'));
    if (this.learnLimit && Number.isInteger(limit) && limit > 0) this.limit = limit;
    // A reset further away than the window cannot be about this budget (clock skew, a daily budget): cap it.
    const cap = (ms: number) => Math.min(ms, this.windowMs + this.safetyMs);
    const resetMs = parseRetryAfter(headers.get('x-ratelimit-reset'), now);
    const remaining = Number(headers.get('x-ratelimit-remaining') ?? Number.NaN);
    if (status === 429) {
      const wait = parseRetryAfter(headers.get('retry-after'), now) ?? resetMs ?? this.windowMs;
      this.blockedUntil = Math.max(this.blockedUntil, now + cap(wait));
      // We (or someone sharing the budget) went over: back to counting a full window after each answer.
      this.returnFloorOffUntil = now + RETURN_FLOOR_OFF_AFTER_429_MS;
    } else if (Number.isFinite(remaining) && ticket) {
      // The vendor counted this call and everything that reached it before: of ours, the calls sent before
      // it (in send order; still counting in the window, answered or in flight). Counting only those answered
      // before it was sent (the sure ones) made every answer under concurrency blame our own calls in flight
      // on "someone else" and held the engine at a fraction of the limit. Calls sent earlier reach the vendor
      // first but for jitter, which can make one answer's estimate low: the largest estimate of the last
      // window is kept (reserved for one window), so others' share is never dropped by a single answer.
      const from = ticket.sentAt - this.windowMs - this.safetyMs;
      const seq = ticket.seq ?? Number.POSITIVE_INFINITY;
      let ours = 1;
      for (let k = this.firstAtOrAfter(from); k < this.log.length; k++) {
        const t = this.log[k]!;
        if (t !== ticket && (t.seq ?? 0) < seq) ours++;
      }
      const estimate = Math.max(0, this.limit - remaining - ours);
      if (now >= this.externalUntil || estimate >= this.external) {
        this.external = estimate;
        if (estimate > 0) this.externalUntil = now + this.windowMs;
      }
    }
  }
}

const pacers = new Map<string, RatePacer>();
const MAX_PACERS = 10_000;

const NO_HEADERS: HeaderSource = { get: () => null };

/**
 * Runs one request that costs `weight` of a budget the vendor does not describe in headers — Google's
 * per-minute quotas per user, Graph's requests per mailbox (a JSON batch costs one per request in it) —
 * under its pacer (none: unpaced). `failure` says what an error answered: a 429 blocks the pacer for the
 * vendor's Retry-After.
 */
export async function paced<T>(
  pacer: RatePacer | undefined,
  weight: number,
  fn: () => Promise<T>,
  failure: (error: unknown) => { status: number; retryAfterMs?: number } | null = () => null,
): Promise<T> {
  if (!pacer || weight <= 0) return fn();
  const tickets: PacerTicket[] = [];
  for (let i = 0; i < weight; i++) tickets.push(await pacer.acquire());
  for (const ticket of tickets) pacer.sent(ticket);
  try {
    const result = await fn();
    for (const ticket of tickets) pacer.observe(ticket, 200, NO_HEADERS);
    return result;
  } catch (error) {
    const answer = failure(error);
    const headers: HeaderSource =
      answer?.retryAfterMs !== undefined ? { get: (name) => (name.toLowerCase() === 'retry-after' ? String(Math.ceil(answer.retryAfterMs! / 1000)) : null) } : NO_HEADERS;
    for (const ticket of tickets) {
      if (answer) pacer.observe(ticket, answer.status, headers);
      else pacer.done(ticket);
    }
    throw error;
  }
}

/** The process-wide pacer for one budget (e.g. `pipedrive:<crm user id>`), created on first use. */
export function pacerFor(key: string, defaults: RatePacerOptions): RatePacer {
  let pacer = pacers.get(key);
  if (!pacer) {
    if (pacers.size >= MAX_PACERS) pacers.delete(pacers.keys().next().value!);
    pacer = new RatePacer(defaults);
    pacers.set(key, pacer);
  }
  return pacer;
}

/** Documented defaults (reference: crm-platforms.md §3.9, §4.3); headers refine `limit`. */
/**
 * Pipedrive: a 25 ms margin is enough because our calls already count from their answer, which comes after
 * the vendor counted them by at least the way back (the default 100 ms margin cost 5 % of the rate).
 */
export const PIPEDRIVE_BURST: RatePacerOptions = { limit: 80, windowMs: 2_000, safetyMs: 25 };
export const PIPEDRIVE_SEARCH_BURST: RatePacerOptions = { limit: 10, windowMs: 2_000, learnLimit: false };
export const TEAMLEADER_RATE: RatePacerOptions = { limit: 200, windowMs: 60_000 };
/**
 * Google People API: per-minute quotas per user, no rate headers (reference providers.md §4.6: treat ~60 per
 * minute per user as the safe default, for reads and for writes). Nothing to learn or probe.
 */
export const GOOGLE_PEOPLE_READS: RatePacerOptions = { limit: 60, windowMs: 60_000, safetyMs: 500, learnLimit: false, probe: false };
export const GOOGLE_PEOPLE_WRITES: RatePacerOptions = { limit: 60, windowMs: 60_000, safetyMs: 500, learnLimit: false, probe: false };
/** Microsoft Graph, Outlook: 10,000 requests per 10 minutes per app and mailbox (each request of a JSON batch counts). */
export const GRAPH_MAILBOX_REQUESTS: RatePacerOptions = { limit: 10_000, windowMs: 600_000, safetyMs: 1_000, learnLimit: false, probe: false };
