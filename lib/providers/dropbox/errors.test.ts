/** Table-driven: Dropbox answers (as the SDK throws them) → the closed error codes of lib/errors.ts. */
import { describe, expect, it } from 'vitest';
import { DropboxResponseError } from 'dropbox';
import { SyncError } from '@/lib/errors';
import { isDropboxConflict, isDropboxUnauthorized, mapDropboxError } from './errors';

const answer = (status: number, error: unknown, headers: Record<string, string> = {}) => new DropboxResponseError(status, new Headers(headers), error);
const routeError = (summary: string, error: unknown = {}) => answer(409, { error_summary: summary, error });

const cases: [string, DropboxResponseError<unknown>, string, Record<string, unknown>?][] = [
  ['cursor reset', routeError('reset/..', { '.tag': 'reset' }), 'cursor_invalid'],
  ['path/not_found', routeError('path/not_found/...'), 'not_found'],
  ['delete path_lookup/not_found', routeError('path_lookup/not_found/..'), 'not_found'],
  ['move from_lookup/not_found', routeError('from_lookup/not_found/..'), 'not_found'],
  ['upload conflict', routeError('path/conflict/file/..'), 'precondition_failed'],
  ['move to/conflict/folder', routeError('to/conflict/folder/.'), 'precondition_failed'],
  ['insufficient space', routeError('path/insufficient_space/..'), 'validation', { reason: 'insufficient_space' }],
  ['no write permission', routeError('path/no_write_permission/..'), 'insufficient_permission'],
  ['too_many_write_operations as a 409', routeError('too_many_write_operations/..'), 'rate_limited'],
  ['payload too large', routeError('payload_too_large/..'), 'validation'],
  ['content hash mismatch', routeError('content_hash_mismatch/..'), 'temporary'],
  ['disallowed name', routeError('path/disallowed_name/..'), 'validation'],
  ['400 plain text', answer(400, 'Error in call to API function "files/upload": HTTP header "Dropbox-API-Arg": could not decode input as JSON'), 'validation'],
  ['403 access error', answer(403, { error_summary: 'no_permission/..', error: { '.tag': 'no_permission' } }), 'insufficient_permission'],
  ['503', answer(503, 'unavailable', { 'retry-after': '4' }), 'temporary'],
  ['500', answer(500, ''), 'temporary'],
];

describe('mapDropboxError', () => {
  it.each(cases)('%s', (_name, error, code, detail) => {
    const mapped = mapDropboxError(error) as SyncError;
    expect(mapped).toBeInstanceOf(SyncError);
    expect(mapped.code).toBe(code);
    expect(mapped.options.vendor).toBe('dropbox');
    if (detail) expect(mapped.options.detail).toMatchObject(detail);
  });

  it('B10: 429 waits for Retry-After, else the body retry_after; too_many_write_operations too', () => {
    const body = (reason: string, retry: number) => ({ error_summary: `${reason}/..`, error: { reason: { '.tag': reason }, retry_after: retry } });
    expect(mapDropboxError(answer(429, body('too_many_requests', 3), { 'retry-after': '9' }))).toMatchObject({ code: 'rate_limited', options: { retryAfterMs: 9000 } });
    expect(mapDropboxError(answer(429, body('too_many_write_operations', 2)))).toMatchObject({ code: 'rate_limited', options: { retryAfterMs: 2000 } });
    expect(mapDropboxError(answer(429, 'Too many requests'))).toMatchObject({ code: 'rate_limited', options: { retryAfterMs: 30_000 } });
  });

  it('R2: 401 is passed through untouched so the token manager can refresh and retry', () => {
    const expired = answer(401, { error_summary: 'expired_access_token/..', error: { '.tag': 'expired_access_token' } });
    expect(mapDropboxError(expired)).toBe(expired);
    expect(isDropboxUnauthorized(expired)).toBe(true);
  });

  it('incorrect_offset keeps correct_offset (also under finish lookup_failed) for resuming uploads', () => {
    expect(mapDropboxError(routeError('incorrect_offset/..', { '.tag': 'incorrect_offset', correct_offset: 42 }))).toMatchObject({ options: { detail: { correctOffset: 42 } } });
    expect(mapDropboxError(routeError('lookup_failed/incorrect_offset/..', { '.tag': 'lookup_failed', lookup_failed: { '.tag': 'incorrect_offset', correct_offset: 7 } }))).toMatchObject({ options: { detail: { correctOffset: 7 } } });
  });

  it('network failures are temporary; conflicts are recognisable', () => {
    expect(mapDropboxError(new TypeError('fetch failed'))).toMatchObject({ code: 'temporary' });
    expect(isDropboxConflict(mapDropboxError(routeError('path/conflict/file/..')))).toBe(true);
    expect(isDropboxConflict(mapDropboxError(routeError('path/not_found/..')))).toBe(false);
    expect(isDropboxConflict(routeError('path/conflict/folder/..'))).toBe(true);
  });
});
