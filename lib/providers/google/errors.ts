/** Google JSON errors (GaxiosError) → our closed error set. 401 stays as-is for refresh + retry. */
import { SyncError, parseRetryAfter } from '@/lib/errors';

type GoogleErrorBody = { error?: { code?: number; message?: string; status?: string; details?: { reason?: string }[] } };

export function googleStatus(error: unknown): number | undefined {
  const e = error as { status?: number; response?: { status?: number } };
  return e?.response?.status ?? e?.status;
}

export const isGoogleUnauthorized = (error: unknown) => googleStatus(error) === 401;

export function mapGoogleError(error: unknown): unknown {
  const status = googleStatus(error);
  if (!status || status === 401) return error;
  const data = (error as { response?: { data?: GoogleErrorBody; headers?: Record<string, string> } }).response?.data;
  const message = data?.error?.message ?? (error as Error).message;
  const reasons = (data?.error?.details ?? []).map((d) => d.reason);
  const opts = { status, vendor: 'google', detail: data };
  if (reasons.includes('EXPIRED_SYNC_TOKEN') || (status === 410 && /sync token/i.test(message)) || /Sync token is expired/i.test(message))
    return new SyncError('cursor_invalid', `Google: ${message}`, opts);
  if (status === 400 && (data?.error?.status === 'FAILED_PRECONDITION' || /etag/i.test(message)))
    return new SyncError('precondition_failed', `Google: ${message}`, opts);
  if (status === 429) {
    // gaxios 7 answers with fetch `Headers`; older versions with a plain object.
    const headers = (error as { response?: { headers?: Headers | Record<string, string> } }).response?.headers;
    const retryAfter = headers instanceof Headers ? headers.get('retry-after') : headers?.['retry-after'];
    return new SyncError('rate_limited', `Google: ${message}`, { ...opts, retryAfterMs: parseRetryAfter(retryAfter) ?? 30_000 });
  }
  if (status === 403) return new SyncError('insufficient_permission', `Google: ${message}`, opts);
  if (status === 404) return new SyncError('not_found', `Google: ${message}`, opts);
  if (status === 400 || status === 409) return new SyncError('validation', `Google: ${message}`, opts);
  return new SyncError(status >= 500 ? 'temporary' : 'internal', `Google: ${message}`, opts);
}

/** What a failed People API call answered, for the account's pacer (a 429 holds it for Google's Retry-After). */
export function googleFailure(error: unknown): { status: number; retryAfterMs?: number } | null {
  const status = googleStatus(error);
  if (!status) return null;
  const mapped = mapGoogleError(error);
  return { status, retryAfterMs: mapped instanceof SyncError ? mapped.options.retryAfterMs : undefined };
}
