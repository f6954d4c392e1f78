/** Loads what one archive run needs: the archive row, its accounts and the three clients (Sign, Dropbox, CRM). */
import { eq } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { crmUsers, installations, providerAccounts, signatureArchives, syncConnections } from '@/db/schema';
import { withAccessToken } from '@/lib/auth/token-manager';
import { crmClientFor } from '@/lib/crm';
import type { ApiCallCounter } from '@/lib/crm/http';
import { SyncError } from '@/lib/errors';
import { createDropboxSignClient } from '@/lib/providers/dropbox-sign/client';
import { isDropboxSignUnauthorized } from '@/lib/providers/dropbox-sign/errors';
import { refreshDropboxSignToken } from '@/lib/providers/dropbox-sign/oauth';
import { dropboxFor } from '@/lib/providers/dropbox';

export async function loadArchiveContext(archiveId: string, counter?: ApiCallCounter) {
  const db = await getDb();
  const [row] = await db
    .select({ archive: signatureArchives, connection: syncConnections, user: crmUsers, inst: installations })
    .from(signatureArchives)
    .innerJoin(syncConnections, eq(syncConnections.id, signatureArchives.id))
    .innerJoin(crmUsers, eq(crmUsers.id, signatureArchives.crmUserId))
    .innerJoin(installations, eq(installations.id, signatureArchives.installationId))
    .where(eq(signatureArchives.id, archiveId));
  if (!row) throw new SyncError('not_found', 'This signature archive no longer exists.');
  if (row.user.status === 'uninstalled') throw new SyncError('uninstalled', 'Synclane was uninstalled for this CRM user.');
  const [signAccount] = await db.select().from(providerAccounts).where(eq(providerAccounts.id, row.archive.signAccountId));
  const [dropboxAccount] = await db.select().from(providerAccounts).where(eq(providerAccounts.id, row.archive.dropboxAccountId));
  if (!signAccount || signAccount.status === 'disconnected') throw new SyncError('uninstalled', 'Dropbox Sign was unlinked.');
  if (!dropboxAccount || dropboxAccount.status === 'disconnected') throw new SyncError('uninstalled', 'Dropbox was unlinked.');
  const signOwner = { kind: 'provider_account' as const, id: signAccount.id };
  const sign = createDropboxSignClient({ counter, auth: { withToken: (call) => withAccessToken(signOwner, refreshDropboxSignToken, call, isDropboxSignUnauthorized) } });
  const dropbox = dropboxFor({ kind: 'provider_account', id: dropboxAccount.id }, counter);
  const crm = crmClientFor({ id: row.user.id, crm: row.inst.crm, apiDomain: row.inst.apiDomain }, { counter });
  return { db, archive: row.archive, connection: row.connection, user: row.user, inst: row.inst, signAccount, dropboxAccount, sign, dropbox, crm };
}

export type ArchiveContext = Awaited<ReturnType<typeof loadArchiveContext>>;
