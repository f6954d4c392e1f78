import { describe, expect, it } from 'vitest';
import { HttpError } from '../http';
import { mapPipedriveError } from './errors';

const over = (headers: Record<string, string>) => new HttpError(429, { success: false, error: 'Request over limit' }, new Headers(headers), 'GET /api/v2/persons → 429');

describe('Pipedrive error mapping', () => {
  it('R1: a 429 waits for x-ratelimit-reset (seconds of the 2 s burst window), the header Pipedrive documents', () => {
    expect(mapPipedriveError(over({ 'x-ratelimit-limit': '80', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '2' }))).toMatchObject({ code: 'rate_limited', options: { retryAfterMs: 2000 } });
  });

  it('R1: an undocumented Retry-After is not relied upon', () => {
    expect(mapPipedriveError(over({ 'retry-after': '120', 'x-ratelimit-reset': '1' }))).toMatchObject({ options: { retryAfterMs: 1000 } });
    expect(mapPipedriveError(over({ 'retry-after': '120' }))).toMatchObject({ options: { retryAfterMs: 2000 } });
  });

  it('F2/F6: 413 (file too large) and 415 (feature such as Products not enabled) are validation errors, not retries', () => {
    expect(mapPipedriveError(new HttpError(413, {}, new Headers(), 'x'))).toMatchObject({ code: 'validation' });
    expect(mapPipedriveError(new HttpError(415, {}, new Headers(), 'x'))).toMatchObject({ code: 'validation' });
  });
});
