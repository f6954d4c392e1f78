import { timingSafeEqual, createHash } from 'node:crypto';

/** Constant-time check of `Authorization: Basic` against expected credentials. */
export function isValidBasicAuth(header: string | null, user: string, password: string): boolean {
  if (!header?.startsWith('Basic ')) return false;
  const given = createHash('sha256').update(Buffer.from(header.slice(6).trim(), 'base64').toString('utf8')).digest();
  const expected = createHash('sha256').update(`${user}:${password}`).digest();
  return timingSafeEqual(given, expected);
}
