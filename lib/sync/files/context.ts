/**
 * Everything one files run needs: the connection's settings, its CRM user and installation, the linked
 * Dropbox account, both clients, and the translation between the CRM port's modules and capabilities and
 * the planner's (lib/crm/port.ts speaks singular CRM modules; the planner speaks folder modules).
 */
import { eq } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { crmUsers, fileSyncs, installations, providerAccounts, syncConnections } from '@/db/schema';
import { crmClientFor } from '@/lib/crm';
import type { ApiCallCounter } from '@/lib/crm/http';
import type { CrmFileCapabilities as CrmPortCapabilities, CrmKind, CrmRecordModule } from '@/lib/crm/port';
import { dropboxFor } from '@/lib/providers/dropbox';
import { SyncError } from '@/lib/errors';
import { MAX_FILE_SIZE_BYTES, MODULE_FOLDER_NAMES } from './constants';
import type { CrmFileCapabilities } from './port';

/** CRM record module → the planner's module key (its first folder level, F3). */
export const PLANNER_MODULE: Record<CrmKind, Partial<Record<CrmRecordModule, string>>> = {
  pipedrive: { person: 'persons', organization: 'organizations', deal: 'deals', product: 'products' },
  teamleader: { contact: 'contacts', company: 'companies', project: 'projects', meeting: 'meetings', product: 'products' },
};

/** Modules whose records can sync files, per CRM (the planner's folder layout decides; F2). */
export function syncableModules(crm: CrmKind): CrmRecordModule[] {
  return (Object.keys(PLANNER_MODULE[crm]) as CrmRecordModule[]).filter((m) => {
    const key = PLANNER_MODULE[crm][m]!;
    return key in (MODULE_FOLDER_NAMES[crm] as Record<string, string>);
  });
}

export function plannerModule(crm: CrmKind, module: string): string {
  const key = PLANNER_MODULE[crm][module as CrmRecordModule];
  if (!key) throw new SyncError('validation', `${crm} has no ${module} records whose files sync.`);
  return key;
}

/** The port's capabilities in the planner's terms. Teamleader files without a folder land in `General`. */
export function plannerCapabilities(crm: CrmKind, caps: CrmPortCapabilities): CrmFileCapabilities {
  const uploadable = new Set(caps.uploadableModules.map((m) => PLANNER_MODULE[crm][m]).filter(Boolean));
  return {
    hasFolders: caps.folders,
    defaultFolder: caps.folders === 'one-level' ? 'General' : null,
    canRename: caps.canRename,
    canUploadTo: (module) => uploadable.has(module),
    maxFileSize: MAX_FILE_SIZE_BYTES,
  };
}

export async function loadFilesContext(connectionId: string, counter?: ApiCallCounter) {
  const db = await getDb();
  const [row] = await db
    .select({ settings: fileSyncs, connection: syncConnections, user: crmUsers, inst: installations, account: providerAccounts })
    .from(fileSyncs)
    .innerJoin(syncConnections, eq(syncConnections.id, fileSyncs.id))
    .innerJoin(crmUsers, eq(fileSyncs.crmUserId, crmUsers.id))
    .innerJoin(installations, eq(fileSyncs.installationId, installations.id))
    .innerJoin(providerAccounts, eq(fileSyncs.providerAccountId, providerAccounts.id))
    .where(eq(fileSyncs.id, connectionId));
  if (!row) throw new SyncError('not_found', 'This files connection no longer exists.');
  if (row.user.status === 'uninstalled') throw new SyncError('uninstalled', 'Synclane was uninstalled for this CRM user.');
  if (row.account.status !== 'connected') throw new SyncError('auth_revoked', 'The Dropbox account needs to be linked again.');
  const crm = crmClientFor({ id: row.user.id, crm: row.inst.crm, apiDomain: row.inst.apiDomain }, { counter });
  const dropbox = dropboxFor({ kind: 'provider_account', id: row.account.id }, counter);
  return {
    db,
    settings: row.settings,
    connection: row.connection,
    installationId: row.settings.installationId,
    crmKind: row.inst.crm as CrmKind,
    /** The key of this account's copies on shared links (FileLink.accounts). */
    accountKey: row.account.id,
    accountLabel: row.account.displayName,
    crm,
    dropbox,
  };
}

export type FilesContext = Awaited<ReturnType<typeof loadFilesContext>>;
