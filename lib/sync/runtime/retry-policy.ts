/**
 * The one place that decides what an error means for a run (ARCHITECTURE §6): wait, retry, or stop — and
 * what the connection shows afterwards. Used by the in-process runner, the Inngest functions and run
 * bookkeeping, so the two runners cannot disagree.
 */
import { ERROR_CODES, SyncError, toSyncError, type ErrorCode } from '@/lib/errors';
import { RetryLaterError } from './step';

/** Attempts per run (the first try included). */
export const MAX_ATTEMPTS = 4;
/** Waiting out a rate limit is not a failure: it spends no attempt (up to this many waits per step). */
export const MAX_RATE_LIMIT_WAITS = 30;
export const BASE_BACKOFF_MS = 2_000;
export const MAX_WAIT_MS = 5 * 60_000;
/** After this many failed runs in a row the connection shows `error` with an action, instead of retrying silently. */
export const FAILURES_BEFORE_ERROR_STATUS = 3;
/** Used when a vendor asks us to slow down without saying for how long. */
export const DEFAULT_RATE_LIMIT_WAIT_MS = 30_000;

export function asSyncError(error: unknown): SyncError {
  if (error instanceof RetryLaterError) return new SyncError('rate_limited', error.message, { retryAfterMs: error.retryAfterMs });
  return toSyncError(error);
}

/** A rate-limit answer, with how long to wait; null for any other error. */
export function rateLimitWait(error: unknown): number | null {
  const e = asSyncError(error);
  if (e.code !== 'rate_limited') return null;
  return Math.min(e.options.retryAfterMs ?? DEFAULT_RATE_LIMIT_WAIT_MS, MAX_WAIT_MS);
}

export type ErrorDecision =
  | { kind: 'wait'; ms: number }
  | { kind: 'retry'; ms: number }
  | { kind: 'final'; code: ErrorCode };

/**
 * After a run failed with `error` on attempt `attempt` (1-based): wait (rate limit, no attempt spent),
 * retry with backoff, or stop for good.
 */
export function decideAfterError(error: unknown, ctx: { attempt: number; rateLimitWaits: number; baseBackoffMs?: number }): ErrorDecision {
  const e = asSyncError(error);
  const action = ERROR_CODES[e.code].action;
  if (action === 'wait') {
    if (ctx.rateLimitWaits < MAX_RATE_LIMIT_WAITS) return { kind: 'wait', ms: rateLimitWait(e) ?? DEFAULT_RATE_LIMIT_WAIT_MS };
    return { kind: 'final', code: e.code };
  }
  // Reconnect, stop, and job-level skip codes (the connection or its record is gone, or the request is
  // invalid) cannot get better by retrying.
  if (action === 'reconnect' || action === 'stop' || action === 'skip') return { kind: 'final', code: e.code };
  if (ctx.attempt >= MAX_ATTEMPTS) return { kind: 'final', code: e.code };
  const base = ctx.baseBackoffMs ?? BASE_BACKOFF_MS;
  return { kind: 'retry', ms: Math.min(base * 2 ** (ctx.attempt - 1), MAX_WAIT_MS) };
}

/**
 * The connection's user-facing status after a run failed for good, or null to keep it. A retryable error
 * only becomes `error` after several failed runs in a row, so one bad hour is not alarming, but a
 * connection that keeps failing says so and offers Refresh.
 */
export function statusAfterFinalError(code: ErrorCode, consecutiveFailures: number): 'needs_reconnect' | 'error' | null {
  const action = ERROR_CODES[code].action;
  if (action === 'reconnect') return 'needs_reconnect';
  if (code === 'uninstalled') return null;
  if (action === 'stop' || action === 'skip') return 'error';
  return consecutiveFailures >= FAILURES_BEFORE_ERROR_STATUS ? 'error' : null;
}

/** The run row's status for a final error. */
export function runStatusForError(code: ErrorCode): 'failed' | 'cancelled' {
  return code === 'uninstalled' ? 'cancelled' : 'failed';
}
