/** OAuth install flow helpers shared by both CRMs' routes: signed state, result pages. */
import { signPayload, verifyPayload, InvalidSignedPayload } from '@/lib/auth/signed-payload';
import { randomBytes } from 'node:crypto';
import { env } from '@/lib/env';

export const STATE_TTL_SECONDS = 10 * 60;

export function createInstallState(crm: 'pipedrive' | 'teamleader'): string {
  return signPayload('oauth-state', { crm }, STATE_TTL_SECONDS);
}

/** Returns null when valid, or the reason it was refused. */
export function checkInstallState(crm: 'pipedrive' | 'teamleader', state: string | null): string | null {
  try {
    const payload = verifyPayload<{ crm: string }>('oauth-state', state);
    return payload.crm === crm ? null : 'bad_signature';
  } catch (error) {
    return error instanceof InvalidSignedPayload ? error.reason : 'malformed';
  }
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
