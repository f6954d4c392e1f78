/**
 * OAuth install flow helpers shared by both CRMs' routes (M1, M2, S2). The `state` is signed, expires,
 * is single use (a row in oauth_states consumed by the first callback) and is bound to the browser that
 * started the install: the install route sets a nonce cookie whose hash the state carries, so an
 * attacker's code + state opened in someone else's browser is refused (login CSRF). Neither CRM
 * documents PKCE for its authorization-code flow, so the nonce cookie is the binding here; the Google
 * and Microsoft link flows use PKCE (Auth.js).
 */
import { createHash, randomBytes } from 'node:crypto';
import { and, eq, gt, isNull, lt } from 'drizzle-orm';
import type { NextResponse } from 'next/server';
import { getDb } from '@/db/client';
import { oauthStates } from '@/db/schema';
import { signPayload, verifyPayload, InvalidSignedPayload } from '@/lib/auth/signed-payload';
import { env } from '@/lib/env';

export type InstallCrm = 'pipedrive' | 'teamleader';

export const STATE_TTL_SECONDS = 10 * 60;
export const INSTALL_NONCE_COOKIE: Record<InstallCrm, string> = { pipedrive: 'synclane_install_pd', teamleader: 'synclane_install_tl' };
const CALLBACK_PATH: Record<InstallCrm, string> = { pipedrive: '/api/pipedrive/callback', teamleader: '/api/teamleader/callback' };

const hashNonce = (nonce: string) => createHash('sha256').update(nonce).digest('base64url');

/** A new install: the `state` for the authorize URL and the nonce for this browser's cookie. */
export async function beginInstall(crm: InstallCrm): Promise<{ state: string; nonce: string }> {
  const nonce = randomBytes(32).toString('base64url');
  const id = hashNonce(nonce);
  const db = await getDb();
  await db.delete(oauthStates).where(lt(oauthStates.expiresAt, new Date(Date.now() - 24 * 3600 * 1000)));
  await db.insert(oauthStates).values({ id, crm, expiresAt: new Date(Date.now() + STATE_TTL_SECONDS * 1000) });
  return { state: signPayload('oauth-state', { crm, n: id }, STATE_TTL_SECONDS), nonce };
}

/** Puts the install nonce on the response that redirects to the CRM's consent screen. */
export function setInstallNonceCookie(res: NextResponse, crm: InstallCrm, nonce: string): NextResponse {
  res.cookies.set(INSTALL_NONCE_COOKIE[crm], nonce, {
    httpOnly: true,
    // lax: the callback is a top-level GET navigation coming back from the CRM's site.
    sameSite: 'lax',
    secure: env().appUrl.startsWith('https://'),
    path: CALLBACK_PATH[crm],
    maxAge: STATE_TTL_SECONDS,
  });
  return res;
}

export function clearInstallNonceCookie(res: NextResponse, crm: InstallCrm): NextResponse {
  res.cookies.set(INSTALL_NONCE_COOKIE[crm], '', { path: CALLBACK_PATH[crm], maxAge: 0 });
  return res;
}

/**
 * Checks and consumes the callback's state. Null when valid (and now used up), else why it was refused.
 * Only the first callback that shows a state gets through, and only in the browser that started it.
 */
export async function consumeInstallState(crm: InstallCrm, state: string | null, cookieNonce: string | undefined): Promise<InstallFailureCode | null> {
  let payload: { crm?: string; n?: string };
  try {
    payload = verifyPayload<{ crm?: string; n?: string }>('oauth-state', state);
  } catch (error) {
    return error instanceof InvalidSignedPayload && error.reason === 'expired' ? 'state_expired' : 'state_invalid';
  }
  if (payload.crm !== crm || typeof payload.n !== 'string') return 'state_invalid';
  if (!cookieNonce || cookieNonce.length > 100 || hashNonce(cookieNonce) !== payload.n) return 'state_other_browser';
  const db = await getDb();
  const consumed = await db
    .update(oauthStates)
    .set({ usedAt: new Date() })
    .where(and(eq(oauthStates.id, payload.n), eq(oauthStates.crm, crm), isNull(oauthStates.usedAt), gt(oauthStates.expiresAt, new Date())))
    .returning({ id: oauthStates.id });
  return consumed.length ? null : 'state_reused';
}

/** What the result page may say about a failure: a closed set of codes, never an error's own text. */
export const INSTALL_FAILURE_CODES = ['no_code', 'install_failed', 'state_reused', 'state_expired', 'state_invalid', 'state_other_browser'] as const;
export type InstallFailureCode = (typeof INSTALL_FAILURE_CODES)[number];

/**
 * The result page URL. Internals (SQL, vendor bodies) never go into it: the page shows a code and a short
 * support reference; the details are logged under the same reference.
 */
export function installResultUrl(crm: 'pipedrive' | 'teamleader', outcome: 'denied' | 'invalid_state' | 'failed', code?: InstallFailureCode, reference?: string): string {
  const u = new URL('/install/result', env().appUrl);
  u.searchParams.set('crm', crm);
  u.searchParams.set('outcome', outcome);
  if (code) u.searchParams.set('code', code);
  if (reference) u.searchParams.set('ref', reference);
  return u.toString();
}

/** Logs an install failure with a fresh support reference (shown to the user) and returns the reference. */
export function logInstallFailure(crm: 'pipedrive' | 'teamleader', error: unknown): string {
  const reference = randomBytes(5).toString('hex');
  console.error(`[install] ${crm} install failed (ref ${reference})`, error);
  return reference;
}

/** A reference as the result page accepts it (anything else in the URL is ignored, not reflected). */
export const isSupportReference = (value: string | undefined): value is string => !!value && /^[0-9a-f]{10}$/.test(value);
