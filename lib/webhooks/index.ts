/**
 * Webhook fan-out, one module for every source (B1): routes authenticate and parse, then hand the
 * delivery here — dedupe by delivery id, ask each pillar which of the user's connections should run, and
 * request those runs through the job queue. Replays and echoes are harmless: runs compare with base state.
 */
import { getDb } from '@/db/client';
import { webhookEvents } from '@/db/schema';
import { jobQueue } from '@/lib/jobs/queue';
import type { CrmChange } from '@/lib/sync/runtime/pillar';
import { PILLARS } from '@/lib/sync/registry';

/** Longest delivery id we store as a dedupe key; longer ids are hashed by the caller's schema (a 4xx). */
export const MAX_DELIVERY_ID_LENGTH = 200;

/** Records a delivery id; false when it was seen before (a retry or replay of the same delivery). */
export async function isFirstDelivery(source: string, deliveryId: string): Promise<boolean> {
  const db = await getDb();
  const fresh = await db
    .insert(webhookEvents)
    .values({ id: `${source}:${deliveryId.slice(0, MAX_DELIVERY_ID_LENGTH)}`, source })
    .onConflictDoNothing()
    .returning({ id: webhookEvents.id });
  return fresh.length > 0;
}

/** A CRM record changed: every pillar that cares requests runs for this user's connections. Returns how many. */
export async function fanOutCrmChange(change: CrmChange): Promise<number> {
  const requests = (await Promise.all(PILLARS.map((p) => p.onCrmChange?.(change) ?? Promise.resolve([])))).flat();
  if (requests.length) await jobQueue().request(requests);
  return requests.length;
}
