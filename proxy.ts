/**
 * Runs before every request:
 * - Pages embedded in Pipedrive (/embedded/*) must carry a valid Pipedrive JWT in `token`; a forged,
 *   expired or missing token gets 401 and no page (M4). API routes verify their bearer tokens themselves.
 * - Framing: embedded pages may be framed only by the configured CRM origins (CSP frame-ancestors, no
 *   X-Frame-Options); every other page may not be framed at all.
 * - A Content-Security-Policy with a fresh script nonce per request (S11), passed to Next on the request
 *   so it marks its own scripts; HSTS when served over https.
 */
import { NextResponse, type NextRequest } from 'next/server';
import { verifyIframeToken, IframeTokenError } from '@/lib/auth/iframe-token';
import { env } from '@/lib/env';
import { createNonce, securityHeaders } from '@/lib/http/security-headers';

const refusal = (reason: string) =>
  new NextResponse(
    `<!doctype html><meta charset="utf-8"><title>Synclane</title><body style="font-family:system-ui;padding:24px;color:#1b1f24">
<h1 style="font-size:18px">Synclane could not verify this request</h1>
<p>The Pipedrive session token is ${reason}. Reload the page inside Pipedrive; if it keeps happening, reinstall Synclane from the Marketplace.</p></body>`,
    { status: 401, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' } },
  );

export async function proxy(req: NextRequest) {
  const isEmbedded = req.nextUrl.pathname.startsWith('/embedded/');
  if (isEmbedded) {
    try {
      const identity = await verifyIframeToken(req.nextUrl.searchParams.get('token'));
      const claimedUser = req.nextUrl.searchParams.get('userId');
      const claimedCompany = req.nextUrl.searchParams.get('companyId');
      if ((claimedUser && claimedUser !== identity.userId) || (claimedCompany && claimedCompany !== identity.companyId)) {
        return refusal('for a different user or company than the page claims');
      }
    } catch (error) {
      return refusal(error instanceof IframeTokenError ? error.reason : 'invalid');
    }
  }
  const headers = securityHeaders({
    nonce: createNonce(),
    frameAncestors: isEmbedded ? env().pipedrive.frameAncestors : [],
    https: env().appUrl.startsWith('https://'),
    development: process.env.NODE_ENV === 'development',
  });
  const requestHeaders = new Headers(req.headers);
  requestHeaders.set('Content-Security-Policy', headers['Content-Security-Policy']!);
  const res = NextResponse.next({ request: { headers: requestHeaders } });
  for (const [name, value] of Object.entries(headers)) res.headers.set(name, value);
  return res;
}

export const config = {
  matcher: ['/((?!_next/static|_next/image|favicon.ico|favicon.svg|api/inngest).*)'],
};
