/** Refresh (C15): runs a sync immediately; if one is running, the dashboard keeps showing its progress. */
import { tenantRoute } from '@/lib/api/route';
import { markQueued, ownedSync } from '@/lib/contacts/service';
import { requestContactSync } from '@/inngest/dispatch';
import { SyncError } from '@/lib/errors';

export const dynamic = 'force-dynamic';
export const POST = tenantRoute(null, async ({ tenant, params }) => {
  const sync = await ownedSync(tenant, params.id!);
  if (sync.status === 'needs_reconnect') throw new SyncError('auth_revoked', 'Reconnect the account first; then Refresh works again.');
  if (sync.status === 'paused_deletes') throw new SyncError('validation', 'This sync is waiting for you to confirm or cancel the deletes shown above.');
  if (sync.status === 'disabled') throw new SyncError('validation', 'This sync was stopped. Start it again from the setup.');
  const { alreadyRunning } = await markQueued(sync.id, 'refresh');
  if (!alreadyRunning) await requestContactSync({ syncId: sync.id, installationId: sync.installationId, provider: sync.provider, trigger: 'refresh' });
  return { queued: !alreadyRunning, alreadyRunning };
});
