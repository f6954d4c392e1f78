/** The activity log (one recorder for every pillar): what happened to which record, and why, as a reason code. */
import { and, desc, eq, inArray } from 'drizzle-orm';
import type { Db, Tx } from '@/db/client';
import { getDb } from '@/db/client';
import { activity } from '@/db/schema';
import type { ReasonCode } from './reasons';

export type ActivityAction = (typeof activity.$inferInsert)['action'];
export type ActivityEntry = {
  installationId: string;
  connectionId: string;
  runId?: string | null;
  action: ActivityAction;
  side: 'crm' | 'provider';
  crmId?: string | null;
  remoteId?: string | null;
  label: string;
  reasonCode?: ReasonCode | null;
  /** Free detail for the code, e.g. the vendor's own error message. */
  reason?: string | null;
  detail?: Record<string, unknown> | null;
};

export async function recordActivity(entries: ActivityEntry[], db?: Db | Tx): Promise<void> {
  if (!entries.length) return;
  const d = db ?? (await getDb());
  await d.insert(activity).values(entries.map((e) => ({ ...e, label: e.label.slice(0, 500), reason: e.reason?.slice(0, 2000) ?? null })));
}

export async function recentActivity(connectionId: string, actions: ActivityAction[], limit = 30) {
  const db = await getDb();
  return db
    .select()
    .from(activity)
    .where(and(eq(activity.connectionId, connectionId), inArray(activity.action, actions)))
    .orderBy(desc(activity.at), desc(activity.id))
    .limit(limit);
}
