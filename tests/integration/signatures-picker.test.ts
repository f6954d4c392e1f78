/**
 * S5 Dropbox file picker (real Postgres; the Dropbox, Dropbox Sign and Pipedrive emulators through the official
 * SDKs): the send dialog browses the record's Dropbox folder first (found by id), any folder of the app folder from
 * there, and the picked file is what Dropbox Sign receives. Teamleader's settings page offers the synced records.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NextRequest } from 'next/server';
import { createTestApp, NORTHWIND, type TestApp } from '../support/harness';
import { linkDropbox } from '../support/files';
import { getDb } from '@/db/client';
import { recordFolders } from '@/db/schema';
import { env } from '@/lib/env';
import { startSignLink } from '@/lib/signatures/linking';
import { sendFromRecord } from '@/lib/signatures/send';
import { sendableRecords } from '@/lib/signatures/picker';
import { GET as oauthCallback } from '@/app/api/dropbox-sign/oauth/callback/route';
import { GET as browseRoute } from '@/app/api/embedded/signatures/dropbox/route';
import type { Tenant } from '@/lib/tenant';

const OLIVIA = 'olivia.admin@northwind.example';
const OLIVIA_DBX = 'olivia.northwind@gmail.com';
const ADA = 'ada@contoso.example';

let app: TestApp;
let tenant: Tenant;
let recordFolderId: string;
let draftsId: string;
let contractId: string;

type Listing = { recordFolder: { id: string; path: string } | null; folder: { id: string | null; path: string; parent: string | null }; entries: { kind: string; id: string; name: string }[] };

async function browse(query: string): Promise<{ status: number; body: Listing }> {
  const res = await browseRoute(
    new NextRequest(`${app.appUrl}/api/embedded/signatures/dropbox?${query}`, { headers: { authorization: `Bearer ${app.sandbox.pipedrive.signIframeToken(Number(tenant.companyId), Number(tenant.userExternalId))}` } }),
    { params: Promise.resolve({}) },
  );
  return { status: res.status, body: await res.json() };
}

beforeAll(async () => {
  app = await createTestApp();
  tenant = await app.installPipedrive(NORTHWIND.admin);
  const link = await linkDropbox(app, tenant, OLIVIA_DBX);
  const dbx = app.sandbox.dropbox;
  recordFolderId = dbx.createFolder(OLIVIA_DBX, '/Persons/Ada Lovelace').id;
  draftsId = dbx.createFolder(OLIVIA_DBX, '/Persons/Ada Lovelace/Drafts').id;
  dbx.writeFile(OLIVIA_DBX, '/Persons/Ada Lovelace/Drafts/draft.pdf', Buffer.from('%PDF-1.4 draft'));
  contractId = dbx.writeFile(OLIVIA_DBX, '/Persons/Ada Lovelace/Contract.pdf', Buffer.from('%PDF-1.4 contract')).id as string;
  // The files pillar's folder for person 501 (what its first run records).
  const db = await getDb();
  await db.insert(recordFolders).values({ installationId: tenant.installationId, connectionId: link.connectionId, crmModule: 'person', recordId: '501', recordName: 'Ada Lovelace', folderId: recordFolderId, pathLower: '/persons/ada lovelace', pathDisplay: '/Persons/Ada Lovelace' });
  const authorize = new URL(startSignLink(tenant).url);
  const response = await fetch(`${env().dropboxSign.oauthUrl}/oauth/authorize`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: authorize.searchParams.get('client_id')!, state: authorize.searchParams.get('state')!, account: OLIVIA, decision: 'allow' }),
  });
  await oauthCallback(new NextRequest(new URL(response.headers.get('location')!).href));
});
afterAll(async () => app?.close());

describe('S5 Dropbox picker', () => {
  it('S5: opens in the record’s Dropbox folder (by id, also after a rename in Dropbox): folders first, then files', async () => {
    app.sandbox.dropbox.rename(OLIVIA_DBX, recordFolderId, 'Ada L.');
    const { status, body } = await browse('module=person&recordId=501');
    expect(status).toBe(200);
    expect(body.recordFolder).toEqual({ id: recordFolderId, path: '/Persons/Ada L.' });
    expect(body.folder).toEqual({ id: recordFolderId, path: '/Persons/Ada L.', parent: '/Persons' });
    expect(body.entries.map((e) => [e.kind, e.name])).toEqual([['folder', 'Drafts'], ['file', 'Contract.pdf']]);
  });

  it('S5: browses into a sub-folder, up again, and to the app folder root', async () => {
    expect((await browse(`module=person&recordId=501&at=${encodeURIComponent(draftsId)}`)).body.entries.map((e) => e.name)).toEqual(['draft.pdf']);
    const up = await browse(`module=person&recordId=501&at=${encodeURIComponent('/Persons')}`);
    expect(up.body.entries.map((e) => e.name)).toEqual(['Ada L.']);
    const root = await browse('module=person&recordId=501&at=');
    expect(root.body.folder).toEqual({ id: null, path: '', parent: null });
    expect(root.body.entries.map((e) => e.name)).toContain('Persons');
  });

  it('S5: a record without a Dropbox folder starts at the app folder root; a malformed folder is refused (400)', async () => {
    const { body } = await browse('module=deal&recordId=77');
    expect(body.recordFolder).toBeNull();
    expect(body.folder.id).toBeNull();
    expect((await browse('module=person&recordId=501&at=..%2Fx')).status).toBe(400);
  });

  it('S5: the picked Dropbox file is what Dropbox Sign receives, with the record in the metadata', async () => {
    const { signatureRequestId } = await sendFromRecord(tenant, { module: 'person', recordId: '501', title: 'Contract for Ada', signers: [{ name: 'Ada', email: ADA }], source: { kind: 'dropbox', fileId: contractId } });
    const sent = app.sandbox.dropboxSign.getState().requests[signatureRequestId]!;
    expect(sent.documents.map((d) => [d.name, Buffer.from(d.base64, 'base64').toString()])).toEqual([['Contract.pdf', '%PDF-1.4 contract']]);
    expect(sent.metadata).toMatchObject({ synclane_record: 'person:501' });
  });

  it('S5 (Teamleader settings): the records with a Dropbox folder are offered to send from', async () => {
    expect(await sendableRecords(tenant)).toEqual([{ module: 'person', recordId: '501', name: 'Ada Lovelace' }]);
  });
});
