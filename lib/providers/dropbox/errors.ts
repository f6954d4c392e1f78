/**
 * Dropbox errors (the SDK's DropboxResponseError{status, headers, error}) → our closed error set.
 * 401 stays as-is so the token manager refreshes once and retries; a second 401 means needs-reconnect.
 * Route errors (409) are matched on `error_summary` by prefix, never by equality (providers.md §1.9).
 */
import { SyncError, parseRetryAfter, toSyncError } from '@/lib/errors';

type DropboxErrorLike = { status?: number; headers?: Headers | Record<string, string>; error?: unknown };

export function dropboxStatus(error: unknown): number | undefined {
  const status = (error as DropboxErrorLike | null)?.status;
  return typeof status === 'number' && status > 0 ? status : undefined;
}

export const isDropboxUnauthorized = (error: unknown) => dropboxStatus(error) === 401;

/** `error_summary` of a 4xx answer ("path/not_found/.."), or the plain-text body of a 400. */
export function dropboxErrorSummary(error: unknown): string {
  const body = (error as DropboxErrorLike | null)?.error;
  if (typeof body === 'string') return body;
  const summary = (body as { error_summary?: unknown } | undefined)?.error_summary;
  return typeof summary === 'string' ? summary : '';
}

function header(error: DropboxErrorLike, name: string): string | null {
  const h = error.headers;
  if (!h) return null;
  if (typeof (h as Headers).get === 'function') return (h as Headers).get(name);
  const record = h as Record<string, string>;
  return record[name] ?? record[name.toLowerCase()] ?? null;
}

/** `retry_after` from a RateLimitError body, in seconds. */
function bodyRetryAfter(error: DropboxErrorLike): number | undefined {
  const body = error.error as { error?: { retry_after?: unknown } } | undefined;
  const value = body?.error?.retry_after;
  return typeof value === 'number' ? value : undefined;
}

/** Did the write lose against a newer version (update(rev) + strict_conflict) or an existing name? */
export function isDropboxConflict(error: unknown): boolean {
  return error instanceof SyncError ? error.code === 'precondition_failed' && error.options.vendor === 'dropbox' : /(^|\/)conflict\//.test(dropboxErrorSummary(error));
}

/** UploadSessionLookupError.incorrect_offset{correct_offset}, also nested under finish's lookup_failed. */
function correctOffsetOf(error: DropboxErrorLike): number | undefined {
  const union = (error.error as { error?: Record<string, unknown> } | undefined)?.error;
  const value = (union?.correct_offset ?? (union?.lookup_failed as { correct_offset?: unknown } | undefined)?.correct_offset) as unknown;
  return typeof value === 'number' ? value : undefined;
}

const SEGMENT = (summary: string, tag: string) => new RegExp(`(^|/)${tag}(/|$)`).test(summary);

export function mapDropboxError(error: unknown): unknown {
  if (error instanceof SyncError) return error;
  const status = dropboxStatus(error);
  if (!status) return error instanceof TypeError ? toSyncError(error) : error;
  if (status === 401) return error;
  const e = error as DropboxErrorLike;
  const summary = dropboxErrorSummary(error);
  const message = `Dropbox: ${summary || `HTTP ${status}`}`;
  const offset = correctOffsetOf(e);
  const opts = { status, vendor: 'dropbox', detail: offset === undefined ? { summary } : { summary, correctOffset: offset } };
  const wait = (fallbackSeconds: number) => parseRetryAfter(header(e, 'retry-after')) ?? (bodyRetryAfter(e) ?? fallbackSeconds) * 1000;

  if (status === 429 || SEGMENT(summary, 'too_many_write_operations')) return new SyncError('rate_limited', message, { ...opts, retryAfterMs: wait(status === 429 ? 30 : 1) });
  if (status === 409) {
    if (SEGMENT(summary, 'reset')) return new SyncError('cursor_invalid', message, opts);
    if (SEGMENT(summary, 'not_found')) return new SyncError('not_found', message, opts);
    if (SEGMENT(summary, 'conflict')) return new SyncError('precondition_failed', message, opts);
    if (SEGMENT(summary, 'insufficient_space') || SEGMENT(summary, 'insufficient_quota')) {
      return new SyncError('validation', 'Dropbox: the Dropbox account is full. Free up space or upgrade the plan, then press Refresh.', { ...opts, detail: { summary, reason: 'insufficient_space' } });
    }
    if (SEGMENT(summary, 'no_write_permission') || SEGMENT(summary, 'team_folder') || SEGMENT(summary, 'access_restricted')) return new SyncError('insufficient_permission', message, opts);
    if (SEGMENT(summary, 'content_hash_mismatch')) return new SyncError('temporary', `${message} (the upload was corrupted in transit)`, opts);
    return new SyncError('validation', message, opts);
  }
  if (status === 400 || status === 422) return new SyncError('validation', message, opts);
  if (status === 403) return new SyncError('insufficient_permission', message, opts);
  if (status >= 500) {
    const retryAfterMs = parseRetryAfter(header(e, 'retry-after'));
    return new SyncError('temporary', message, retryAfterMs === undefined ? opts : { ...opts, retryAfterMs });
  }
  return new SyncError('internal', message, opts);
}
