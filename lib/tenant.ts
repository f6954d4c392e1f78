/**
 * Who is calling? Pipedrive iframes send `Authorization: Bearer <Pipedrive JWT>` (fresh from
 * GET_SIGNED_TOKEN); the Teamleader settings page (no iframe surface) carries a signed session cookie set
 * at install. Either way the tenant comes from a verified credential, never from query parameters.
 */
import { verifyIframeToken, IframeTokenError } from '@/lib/auth/iframe-token';
import { verifyPayload, InvalidSignedPayload, signPayload } from '@/lib/auth/signed-payload';
import { findInstalledUser, type InstalledUser } from '@/lib/installations';

export const TEAMLEADER_SESSION_COOKIE = 'synclane_tl';
export const TEAMLEADER_SESSION_TTL_SECONDS = 12 * 3600;

export type Tenant = InstalledUser & { status: string };

export class UnauthorizedError extends Error {
  constructor(message: string, public reason: string) {
    super(message);
  }
}

export function teamleaderSessionValue(companyId: string, userId: string): string {
  return signPayload('tl-session', { crm: 'teamleader', companyId, userId }, TEAMLEADER_SESSION_TTL_SECONDS);
}

export async function resolveTenant(headers: Headers, cookieValue: string | undefined): Promise<Tenant> {
  const auth = headers.get('authorization');
  if (auth?.toLowerCase().startsWith('bearer ')) {
    let identity;
    try {
      identity = await verifyIframeToken(auth.slice(7).trim());
    } catch (error) {
      const reason = error instanceof IframeTokenError ? error.reason : 'invalid';
      throw new UnauthorizedError(`Pipedrive token ${reason}. Reload the page inside Pipedrive.`, reason);
    }
    const tenant = await findInstalledUser('pipedrive', identity.companyId, identity.userId);
    if (!tenant) throw new UnauthorizedError('Synclane is not installed for this Pipedrive user. Install it from the Marketplace.', 'not_installed');
    return tenant;
  }
  if (cookieValue) {
    let session: { companyId: string; userId: string };
    try {
      session = verifyPayload<{ companyId: string; userId: string }>('tl-session', cookieValue);
    } catch (error) {
      const reason = error instanceof InvalidSignedPayload ? error.reason : 'invalid';
      throw new UnauthorizedError('Your Synclane session expired. Open Synclane again from the Teamleader Marketplace.', reason);
    }
    const tenant = await findInstalledUser('teamleader', session.companyId, session.userId);
    if (!tenant) throw new UnauthorizedError('Synclane is not installed for this Teamleader user.', 'not_installed');
    return tenant;
  }
  throw new UnauthorizedError('Missing credentials. Open Synclane from inside your CRM.', 'missing');
}
