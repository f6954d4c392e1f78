import { timingSafeEqual, createHash } from 'node:crypto';

/** Longest Authorization header we decode; real Basic credentials are far shorter. */
export const MAX_AUTHORIZATION_LENGTH = 1024;

/**
 * Reads `Authorization: Basic <base64(user:password)>`. The scheme is case-insensitive (RFC 9110 §11.1);
 * anything malformed or oversized is null.
 */
export function parseBasicAuth(header: string | null | undefined): { user: string; password: string } | null {
  if (!header || header.length > MAX_AUTHORIZATION_LENGTH) return null;
  const match = /^basic[ \t]+([A-Za-z0-9+/=_-]+)[ \t]*$/i.exec(header);
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** Constant-time check of `Authorization: Basic` against expected credentials. */
export function isValidBasicAuth(header: string | null, user: string, password: string): boolean {
  const given = parseBasicAuth(header);
  if (!given) return false;
  const a = createHash('sha256').update(`${given.user}:${given.password}`).digest();
  const b = createHash('sha256').update(`${user}:${password}`).digest();
  return timingSafeEqual(a, b);
}
