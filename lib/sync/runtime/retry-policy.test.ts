/** R1/B10: one error policy for both runners and the bookkeeping — every code's decision, table-tested. */
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, SyncError, type ErrorCode } from '@/lib/errors';
import { RetryLaterError } from './step';
import { decideAfterError, FAILURES_BEFORE_ERROR_STATUS, MAX_ATTEMPTS, MAX_RATE_LIMIT_WAITS, MAX_WAIT_MS, rateLimitWait, statusAfterFinalError } from './retry-policy';

const ctx = (attempt = 1, rateLimitWaits = 0) => ({ attempt, rateLimitWaits, baseBackoffMs: 100 });

describe('R1 decideAfterError', () => {
  const cases: [ErrorCode, 'retry' | 'final' | 'wait'][] = [
    ['temporary', 'retry'],
    ['internal', 'retry'],
    ['precondition_failed', 'retry'],
    ['cursor_invalid', 'retry'],
    ['rate_limited', 'wait'],
    ['auth_revoked', 'final'],
    ['insufficient_permission', 'final'],
    ['uninstalled', 'final'],
    ['not_found', 'final'],
    ['validation', 'final'],
  ];
  it('R1: covers every code of the closed set', () => {
    expect(cases.map(([c]) => c).sort()).toEqual((Object.keys(ERROR_CODES) as ErrorCode[]).sort());
  });
  it.each(cases)('R1: %s on the first attempt → %s', (code, kind) => {
    expect(decideAfterError(new SyncError(code, code), ctx()).kind).toBe(kind);
  });
  it('R1: retries back off exponentially and stop after MAX_ATTEMPTS', () => {
    const e = new SyncError('temporary', 'x');
    expect(decideAfterError(e, ctx(1))).toEqual({ kind: 'retry', ms: 100 });
    expect(decideAfterError(e, ctx(2))).toEqual({ kind: 'retry', ms: 200 });
    expect(decideAfterError(e, ctx(3))).toEqual({ kind: 'retry', ms: 400 });
    expect(decideAfterError(e, ctx(MAX_ATTEMPTS))).toEqual({ kind: 'final', code: 'temporary' });
  });
  it('R1: a rate limit waits what the vendor asked (capped), spends no attempt, and ends after MAX_RATE_LIMIT_WAITS', () => {
    expect(decideAfterError(new RetryLaterError('429', 1500), ctx(MAX_ATTEMPTS))).toEqual({ kind: 'wait', ms: 1500 });
    expect(decideAfterError(new SyncError('rate_limited', '429', { retryAfterMs: 10 * 60_000 }), ctx())).toEqual({ kind: 'wait', ms: MAX_WAIT_MS });
    expect(decideAfterError(new RetryLaterError('429', 1), ctx(1, MAX_RATE_LIMIT_WAITS)).kind).toBe('final');
    expect(rateLimitWait(new SyncError('temporary', 'x'))).toBeNull();
  });
  it('R1: an unknown error is internal (retried), never silently final', () => {
    expect(decideAfterError(new Error('boom'), ctx())).toEqual({ kind: 'retry', ms: 100 });
  });
});

describe('B10 statusAfterFinalError', () => {
  it('R2: a revoked grant asks for a reconnect at once', () => {
    expect(statusAfterFinalError('auth_revoked', 1)).toBe('needs_reconnect');
  });
  it('B10: a retryable failure shows `error` (with an action) only after several failed runs in a row', () => {
    expect(statusAfterFinalError('temporary', FAILURES_BEFORE_ERROR_STATUS - 1)).toBeNull();
    expect(statusAfterFinalError('temporary', FAILURES_BEFORE_ERROR_STATUS)).toBe('error');
  });
  it('B10: a permission problem stops at once; an uninstall changes nothing (the connection is already disabled)', () => {
    expect(statusAfterFinalError('insufficient_permission', 1)).toBe('error');
    expect(statusAfterFinalError('uninstalled', 9)).toBeNull();
  });
});
