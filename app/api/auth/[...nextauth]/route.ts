/** Auth.js endpoints (the Google / Microsoft OAuth callbacks of the link popup), throttled like every public endpoint (S8). */
import type { NextRequest } from 'next/server';
import { handlers } from '@/lib/auth/authjs';
import { publicRoute } from '@/lib/api/public-route';

export const dynamic = 'force-dynamic';

export const GET = publicRoute('connect', (req: NextRequest) => handlers.GET(req));
export const POST = publicRoute('connect', (req: NextRequest) => handlers.POST(req));
