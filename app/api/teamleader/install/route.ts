/** Teamleader install: OAuth with a signed, single-use state bound to this browser by a nonce cookie (M1, M2, S2). */
import { NextResponse } from 'next/server';
import { beginInstall, setInstallNonceCookie } from '@/lib/install-flow';
import { teamleaderAuthorizeUrl } from '@/lib/crm/teamleader/oauth';
import { publicRoute } from '@/lib/api/public-route';

export const dynamic = 'force-dynamic';

export const GET = publicRoute('install', async () => {
  const { state, nonce } = await beginInstall('teamleader');
  return setInstallNonceCookie(NextResponse.redirect(teamleaderAuthorizeUrl(state)), 'teamleader', nonce);
});
