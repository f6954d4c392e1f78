/**
 * Pipedrive's single callback URL (reference/crm-platforms.md §1.4):
 *   GET    ?code&state | ?error=user_denied  → finish install, redirect into Pipedrive's app settings (M1)
 *   POST   app-sharing notification          → acknowledged
 *   DELETE uninstall (Basic client_id:secret) → tokens purged at once, syncs stopped (M5)
 */
import { NextResponse, type NextRequest } from 'next/server';
import { z } from 'zod';
import { env } from '@/lib/env';
import { clearInstallNonceCookie, consumeInstallState, INSTALL_NONCE_COOKIE, installResultUrl, logInstallFailure } from '@/lib/install-flow';
import { publicRoute } from '@/lib/api/public-route';
import { readJsonBody, ZBoundedText } from '@/lib/api/input';
import { completePipedriveInstall } from '@/lib/installations';
import { uninstallUser } from '@/lib/uninstall';
import { isValidBasicAuth } from '@/lib/auth/basic-auth';

export const dynamic = 'force-dynamic';

export const GET = publicRoute('install', async (req: NextRequest) => clearInstallNonceCookie(await finishInstall(req), 'pipedrive'));

async function finishInstall(req: NextRequest): Promise<NextResponse> {
  const q = req.nextUrl.searchParams;
  const stateProblem = await consumeInstallState('pipedrive', q.get('state'), req.cookies.get(INSTALL_NONCE_COOKIE.pipedrive)?.value);
  if (stateProblem) return NextResponse.redirect(installResultUrl('pipedrive', 'invalid_state', stateProblem));
  if (q.get('error')) return NextResponse.redirect(installResultUrl('pipedrive', 'denied'));
  const code = q.get('code');
  if (!code || code.length > 2000) return NextResponse.redirect(installResultUrl('pipedrive', 'failed', 'no_code'));
  try {
    const installed = await completePipedriveInstall(code);
    const target = env()
      .pipedrive.appSettingsUrl.replace('{company_domain}', installed.companyDomain ?? '')
      .replace('{client_id}', env().pipedrive.clientId);
    return NextResponse.redirect(target);
  } catch (error) {
    return NextResponse.redirect(installResultUrl('pipedrive', 'failed', 'install_failed', logInstallFailure('pipedrive', error)));
  }
}

const ZUninstall = z.object({
  client_id: ZBoundedText(200).optional(),
  company_id: z.union([ZBoundedText(50), z.number()]).transform(String),
  user_id: z.union([ZBoundedText(50), z.number()]).transform(String),
  timestamp: z.union([ZBoundedText(50), z.number()]).optional(),
});

export const DELETE = publicRoute('uninstall', async (req: NextRequest) => {
  const { clientId, clientSecret } = env().pipedrive;
  if (!isValidBasicAuth(req.headers.get('authorization'), clientId, clientSecret)) {
    return NextResponse.json({ error: { code: 'unauthorized', message: 'Invalid client credentials' } }, { status: 401 });
  }
  const parsed = ZUninstall.safeParse(await readJsonBody(req).catch(() => null));
  if (!parsed.success) return NextResponse.json({ error: { code: 'bad_request', message: 'Expected {company_id, user_id}' } }, { status: 400 });
  const result = await uninstallUser('pipedrive', parsed.data.company_id, parsed.data.user_id);
  return NextResponse.json({ ok: true, uninstalled: !!result });
});

export const POST = publicRoute('uninstall', async (req: NextRequest) => {
  const { clientId, clientSecret } = env().pipedrive;
  if (!isValidBasicAuth(req.headers.get('authorization'), clientId, clientSecret)) {
    return NextResponse.json({ error: { code: 'unauthorized', message: 'Invalid client credentials' } }, { status: 401 });
  }
  return NextResponse.json({ ok: true });
});
