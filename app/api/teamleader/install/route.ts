/** Teamleader install (and sign-in to our settings page): OAuth with a signed, expiring state (M2). */
import { NextResponse } from 'next/server';
import { createInstallState } from '@/lib/install-flow';
import { teamleaderAuthorizeUrl } from '@/lib/crm/teamleader/oauth';

export const dynamic = 'force-dynamic';

export function GET() {
  return NextResponse.redirect(teamleaderAuthorizeUrl(createInstallState('teamleader')));
}
