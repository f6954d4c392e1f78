/**
 * Pipedrive's single callback URL (reference/crm-platforms.md §1.4):
 *   GET    ?code&state | ?error=user_denied  → finish install, redirect into Pipedrive's app settings (M1)
 *   POST   app-sharing notification          → acknowledged
 *   DELETE uninstall (Basic client_id:secret) → tokens purged at once, syncs stopped (M5)
 */
import { NextResponse, type NextRequest } from 'next/server';
import { z } from 'zod';
import { env } from '@/lib/env';
import { checkInstallState, installResultUrl } from '@/lib/install-flow';
import { completePipedriveInstall, uninstallCrmUser } from '@/lib/installations';
import { isValidBasicAuth } from '@/lib/auth/basic-auth';

export const dynamic = 'force-dynamic';

export async function GET(req: NextRequest) {
  const q = req.nextUrl.searchParams;
  const stateProblem = checkInstallState('pipedrive', q.get('state'));
  if (stateProblem) return NextResponse.redirect(installResultUrl('pipedrive', 'invalid_state', stateProblem));
  if (q.get('error')) return NextResponse.redirect(installResultUrl('pipedrive', 'denied'));
  const code = q.get('code');
  if (!code) return NextResponse.redirect(installResultUrl('pipedrive', 'failed', 'Pipedrive did not send an authorization code.'));
  try {
    const installed = await completePipedriveInstall(code);
    const target = env()
      .pipedrive.appSettingsUrl.replace('{company_domain}', installed.companyDomain ?? '')
      .replace('{client_id}', env().pipedrive.clientId);
    return NextResponse.redirect(target);
  } catch (error) {
    console.error('[install] pipedrive install failed', error);
    return NextResponse.redirect(installResultUrl('pipedrive', 'failed', (error as Error).message));
  }
}

const ZUninstall = z.object({
  client_id: z.string().optional(),
  company_id: z.union([z.string(), z.number()]).transform(String),
  user_id: z.union([z.string(), z.number()]).transform(String),
  timestamp: z.union([z.string(), z.number()]).optional(),
});

export async function DELETE(req: NextRequest) {
  const { clientId, clientSecret } = env().pipedrive;
  if (!isValidBasicAuth(req.headers.get('authorization'), clientId, clientSecret)) {
    return NextResponse.json({ error: { code: 'unauthorized', message: 'Invalid client credentials' } }, { status: 401 });
  }
  const parsed = ZUninstall.safeParse(await req.json().catch(() => null));
  if (!parsed.success) return NextResponse.json({ error: { code: 'bad_request', message: 'Expected {company_id, user_id}' } }, { status: 400 });
  const result = await uninstallCrmUser('pipedrive', parsed.data.company_id, parsed.data.user_id);
  return NextResponse.json({ ok: true, uninstalled: !!result });
}

export async function POST(req: NextRequest) {
  const { clientId, clientSecret } = env().pipedrive;
  if (!isValidBasicAuth(req.headers.get('authorization'), clientId, clientSecret)) {
    return NextResponse.json({ error: { code: 'unauthorized', message: 'Invalid client credentials' } }, { status: 401 });
  }
  return NextResponse.json({ ok: true });
}
