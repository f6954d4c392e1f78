/**
 * HMAC-signed, expiring payloads: OAuth `state`, provider-link tickets and session cookies.
 * Format: base64url(json).base64url(hmac-sha256). Keys are derived per purpose from AUTH_SECRET, so a
 * state value can never be replayed as a session cookie.
 */
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { env } from '@/lib/env';

type Purpose = 'oauth-state' | 'link-ticket' | 'tl-session' | 'link-flow' | 'dropbox-sign-state';

function keyFor(purpose: Purpose): Buffer {
  return Buffer.from(hkdfSync('sha256', env().authSecret, 'synclane', purpose, 32));
}

export function signPayload(purpose: Purpose, data: Record<string, unknown>, ttlSeconds: number): string {
  const body = Buffer.from(
    JSON.stringify({ ...data, exp: Math.floor(Date.now() / 1000) + ttlSeconds, nonce: randomBytes(8).toString('base64url') }),
  ).toString('base64url');
  const mac = createHmac('sha256', keyFor(purpose)).update(body).digest('base64url');
  return `${body}.${mac}`;
}

export class InvalidSignedPayload extends Error {
  constructor(public reason: 'malformed' | 'bad_signature' | 'expired') {
    super(`Signed value rejected: ${reason}`);
  }
}

export function verifyPayload<T extends Record<string, unknown>>(purpose: Purpose, value: string | null | undefined): T {
  if (!value) throw new InvalidSignedPayload('malformed');
  const [body, mac] = value.split('.');
  if (!body || !mac) throw new InvalidSignedPayload('malformed');
  const expected = createHmac('sha256', keyFor(purpose)).update(body).digest();
  const given = Buffer.from(mac, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new InvalidSignedPayload('bad_signature');
  let parsed: T & { exp?: number };
  try {
    parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidSignedPayload('malformed');
  }
  if (typeof parsed.exp !== 'number' || parsed.exp < Math.floor(Date.now() / 1000)) throw new InvalidSignedPayload('expired');
  return parsed;
}
