/** Popup entry point for linking Google / Microsoft: verifies the ticket, then hands over to Auth.js. */
import { NextResponse, type NextRequest } from 'next/server';
import { cookies } from 'next/headers';
import { signIn } from '@/lib/auth/authjs';
import { AUTHJS_PROVIDER_ID, LINK_FLOW_COOKIE, LINK_TTL_SECONDS, linkFlowCookieValue, readLinkTicket } from '@/lib/auth/provider-linking';
import { env } from '@/lib/env';

export const dynamic = 'force-dynamic';

export async function GET(req: NextRequest, ctx: { params: Promise<{ provider: string }> }) {
  const { provider } = await ctx.params;
  let flow;
  try {
    flow = readLinkTicket(req.nextUrl.searchParams.get('ticket'));
  } catch {
    return NextResponse.redirect(new URL('/connect/done?status=expired', env().appUrl));
  }
  if (flow.provider !== provider) return NextResponse.redirect(new URL('/connect/done?status=error&reason=provider_mismatch', env().appUrl));
  (await cookies()).set(LINK_FLOW_COOKIE, linkFlowCookieValue(flow), {
    httpOnly: true,
    sameSite: 'lax',
    secure: env().appUrl.startsWith('https://'),
    path: '/',
    maxAge: LINK_TTL_SECONDS,
  });
  const url = await signIn(AUTHJS_PROVIDER_ID[flow.provider], { redirect: false, redirectTo: '/connect/done' }, { login_hint: flow.email });
  return NextResponse.redirect(url);
}
