/** Teamleader OAuth callback: finish install, start a signed session, open our settings page (M2). */
import { NextResponse, type NextRequest } from 'next/server';
import { env } from '@/lib/env';
import { clearInstallNonceCookie, consumeInstallState, INSTALL_NONCE_COOKIE, installResultUrl, logInstallFailure } from '@/lib/install-flow';
import { publicRoute } from '@/lib/api/public-route';
import { completeTeamleaderInstall } from '@/lib/installations';
import { TEAMLEADER_SESSION_COOKIE, TEAMLEADER_SESSION_TTL_SECONDS, teamleaderSessionValue } from '@/lib/tenant';

export const dynamic = 'force-dynamic';

export const GET = publicRoute('install', async (req: NextRequest) => clearInstallNonceCookie(await finishInstall(req), 'teamleader'));

async function finishInstall(req: NextRequest): Promise<NextResponse> {
  const q = req.nextUrl.searchParams;
  const stateProblem = await consumeInstallState('teamleader', q.get('state'), req.cookies.get(INSTALL_NONCE_COOKIE.teamleader)?.value);
  if (stateProblem) return NextResponse.redirect(installResultUrl('teamleader', 'invalid_state', stateProblem));
  if (q.get('error')) return NextResponse.redirect(installResultUrl('teamleader', 'denied'));
  const code = q.get('code');
  if (!code || code.length > 2000) return NextResponse.redirect(installResultUrl('teamleader', 'failed', 'no_code'));
  try {
    const installed = await completeTeamleaderInstall(code);
    const res = NextResponse.redirect(new URL('/teamleader/settings', env().appUrl));
    res.cookies.set(TEAMLEADER_SESSION_COOKIE, teamleaderSessionValue(installed.companyId, installed.userExternalId), {
      httpOnly: true,
      sameSite: 'lax',
      secure: env().appUrl.startsWith('https://'),
      path: '/',
      maxAge: TEAMLEADER_SESSION_TTL_SECONDS,
    });
    return res;
  } catch (error) {
    return NextResponse.redirect(installResultUrl('teamleader', 'failed', 'install_failed', logInstallFailure('teamleader', error)));
  }
}
