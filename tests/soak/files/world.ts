/**
 * A files soak "world": one CRM (Pipedrive or Teamleader), two CRM users of one company, each with their
 * own linked Dropbox, both syncing the same records (F5) — on the real app code, the in-process emulators
 * and a fresh database. Users act through the emulators' doors (the Dropbox web UI's operations, the CRM's
 * file API), faults through the emulators' fault rules.
 */
import { and, eq } from 'drizzle-orm';
import { createTestApp, BRUGGE, NORTHWIND, type TestApp } from '../../support/harness';
import { crmFiles, linkDropbox } from '../../support/files';
import { getDb } from '@/db/client';
import { providerAccounts } from '@/db/schema';
import type { CrmRecordModule } from '@/lib/crm/port';
import { syncRecordFiles } from '@/lib/files/service';
import { recordFolderName } from '@/lib/sync/files/constants';
import type { Tenant } from '@/lib/tenant';
import type { FaultInjector } from '@/sandbox/lib/faults';

export type FilesCrm = 'pipedrive' | 'teamleader';
export type FilesSoakConfig = { crm: FilesCrm };
export const FILES_CONFIGS: FilesSoakConfig[] = [{ crm: 'pipedrive' }, { crm: 'teamleader' }];
export const filesConfigName = (c: FilesSoakConfig) => `files-${c.crm}`;

export type SoakUser = { tenant: Tenant; email: string; syncId: string };
export type SoakRecord = { module: CrmRecordModule; moduleFolder: string; id: string };
/** One file as a side holds it: id, path relative to the record folder (Dropbox) or name (CRM), content. */
export type HeldFile = { id: string; path: string; content: string };
export type Matcher = { method?: string; path: string };

export type FilesWorld = {
  config: FilesSoakConfig;
  app: TestApp;
  users: [SoakUser, SoakUser];
  records: SoakRecord[];
  canRename: boolean;
  /** CRM side. */
  crmList(record: SoakRecord): Promise<(HeldFile & { folder: string | null })[]>;
  crmAdd(record: SoakRecord, name: string, content: string): Promise<string>;
  crmDelete(fileId: string): Promise<void>;
  crmRename(fileId: string, name: string): Promise<void>;
  recordName(record: SoakRecord): Promise<string>;
  renameRecord(record: SoakRecord, name: string): void;
  /** Dropbox side: the record's folders in this account (there must be exactly one) and the files under it. */
  folders(user: SoakUser, record: SoakRecord): { path: string; name: string }[];
  dropboxFiles(user: SoakUser, record: SoakRecord): HeldFile[];
  crmFaults: FaultInjector;
  crmEndpoints: { read: Matcher[]; write: Matcher[] };
  crmErrorBody(status: number): unknown;
  dropboxEndpoints: { read: Matcher[]; write: Matcher[] };
  expireCrmTokens(): void;
  /** The user disconnects the app in Dropbox (every token dies; the sync must ask for a reconnect). */
  revokeDropbox(user: SoakUser): Promise<void>;
  relinkDropbox(user: SoakUser): Promise<void>;
  close(): Promise<void>;
};

const TL_ACCOUNT = (app: TestApp) => app.sandbox.teamleader.accounts()[0]!.id;

export async function createFilesWorld(config: FilesSoakConfig, opts: { adminUrl?: string | null } = {}): Promise<FilesWorld> {
  const app = await createTestApp(opts.adminUrl !== undefined ? { adminUrl: opts.adminUrl } : {});
  // Real-time quotas are raised out of the way (time is compressed); the soak injects its own 429s.
  app.sandbox.pipedrive.config({ burstLimit: 1_000_000 });
  app.sandbox.teamleader.config({ rateLimitPerMinute: 1_000_000 });
  const pd = config.crm === 'pipedrive';
  const [a, b] = pd ? [NORTHWIND.admin, NORTHWIND.regular] : [BRUGGE.admin, BRUGGE.regular];
  const emails = pd ? ['olivia.northwind@gmail.com', 'rahul.northwind@gmail.com'] : ['lotte.bruggebikes@gmail.com', 'pieter.bruggebikes@gmail.com'];
  const tenants = pd ? [await app.installPipedrive(a as number), await app.installPipedrive(b as number)] : [await app.installTeamleader(a as string), await app.installTeamleader(b as string)];
  const users: SoakUser[] = [];
  for (const [i, tenant] of tenants.entries()) users.push({ tenant, email: emails[i]!, syncId: (await linkDropbox(app, tenant, emails[i]!)).connectionId });

  // Two records of the company, synced by both users (F5).
  const records: SoakRecord[] = pd
    ? app.sandbox.pipedrive
        .persons(NORTHWIND.companyId)
        .slice(2, 4)
        .map((p) => ({ module: 'person' as const, moduleFolder: 'Persons', id: String(p.id) }))
    : app.sandbox.teamleader
        .contacts(TL_ACCOUNT(app))
        .slice(0, 2)
        .map((c) => ({ module: 'contact' as const, moduleFolder: 'Contacts', id: c.id }));
  for (const user of users) for (const r of records) await syncRecordFiles(user.tenant, { module: r.module, recordId: r.id });

  const files = () => crmFiles(users[0]!.tenant);
  const dbx = app.sandbox.dropbox;
  const underFolder = (user: SoakUser, record: SoakRecord) => {
    const [folder] = world.folders(user, record);
    return folder ? dbx.entries(user.email).filter((e) => e.kind === 'file' && e.pathLower.startsWith(`${folder.path.toLowerCase()}/`)).map((e) => ({ e, rel: e.pathDisplay.slice(folder.path.length + 1) })) : [];
  };

  const world: FilesWorld = {
    config,
    app,
    users: users as [SoakUser, SoakUser],
    records,
    canRename: pd,
    async crmList(record) {
      const out: (HeldFile & { folder: string | null })[] = [];
      for (const f of await files().listRecordFiles(record.module, record.id)) {
        const { stream } = await files().downloadFile(f.id);
        out.push({ id: f.id, path: f.name, folder: f.folder, content: await new Response(stream).text() });
      }
      return out;
    },
    async crmAdd(record, name, content) {
      const bytes = Buffer.from(content);
      return (await files().uploadFile({ module: record.module, recordId: record.id, name, size: bytes.length, content: () => new Blob([new Uint8Array(bytes)]).stream() })).id;
    },
    crmDelete: (id) => files().deleteFile(id),
    async crmRename(id, name) {
      await files().renameFile(id, name);
    },
    async recordName(record) {
      return (await files().getRecordRef(record.module, record.id))!.name;
    },
    renameRecord(record, name) {
      if (pd) app.sandbox.pipedrive.updatePerson(NORTHWIND.companyId, Number(record.id), { name } as never);
      else app.sandbox.teamleader.updateContact(TL_ACCOUNT(app), record.id, { last_name: name });
    },
    folders(user, record) {
      const suffix = `(${record.id.toLowerCase()})`;
      return dbx
        .entries(user.email)
        .filter((e) => e.kind === 'folder' && e.pathLower.split('/').length === 3 && e.pathLower.endsWith(suffix))
        .map((e) => ({ path: e.pathDisplay, name: e.name }));
    },
    dropboxFiles(user, record) {
      return underFolder(user, record).map(({ e, rel }) => ({ id: e.id, path: rel, content: dbx.fileBytes(user.email, e.id).toString() }));
    },
    crmFaults: pd ? app.sandbox.pipedrive.faults : app.sandbox.teamleader.faults,
    crmEndpoints: pd
      ? {
          read: [{ method: 'GET', path: 'api/v1/(persons/\\d+/files|files/\\d+/download)' }, { method: 'GET', path: 'api/v2/persons/\\d+' }],
          write: [{ method: 'POST', path: 'api/v1/files$' }, { method: 'DELETE', path: 'api/v1/files/\\d+' }, { method: 'PUT', path: 'api/v1/files/\\d+' }],
        }
      : {
          read: [{ method: 'POST', path: 'files\\.(list|download|info)' }, { method: 'POST', path: 'contacts\\.info' }],
          write: [{ method: 'POST', path: 'files\\.(upload|delete)' }, { method: 'POST', path: 'upload/[^/]+$' }],
        },
    crmErrorBody: (status) =>
      pd ? { success: false, error: status === 429 ? 'Rate limit exceeded' : 'Internal server error', errorCode: status } : { errors: [{ code: status, status, title: status === 429 ? 'Too Many Requests' : 'Internal Server Error' }] },
    dropboxEndpoints: {
      read: [{ path: 'files/list_folder$' }, { path: 'files/list_folder/continue$' }, { path: 'files/get_metadata$' }, { path: 'files/download$' }],
      write: [{ path: 'files/upload$' }, { path: 'files/upload_session/finish$' }, { path: 'files/move_v2$' }, { path: 'files/delete_v2$' }, { path: 'files/create_folder_v2$' }],
    },
    expireCrmTokens: () => (pd ? app.sandbox.pipedrive.expireAccessTokens() : app.sandbox.teamleader.expireAccessTokens()),
    async revokeDropbox(user) {
      dbx.unlink(user.email);
      const db = await getDb();
      await db.update(providerAccounts).set({ accessTokenExpiresAt: new Date(0) }).where(and(eq(providerAccounts.crmUserId, user.tenant.crmUserId), eq(providerAccounts.provider, 'dropbox')));
    },
    async relinkDropbox(user) {
      await linkDropbox(app, user.tenant, user.email);
    },
    close: () => app.close(),
  };
  return world;
}

/** The folder name a record should have in Dropbox now (F3/F9). */
export const expectedFolderName = (name: string, id: string) => recordFolderName(name, id);
