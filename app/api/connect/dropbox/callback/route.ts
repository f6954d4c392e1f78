/** Dropbox's OAuth redirect (F1): the lib consumes the state and stores the account; the popup page reports and closes. */
import { NextResponse, type NextRequest } from 'next/server';
import { completeDropboxLink } from '@/lib/files/dropbox-linking';
import { SyncError } from '@/lib/errors';
import { env } from '@/lib/env';

export const dynamic = 'force-dynamic';

export async function GET(req: NextRequest) {
  const q = req.nextUrl.searchParams;
  const done = new URL('/connect/done', env().appUrl);
  done.searchParams.set('provider', 'dropbox');
  try {
    const result = await completeDropboxLink({ state: q.get('state'), code: q.get('code'), error: q.get('error') });
    done.searchParams.set('status', 'linked');
    done.searchParams.set('email', result.email);
  } catch (error) {
    if (error instanceof SyncError && error.code === 'validation') done.searchParams.set('status', 'expired');
    else if (q.get('error')) done.searchParams.set('error', q.get('error')!);
    else {
      if (!(error instanceof SyncError)) console.error('[dropbox link] callback failed', error);
      done.searchParams.set('status', 'error');
      done.searchParams.set('reason', error instanceof SyncError ? error.code : 'internal');
    }
  }
  return NextResponse.redirect(done);
}
