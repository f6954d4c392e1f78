/**
 * Dropbox webhooks (B1): a notification names the accounts whose app folder changed, nothing more. Every
 * active files connection of those accounts is asked to run; the runner keeps one run per connection, so
 * a burst of notifications during a run becomes one more run afterwards.
 */
import { and, eq, inArray } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { fileSyncs, syncConnections } from '@/db/schema';
import { jobQueue } from '@/lib/jobs/queue';
import { verifyWebhookSignature, webhookAccounts } from '@/lib/providers/dropbox';
import { filesRunRequest } from '@/lib/sync/files/requests';

export type DropboxNotificationResult = { status: 'refused' } | { status: 'accepted'; runs: number };

/** Verifies `X-Dropbox-Signature` over the raw body (fail closed), then requests runs. */
export async function handleDropboxNotification(rawBody: string, signature: string | null): Promise<DropboxNotificationResult> {
  if (!verifyWebhookSignature(rawBody, signature)) return { status: 'refused' };
  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch {
    return { status: 'accepted', runs: 0 };
  }
  const accounts = webhookAccounts(body);
  if (!accounts.length) return { status: 'accepted', runs: 0 };
  const db = await getDb();
  const rows = await db
    .select({ id: fileSyncs.id, installationId: fileSyncs.installationId, crmUserId: fileSyncs.crmUserId })
    .from(fileSyncs)
    .innerJoin(syncConnections, eq(syncConnections.id, fileSyncs.id))
    .where(and(inArray(fileSyncs.dropboxAccountId, accounts), eq(syncConnections.status, 'active')));
  if (rows.length) await jobQueue().request(rows.map((r) => filesRunRequest(r, 'webhook')));
  return { status: 'accepted', runs: rows.length };
}
