/** Dropbox Sign event callbacks (B1): verified or treated as a hint by lib/signatures/callbacks. */
import type { NextRequest } from 'next/server';
import { handleSignCallback } from '@/lib/signatures/callbacks';

export const dynamic = 'force-dynamic';

export async function POST(req: NextRequest) {
  return (await handleSignCallback(req)).response;
}
