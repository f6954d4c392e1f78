/** Pipedrive error → our closed error set. 401 is left as HttpError so the token manager can refresh + retry. */
import { HttpError } from '../http';
import { SyncError } from '@/lib/errors';

export function mapPipedriveError(error: unknown): unknown {
  if (!(error instanceof HttpError)) return error;
  const message = typeof error.body === 'object' && error.body && 'error' in error.body ? String((error.body as { error: unknown }).error) : error.message;
  switch (error.status) {
    case 401:
      return error;
    case 403:
      return new SyncError('insufficient_permission', `Pipedrive: ${message}`, { status: 403, vendor: 'pipedrive' });
    case 404:
    case 410:
      return new SyncError('not_found', `Pipedrive: ${message}`, { status: error.status, vendor: 'pipedrive' });
    case 429: {
      // Pipedrive documents x-ratelimit-reset (seconds until the 2 s burst window resets) and no Retry-After;
      // a daily-budget 429 carries no reset we can trust, so fall back to the burst window.
      const reset = Number(error.headers.get('x-ratelimit-reset'));
      const retryAfterMs = Number.isFinite(reset) && reset > 0 ? reset * 1000 : 2000;
      return new SyncError('rate_limited', `Pipedrive: ${message}`, { status: 429, retryAfterMs, vendor: 'pipedrive' });
    }
    case 400:
    case 413: // file over Pipedrive's upload limit
    case 415: // feature (e.g. Products) not enabled for the company
    case 422:
      return new SyncError('validation', `Pipedrive: ${message}`, { status: error.status, vendor: 'pipedrive', detail: error.body });
    default:
      return new SyncError(error.status >= 500 ? 'temporary' : 'internal', `Pipedrive: ${message}`, { status: error.status, vendor: 'pipedrive' });
  }
}
