/** Pipedrive "Installation URL": starts OAuth with a signed, expiring state (M1). */
import { NextResponse } from 'next/server';
import { createInstallState } from '@/lib/install-flow';
import { pipedriveAuthorizeUrl } from '@/lib/crm/pipedrive/oauth';

export const dynamic = 'force-dynamic';

export function GET() {
  return NextResponse.redirect(pipedriveAuthorizeUrl(createInstallState('pipedrive')));
}
