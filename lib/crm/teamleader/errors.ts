/** Teamleader `{errors:[{title}]}` → our closed error set. 401 stays an HttpError for refresh + retry. */
import { HttpError } from '../http';
import { SyncError, parseRetryAfter } from '@/lib/errors';

export function teamleaderErrorTitle(body: unknown): string {
  const errors = (body as { errors?: { title?: string }[] } | null)?.errors;
  return errors?.map((e) => e.title).filter(Boolean).join('; ') || (typeof body === 'string' ? body : 'unknown error');
}

export function mapTeamleaderError(error: unknown): unknown {
  if (!(error instanceof HttpError)) return error;
  const title = teamleaderErrorTitle(error.body);
  switch (error.status) {
    case 401:
      return error;
    case 403:
      return new SyncError('insufficient_permission', `Teamleader: ${title}`, { status: 403, vendor: 'teamleader' });
    case 404:
      return new SyncError('not_found', `Teamleader: ${title}`, { status: 404, vendor: 'teamleader' });
    case 429: {
      const reset = error.headers.get('x-ratelimit-reset');
      const retryAfterMs = parseRetryAfter(error.headers.get('retry-after')) ?? (reset ? Math.max(1000, Date.parse(reset) - Date.now()) : 5000);
      return new SyncError('rate_limited', `Teamleader: ${title}`, { status: 429, retryAfterMs, vendor: 'teamleader' });
    }
    case 400:
    case 422:
      return new SyncError('validation', `Teamleader: ${title}`, { status: error.status, vendor: 'teamleader', detail: error.body });
    default:
      return new SyncError(error.status >= 500 ? 'temporary' : 'internal', `Teamleader: ${title}`, { status: error.status, vendor: 'teamleader' });
  }
}
