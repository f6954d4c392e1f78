/** OAuth install flow helpers shared by both CRMs' routes: signed state, result pages. */
import { signPayload, verifyPayload, InvalidSignedPayload } from '@/lib/auth/signed-payload';
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

export function installResultUrl(crm: 'pipedrive' | 'teamleader', outcome: 'denied' | 'invalid_state' | 'failed', detail?: string): string {
  const u = new URL('/install/result', env().appUrl);
  u.searchParams.set('crm', crm);
  u.searchParams.set('outcome', outcome);
  if (detail) u.searchParams.set('detail', detail.slice(0, 300));
  return u.toString();
}
