/**
 * Throttling for public endpoints (S8), shared by every instance: fixed-window counters in Postgres
 * (already there, no extra service). One upsert per counted request; old windows are pruned now and then.
 */
import { lt, sql } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { rateLimits } from '@/db/schema';

export type RateLimit = { limit: number; windowSeconds: number };
export type RateVerdict = { allowed: boolean; count: number; retryAfterSeconds: number };

function windowStart(windowSeconds: number, now = Date.now()): Date {
  const ms = windowSeconds * 1000;
  return new Date(Math.floor(now / ms) * ms);
}

/** Counts one request against `key` and says whether it is within the limit. */
export async function hitRateLimit(key: string, { limit, windowSeconds }: RateLimit, now = Date.now()): Promise<RateVerdict> {
  const start = windowStart(windowSeconds, now);
  const db = await getDb();
  const [row] = await db
    .insert(rateLimits)
    .values({ key, windowStart: start, count: 1 })
    .onConflictDoUpdate({ target: [rateLimits.key, rateLimits.windowStart], set: { count: sql`${rateLimits.count} + 1` } })
    .returning({ count: rateLimits.count });
  if (Math.random() < 0.01) await db.delete(rateLimits).where(lt(rateLimits.windowStart, new Date(now - 24 * 3600 * 1000))).catch(() => undefined);
  const count = row?.count ?? 1;
  return { allowed: count <= limit, count, retryAfterSeconds: Math.max(1, Math.ceil((start.getTime() + windowSeconds * 1000 - now) / 1000)) };
}

/** How many requests `key` has made in the current window, without counting this one. */
export async function peekRateLimit(key: string, { limit, windowSeconds }: RateLimit, now = Date.now()): Promise<RateVerdict> {
  const start = windowStart(windowSeconds, now);
  const db = await getDb();
  const [row] = await db
    .select({ count: rateLimits.count })
    .from(rateLimits)
    .where(sql`${rateLimits.key} = ${key} and ${rateLimits.windowStart} = ${start}`);
  const count = row?.count ?? 0;
  return { allowed: count < limit, count, retryAfterSeconds: Math.max(1, Math.ceil((start.getTime() + windowSeconds * 1000 - now) / 1000)) };
}
