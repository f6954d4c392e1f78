/**
 * The wrapper for endpoints anyone on the internet can call without our session (S8): CRM webhooks,
 * install and OAuth callbacks, the uninstall notification, the provider-link popup. Each client address
 * gets a generous budget of requests per minute and a small budget of refused ones (401/403): a burst of
 * bad credentials is answered 429 long before it can guess anything, while a CRM delivering many real
 * webhooks is not slowed down. Counters live in Postgres, so the limit holds across instances.
 */
import { NextResponse, type NextRequest } from 'next/server';
import { hitRateLimit, peekRateLimit, type RateLimit } from './rate-limit';

export type PublicBucket = 'webhook' | 'install' | 'connect' | 'uninstall';

export const PUBLIC_LIMITS: Record<PublicBucket, { requests: RateLimit; refusals: RateLimit }> = {
  webhook: { requests: { limit: 3000, windowSeconds: 60 }, refusals: { limit: 20, windowSeconds: 60 } },
  install: { requests: { limit: 60, windowSeconds: 60 }, refusals: { limit: 20, windowSeconds: 60 } },
  connect: { requests: { limit: 60, windowSeconds: 60 }, refusals: { limit: 20, windowSeconds: 60 } },
  uninstall: { requests: { limit: 600, windowSeconds: 60 }, refusals: { limit: 20, windowSeconds: 60 } },
};

/**
 * The caller's address as the platform in front of us reports it (first X-Forwarded-For hop, or
 * X-Real-IP). Deployments must sit behind a proxy that sets these headers; without one every caller
 * shares the `unknown` budget, which fails safe (throttled, never unlimited).
 */
export function clientAddress(req: Request): string {
  const forwarded = req.headers.get('x-forwarded-for')?.split(',')[0]?.trim();
  const address = forwarded || req.headers.get('x-real-ip')?.trim() || 'unknown';
  return address.slice(0, 64);
}

function tooMany(retryAfterSeconds: number) {
  return NextResponse.json(
    { error: { code: 'rate_limited', message: `Too many requests. Try again in ${retryAfterSeconds} seconds.` } },
    { status: 429, headers: { 'retry-after': String(retryAfterSeconds), 'cache-control': 'no-store' } },
  );
}

export function publicRoute<C = unknown>(bucket: PublicBucket, handler: (req: NextRequest, ctx: C) => Promise<Response>) {
  const limits = PUBLIC_LIMITS[bucket];
  return async (req: NextRequest, ctx?: C): Promise<Response> => {
    const who = `${bucket}:${clientAddress(req)}`;
    const refusals = await peekRateLimit(`${who}:refused`, limits.refusals);
    if (!refusals.allowed) return tooMany(refusals.retryAfterSeconds);
    const requests = await hitRateLimit(who, limits.requests);
    if (!requests.allowed) return tooMany(requests.retryAfterSeconds);
    const res = await handler(req, ctx as C);
    if (isRefusal(res)) await hitRateLimit(`${who}:refused`, limits.refusals);
    return res;
  };
}

/** Refused credentials: a 401/403, or a redirect to a page saying the state or ticket was not accepted. */
function isRefusal(res: Response): boolean {
  if (res.status === 401 || res.status === 403) return true;
  const location = res.headers.get('location') ?? '';
  return /[?&](outcome=invalid_state|status=expired|status=refused)(&|$)/.test(location);
}
