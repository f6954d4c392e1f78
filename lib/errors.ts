/**
 * The closed set of error codes (ARCHITECTURE §6). Every vendor error is mapped to one of these by the
 * vendor's errors.ts, and every code maps to exactly one action and one message a person can act on.
 */
export const ERROR_CODES = {
  temporary: { action: 'retry', message: 'The service had a temporary problem. Synclane retries automatically.' },
  rate_limited: { action: 'wait', message: 'The service asked us to slow down. Synclane waits and continues automatically.' },
  cursor_invalid: { action: 'reset_cursor', message: 'The change feed expired; Synclane runs a full comparison (no duplicates, nothing deleted).' },
  auth_revoked: { action: 'reconnect', message: 'Access was revoked or expired. Press Reconnect to authorize again; nothing has been deleted.' },
  insufficient_permission: { action: 'stop', message: 'Your CRM user lacks a permission this sync needs.' },
  not_found: { action: 'skip', message: 'The record no longer exists.' },
  validation: { action: 'skip', message: 'The service rejected this record.' },
  precondition_failed: { action: 'retry', message: 'The record changed while we were writing it; Synclane re-reads it and retries.' },
  uninstalled: { action: 'stop', message: 'Synclane was uninstalled from this CRM account.' },
  internal: { action: 'retry', message: 'Something unexpected went wrong. Synclane retries; if it persists, contact support.' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
export type ErrorAction = (typeof ERROR_CODES)[ErrorCode]['action'];

export class SyncError extends Error {
  constructor(
    public code: ErrorCode,
    message: string,
    public options: { status?: number; retryAfterMs?: number; vendor?: string; detail?: unknown } = {},
  ) {
    super(message);
    this.name = 'SyncError';
  }
  get action(): ErrorAction {
    return ERROR_CODES[this.code].action;
  }
}

export function toSyncError(error: unknown): SyncError {
  if (error instanceof SyncError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof TypeError && /fetch failed|ECONNREFUSED|ECONNRESET|socket/i.test(`${message} ${String((error as { cause?: unknown }).cause ?? '')}`))
    return new SyncError('temporary', `Network error: ${message}`);
  return new SyncError('internal', message);
}

/** Parses Retry-After (seconds or HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}
