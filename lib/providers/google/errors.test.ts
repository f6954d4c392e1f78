/** Google errors → our codes; the wait a 429 asks for is read from gaxios' fetch Headers (R1). */
import { describe, expect, it } from 'vitest';
import { SyncError } from '@/lib/errors';
import { mapGoogleError } from './errors';

const gaxiosError = (status: number, headers: Headers | Record<string, string>) =>
  Object.assign(new Error('quota'), { status, response: { status, headers, data: { error: { code: status, message: 'Quota exceeded', status: 'RESOURCE_EXHAUSTED' } } } });

describe('Google error mapping', () => {
  it('R1: a 429 carries the Retry-After of a fetch Headers answer (gaxios 7)', () => {
    const e = mapGoogleError(gaxiosError(429, new Headers({ 'retry-after': '7' }))) as SyncError;
    expect(e).toBeInstanceOf(SyncError);
    expect(e.code).toBe('rate_limited');
    expect(e.options.retryAfterMs).toBe(7000);
  });

  it('R1: a 429 carries the Retry-After of a plain header object too, and waits 30 s without one', () => {
    expect((mapGoogleError(gaxiosError(429, { 'retry-after': '2' })) as SyncError).options.retryAfterMs).toBe(2000);
    expect((mapGoogleError(gaxiosError(429, new Headers())) as SyncError).options.retryAfterMs).toBe(30_000);
  });
});
