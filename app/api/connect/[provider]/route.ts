/** Popup entry point for linking Google / Microsoft: spends the single-use ticket, then hands over to Auth.js (S1). */
import { NextResponse, type NextRequest } from 'next/server';
import { cookies } from 'next/headers';
import { signIn } from '@/lib/auth/authjs';
import { AUTHJS_PROVIDER_ID, LINK_FLOW_COOKIE, LINK_TTL_SECONDS, LinkRefused, openLinkFlow } from '@/lib/auth/provider-linking';
import { publicRoute } from '@/lib/api/public-route';
import { env } from '@/lib/env';

export const dynamic = 'force-dynamic';

const REFUSAL_PAGE: Record<LinkRefused['reason'], string> = {
  expired: '/connect/done?status=expired',
  used: '/connect/done?status=expired',
  uninstalled: '/connect/done?status=refused',
  provider_mismatch: '/connect/done?status=error&reason=provider_mismatch',
};

export const GET = publicRoute('connect', async (req: NextRequest, ctx: { params: Promise<{ provider: string }> }) => {
  const { provider } = await ctx.params;
  let flow;
  try {
    flow = await openLinkFlow(req.nextUrl.searchParams.get('ticket'), provider);
  } catch (error) {
    if (error instanceof LinkRefused) return NextResponse.redirect(new URL(REFUSAL_PAGE[error.reason], env().appUrl));
    throw error;
  }
  (await cookies()).set(LINK_FLOW_COOKIE, flow.cookie, {
    httpOnly: true,
    sameSite: 'lax',
    secure: env().appUrl.startsWith('https://'),
    path: '/',
    maxAge: LINK_TTL_SECONDS,
  });
  const url = await signIn(AUTHJS_PROVIDER_ID[flow.provider], { redirect: false, redirectTo: '/connect/done' }, { login_hint: flow.email });
  return NextResponse.redirect(url);
});
