/** Loads everything one sync run needs: the connection row, its CRM user, and both clients. */
import { eq } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { contactSyncs, crmUsers, installations, providerAccounts, syncConnections } from '@/db/schema';
import { crmClientFor } from '@/lib/crm';
import type { ApiCallCounter } from '@/lib/crm/http';
import { providerFor } from '@/lib/providers';
import { SyncError } from '@/lib/errors';

export async function loadSyncContext(syncId: string, counter?: ApiCallCounter) {
  const db = await getDb();
  const rows = await db
    .select({ settings: contactSyncs, connection: syncConnections, user: crmUsers, inst: installations, account: providerAccounts })
    .from(contactSyncs)
    .innerJoin(syncConnections, eq(syncConnections.id, contactSyncs.id))
    .innerJoin(crmUsers, eq(contactSyncs.crmUserId, crmUsers.id))
    .innerJoin(installations, eq(contactSyncs.installationId, installations.id))
    .innerJoin(providerAccounts, eq(contactSyncs.providerAccountId, providerAccounts.id))
    .where(eq(contactSyncs.id, syncId));
  const row = rows[0];
  if (!row) throw new SyncError('not_found', 'This sync connection no longer exists.');
  if (row.user.status === 'uninstalled') throw new SyncError('uninstalled', 'Synclane was uninstalled for this CRM user.');
  const crm = crmClientFor(
    { id: row.user.id, crm: row.inst.crm, apiDomain: row.inst.apiDomain },
    { fieldMap: row.settings.fieldMap, counter },
  );
  const provider = providerFor({ id: row.account.id, provider: row.settings.provider }, counter);
  // The engine reads the connection's status and pending deletes next to its settings; it writes them
  // only through lib/sync/runtime/connections.
  const sync = { ...row.settings, status: row.connection.status, pendingDeletes: row.connection.pendingDeletes };
  return { db, sync, user: row.user, inst: row.inst, account: row.account, crm, provider };
}

export type SyncContext = Awaited<ReturnType<typeof loadSyncContext>>;
