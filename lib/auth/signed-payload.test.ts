/** Signed, expiring values (M1 OAuth state, link tickets, Teamleader session): tamper, expiry, purpose separation. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setEnvForTests } from '@/lib/env';
import { InvalidSignedPayload, signPayload, verifyPayload } from './signed-payload';

const dataDir = mkdtempSync(path.join(tmpdir(), 'synclane-signed-'));
const useSecret = (secret: string) => setEnvForTests({ AUTH_SECRET: secret, ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'), DATA_DIR: dataDir });

function rejection(fn: () => unknown): InvalidSignedPayload {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidSignedPayload);
    return error as InvalidSignedPayload;
  }
  throw new Error('expected a rejection');
}

beforeEach(() => useSecret('s'.repeat(40)));
afterEach(() => vi.useRealTimers());

describe('M1 signed state', () => {
  it('M1: round-trips the data and adds exp and a nonce', () => {
    const v = signPayload('oauth-state', { companyId: 7, returnTo: '/settings' }, 600);
    const p = verifyPayload<{ companyId: number; returnTo: string; exp: number; nonce: string }>('oauth-state', v);
    expect(p).toMatchObject({ companyId: 7, returnTo: '/settings' });
    expect(p.exp).toBeGreaterThan(Date.now() / 1000 + 590);
    expect(p.nonce).toMatch(/^[A-Za-z0-9_-]{8,}$/);
  });

  it('M1: two states for the same data differ (nonce)', () => {
    expect(signPayload('oauth-state', { a: 1 }, 60)).not.toBe(signPayload('oauth-state', { a: 1 }, 60));
  });

  it('M1: a tampered body is rejected as bad_signature', () => {
    const v = signPayload('oauth-state', { companyId: 7 }, 600);
    const [, mac] = v.split('.');
    const forged = Buffer.from(JSON.stringify({ companyId: 8, exp: Math.floor(Date.now() / 1000) + 600 })).toString('base64url');
    expect(rejection(() => verifyPayload('oauth-state', `${forged}.${mac}`)).reason).toBe('bad_signature');
  });

  it('M1: a tampered or truncated signature is rejected', () => {
    const v = signPayload('oauth-state', { companyId: 7 }, 600);
    const [body, mac] = v.split('.') as [string, string];
    // flip the first character: the last one of a 32-byte base64url value carries 2 padding bits
    const flipped = (mac.startsWith('A') ? 'B' : 'A') + mac.slice(1);
    expect(rejection(() => verifyPayload('oauth-state', `${body}.${flipped}`)).reason).toBe('bad_signature');
    expect(rejection(() => verifyPayload('oauth-state', `${body}.${mac.slice(0, 10)}`)).reason).toBe('bad_signature');
  });

  it('M1: state expires', () => {
    vi.useFakeTimers({ now: new Date('2025-01-01T00:00:00Z') });
    const v = signPayload('oauth-state', { companyId: 7 }, 60);
    vi.setSystemTime(new Date('2025-01-01T00:00:59Z'));
    expect(verifyPayload('oauth-state', v)).toMatchObject({ companyId: 7 });
    vi.setSystemTime(new Date('2025-01-01T00:02:01Z'));
    expect(rejection(() => verifyPayload('oauth-state', v)).reason).toBe('expired');
  });

  it('M1: missing or malformed values are rejected as malformed', () => {
    for (const v of [null, undefined, '', 'no-dot', '.sig', 'body.']) expect(rejection(() => verifyPayload('oauth-state', v)).reason).toBe('malformed');
  });

  it('a correctly signed body that is not JSON is malformed; one without exp counts as expired', async () => {
    const { createHmac, hkdfSync } = await import('node:crypto');
    const key = Buffer.from(hkdfSync('sha256', 's'.repeat(40), 'synclane', 'oauth-state', 32));
    const sign = (body: string) => `${body}.${createHmac('sha256', key).update(body).digest('base64url')}`;
    expect(rejection(() => verifyPayload('oauth-state', sign(Buffer.from('not json').toString('base64url')))).reason).toBe('malformed');
    expect(rejection(() => verifyPayload('oauth-state', sign(Buffer.from('{"a":1}').toString('base64url')))).reason).toBe('expired');
  });

  it('M1: purpose separation — a state value cannot be used as a session (or any other purpose)', () => {
    const state = signPayload('oauth-state', { userId: 1, companyId: 2 }, 600);
    expect(rejection(() => verifyPayload('tl-session', state)).reason).toBe('bad_signature');
    expect(rejection(() => verifyPayload('link-ticket', state)).reason).toBe('bad_signature');
    expect(rejection(() => verifyPayload('link-flow', state)).reason).toBe('bad_signature');
    const session = signPayload('tl-session', { userId: 1 }, 600);
    expect(rejection(() => verifyPayload('oauth-state', session)).reason).toBe('bad_signature');
    expect(verifyPayload('tl-session', session)).toMatchObject({ userId: 1 });
  });

  it('a value signed under another AUTH_SECRET is rejected', () => {
    const v = signPayload('oauth-state', { a: 1 }, 600);
    useSecret('t'.repeat(40));
    expect(rejection(() => verifyPayload('oauth-state', v)).reason).toBe('bad_signature');
  });
});
