/**
 * The JWT Pipedrive passes to custom-UI iframes (`token` query param and GET_SIGNED_TOKEN):
 * HS256, claims `{ userId, companyId, iat, exp: iat + 300 }`, signed with the app's client secret
 * (reference §2.3 — claim names UNCONFIRMED, this is the emulator's choice).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const IFRAME_TOKEN_TTL_SECONDS = 300;

export type IframeClaims = { userId: number; companyId: number; iat: number; exp: number };

const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

export function signIframeJwt(secret: string, ids: { userId: number; companyId: number }, nowMs: number): string {
  const iat = Math.floor(nowMs / 1000);
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const claims: IframeClaims = { userId: ids.userId, companyId: ids.companyId, iat, exp: iat + IFRAME_TOKEN_TTL_SECONDS };
  const payload = base64url(JSON.stringify(claims));
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

/** Verification for tests and the admin API; returns null when the signature or expiry is wrong. */
export function verifyIframeJwt(secret: string, token: string, nowMs: number): IframeClaims | null {
  const [header, payload, signature] = token.split('.');
  if (!header || !payload || !signature) return null;
  const expected = createHmac('sha256', secret).update(`${header}.${payload}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as IframeClaims;
  return claims.exp * 1000 > nowMs ? claims : null;
}
