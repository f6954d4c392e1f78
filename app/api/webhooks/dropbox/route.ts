/** Dropbox webhook endpoint (B1): GET answers the verification challenge; POST is signed with the app secret. */
import { NextResponse, type NextRequest } from 'next/server';
import { webhookChallengeResponse } from '@/lib/providers/dropbox';
import { handleDropboxNotification } from '@/lib/files/webhooks';

export const dynamic = 'force-dynamic';

export async function GET(req: NextRequest) {
  return webhookChallengeResponse(req.nextUrl.searchParams.get('challenge'));
}

export async function POST(req: NextRequest) {
  const result = await handleDropboxNotification(await req.text(), req.headers.get('x-dropbox-signature'));
  if (result.status === 'refused') return NextResponse.json({ error: { code: 'unauthorized', message: 'Bad signature' } }, { status: 403 });
  // Dropbox wants a fast 200; the runs happen in the background.
  return NextResponse.json({ ok: true, runs: result.runs });
}
