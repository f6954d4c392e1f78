/** Dropbox Sign OAuth redirect (S1): finish the link, then let the popup tell the settings page. */
import { NextResponse, type NextRequest } from 'next/server';
import { env } from '@/lib/env';
import { completeSignLink, SignLinkError } from '@/lib/signatures/linking';

export const dynamic = 'force-dynamic';

export async function GET(req: NextRequest) {
  const q = req.nextUrl.searchParams;
  const done = (params: Record<string, string>) => NextResponse.redirect(new URL(`/connect/done?${new URLSearchParams({ provider: 'dropbox_sign', ...params })}`, env().appUrl));
  try {
    const linked = await completeSignLink({ code: q.get('code'), state: q.get('state'), error: q.get('error') });
    return done({ status: 'linked', email: linked.email });
  } catch (error) {
    if (error instanceof SignLinkError) return done(error.reason === 'denied' ? { status: 'error', error: 'access_denied' } : error.reason === 'expired' || error.reason === 'replayed' ? { status: 'expired' } : { status: 'error', reason: error.reason });
    console.error('[dropbox-sign] link failed', error);
    return done({ status: 'error', reason: 'link_failed' });
  }
}
