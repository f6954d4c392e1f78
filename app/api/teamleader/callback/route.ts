/** Teamleader OAuth callback: finish install, start a signed session, open our settings page (M2). */
import { NextResponse, type NextRequest } from 'next/server';
import { env } from '@/lib/env';
import { checkInstallState, installResultUrl } from '@/lib/install-flow';
import { completeTeamleaderInstall } from '@/lib/installations';
import { TEAMLEADER_SESSION_COOKIE, TEAMLEADER_SESSION_TTL_SECONDS, teamleaderSessionValue } from '@/lib/tenant';

export const dynamic = 'force-dynamic';

export async function GET(req: NextRequest) {
  const q = req.nextUrl.searchParams;
  const stateProblem = checkInstallState('teamleader', q.get('state'));
  if (stateProblem) return NextResponse.redirect(installResultUrl('teamleader', 'invalid_state', stateProblem));
  if (q.get('error')) return NextResponse.redirect(installResultUrl('teamleader', 'denied'));
  const code = q.get('code');
  if (!code) return NextResponse.redirect(installResultUrl('teamleader', 'failed', 'Teamleader did not send an authorization code.'));
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
    console.error('[install] teamleader install failed', error);
    return NextResponse.redirect(installResultUrl('teamleader', 'failed', (error as Error).message));
  }
}
