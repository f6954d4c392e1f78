/**
 * The Dropbox files pillar end to end on Pipedrive: the real link flow (PKCE), the runtime's run wrapper,
 * the planner and the effects against the Pipedrive and Dropbox emulators (through the official SDKs) and
 * a real Postgres. Two users of one company link their own Dropbox (F5).
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { NextRequest } from 'next/server';
import { createTestApp, NORTHWIND, type TestApp } from '../support/harness';
import { activityOf, connectionStatus, crmFiles, linkDropbox, uploadCrmFile } from '../support/files';
import { getDb } from '@/db/client';
import { fileLinks, providerAccounts, recordFolders } from '@/db/schema';
import { env } from '@/lib/env';
import { decryptOptional } from '@/lib/auth/token-vault';
import { completeDropboxLink, startDropboxLink, unlinkDropbox } from '@/lib/files/dropbox-linking';
import { fanOutCrmChange } from '@/lib/webhooks';
import { listDueConnections, loadConnection } from '@/lib/sync/runtime/connections';
import { executeRun } from '@/lib/sync/runtime/execute';
import type { RunRequest, Trigger } from '@/lib/sync/runtime/events';
import { pillarFor } from '@/lib/sync/registry';
import { answerFileDeletes, syncRecordFiles } from '@/lib/files/service';
import { consent } from '@/sandbox/dropbox/test-support';
import type { Tenant } from '@/lib/tenant';

const OLIVIA = 'olivia.northwind@gmail.com';
const RAHUL = 'rahul.northwind@gmail.com';

let app: TestApp;
let olivia: Tenant;
let rahul: Tenant;
let oliviaSync: string;
let rahulSync: string;
let persons: { id: number; name: string }[];
let nextPerson = 0;

const folderOf = (p: { id: number; name: string }) => `/Persons/${p.name} (${p.id})`;
const dbx = () => app.sandbox.dropbox;
const takePerson = () => persons[nextPerson++]!;
const downloads = () => dbx().requests().filter((r) => r.includes('/2/files/download')).length;

async function syncPerson(tenant: Tenant, syncId: string, person: { id: number }) {
  await syncRecordFiles(tenant, { module: 'person', recordId: String(person.id) });
  return app.runSync(syncId);
}

beforeAll(async () => {
  app = await createTestApp();
  olivia = await app.installPipedrive(NORTHWIND.admin);
  rahul = await app.installPipedrive(NORTHWIND.regular);
  oliviaSync = (await linkDropbox(app, olivia, OLIVIA)).connectionId;
  rahulSync = (await linkDropbox(app, rahul, RAHUL)).connectionId;
  persons = app.sandbox.pipedrive.persons(NORTHWIND.companyId).map((p) => ({ id: p.id, name: p.name }));
});
afterAll(async () => app?.close());

describe('F1 linking Dropbox', () => {
  it('F1: the callback stores the account encrypted, starts the files connection and asks for a first run', async () => {
    const db = await getDb();
    const [account] = await db.select().from(providerAccounts).where(and(eq(providerAccounts.crmUserId, olivia.crmUserId), eq(providerAccounts.provider, 'dropbox')));
    expect(account).toMatchObject({ email: OLIVIA, status: 'connected' });
    // Ciphertext through the token vault, never the raw token.
    const token = decryptOptional(account!.accessTokenEnc);
    expect(token).toBeTruthy();
    expect(account!.accessTokenEnc).not.toContain(token!);
    expect((await connectionStatus(oliviaSync)).status).toBe('active');
    expect(app.requested.some((r) => r.kind === 'files' && r.connectionId === oliviaSync && r.trigger === 'start')).toBe(true);
  });

  it('F1: a link state works once — a replayed callback is refused', async () => {
    const { url } = await startDropboxLink(olivia);
    const { location } = await consent(app.sandbox, url, OLIVIA);
    const callback = { state: location.searchParams.get('state'), code: location.searchParams.get('code') };
    await expect(completeDropboxLink(callback)).resolves.toMatchObject({ connectionId: oliviaSync });
    await expect(completeDropboxLink(callback)).rejects.toMatchObject({ code: 'validation' });
    await expect(completeDropboxLink({ state: 'forged.state', code: 'x' })).rejects.toMatchObject({ code: 'validation' });
  });
});

describe('F1 callback route', () => {
  it('F1: the OAuth callback redirects the popup to the done page; a reused state reports expired', async () => {
    const { GET } = await import('@/app/api/connect/dropbox/callback/route');
    const { url } = await startDropboxLink(olivia);
    const { location } = await consent(app.sandbox, url, OLIVIA);
    const callback = `${app.appUrl}/api/connect/dropbox/callback${location.search}`;
    const first = new URL((await GET(new NextRequest(callback))).headers.get('location')!);
    expect(first.pathname).toBe('/connect/done');
    expect(Object.fromEntries(first.searchParams)).toMatchObject({ status: 'linked', provider: 'dropbox', email: OLIVIA });
    const again = new URL((await GET(new NextRequest(callback))).headers.get('location')!);
    expect(again.searchParams.get('status')).toBe('expired');
  });
});

describe('record folders and CRM → Dropbox', () => {
  it('F3: syncing a record creates <Module>/<Record name> (<id>) at once, even without files', async () => {
    const p = takePerson();
    expect((await syncPerson(olivia, oliviaSync, p)).status).toBe('succeeded');
    expect(dbx().entry(OLIVIA, folderOf(p))).toMatchObject({ kind: 'folder' });
  });

  it('F4: a CRM file reaches Dropbox byte for byte; a CRM delete removes it from Dropbox', async () => {
    const p = takePerson();
    const file = await uploadCrmFile(olivia, 'person', String(p.id), 'offer.txt', 'Offer v1');
    expect((await syncPerson(olivia, oliviaSync, p)).status).toBe('succeeded');
    expect(dbx().fileBytes(OLIVIA, `${folderOf(p)}/offer.txt`).toString()).toBe('Offer v1');

    await crmFiles(olivia).deleteFile(file.id);
    expect((await app.runSync(oliviaSync)).status).toBe('succeeded');
    expect(dbx().entry(OLIVIA, `${folderOf(p)}/offer.txt`)).toBeUndefined();
    expect(dbx().entry(OLIVIA, folderOf(p))).toBeDefined();
  });

  it('F9: a record rename moves its folder by id — one folder, files inside, no second folder', async () => {
    const p = takePerson();
    await uploadCrmFile(olivia, 'person', String(p.id), 'contract.txt', 'signed');
    await syncPerson(olivia, oliviaSync, p);
    const folderId = dbx().entry(OLIVIA, folderOf(p))!.id;
    app.sandbox.pipedrive.updatePerson(NORTHWIND.companyId, p.id, { name: 'Renamed Person' });
    expect((await app.runSync(oliviaSync)).status).toBe('succeeded');
    const renamed = { id: p.id, name: 'Renamed Person' };
    expect(dbx().entry(OLIVIA, folderOf(renamed))?.id).toBe(folderId);
    expect(dbx().entry(OLIVIA, folderOf(p))).toBeUndefined();
    expect(dbx().entries(OLIVIA).filter((e) => e.kind === 'folder' && e.name.endsWith(`(${p.id})`))).toHaveLength(1);
    expect(dbx().fileBytes(OLIVIA, `${folderOf(renamed)}/contract.txt`).toString()).toBe('signed');
  });
});

describe('B3 delete brake', () => {
  async function recordWithFiles(n: number) {
    const p = takePerson();
    const existing = await crmFiles(olivia).listRecordFiles('person', String(p.id));
    const made = [];
    for (let i = 0; i < n; i++) made.push(await uploadCrmFile(olivia, 'person', String(p.id), `doc-${i}.txt`, `doc ${i}`));
    await syncPerson(olivia, oliviaSync, p);
    for (const f of [...existing, ...made]) await crmFiles(olivia).deleteFile(f.id);
    return { p, names: [...existing, ...made].map((f) => f.name).sort() };
  }
  const namesIn = (email: string, p: { id: number; name: string }) =>
    dbx().entries(email).filter((e) => e.kind === 'file' && e.pathLower.startsWith(folderOf(p).toLowerCase() + '/')).map((e) => e.name).sort();

  it('B3: many CRM deletes pause the run with nothing deleted; approving deletes them from Dropbox', async () => {
    const { p, names } = await recordWithFiles(7);
    expect((await app.runSync(oliviaSync)).status).toBe('paused');
    expect((await connectionStatus(oliviaSync)).status).toBe('paused_deletes');
    expect(namesIn(OLIVIA, p)).toEqual(names);
    await answerFileDeletes(olivia, true);
    expect((await app.runSync(oliviaSync, 'confirm')).status).toBe('succeeded');
    expect(namesIn(OLIVIA, p)).toEqual([]);
    expect((await connectionStatus(oliviaSync)).status).toBe('active');
  });

  it('B3: keeping everything deletes nothing and brings the files back to the CRM', async () => {
    const { p, names } = await recordWithFiles(7);
    expect((await app.runSync(oliviaSync)).status).toBe('paused');
    await answerFileDeletes(olivia, false);
    expect((await app.runSync(oliviaSync)).status).toBe('succeeded');
    expect(namesIn(OLIVIA, p)).toEqual(names);
    expect((await crmFiles(olivia).listRecordFiles('person', String(p.id))).map((f) => f.name).sort()).toEqual(names);
    expect((await connectionStatus(oliviaSync)).status).toBe('active');
  });
});

describe('Dropbox → CRM and other users (F5)', () => {
  it('F5: a Dropbox add reaches the CRM and the second user’s Dropbox; a Dropbox delete keeps the CRM file and is not re-uploaded', async () => {
    const p = takePerson();
    await syncPerson(olivia, oliviaSync, p);
    await syncPerson(rahul, rahulSync, p);
    app.requested.length = 0;

    dbx().writeFile(OLIVIA, `${folderOf(p)}/plan.txt`, Buffer.from('the plan'));
    expect((await app.runSync(oliviaSync)).status).toBe('succeeded');
    const inCrm = await crmFiles(olivia).listRecordFiles('person', String(p.id));
    expect(inCrm.map((f) => f.name).filter((n) => n.startsWith('plan'))).toEqual(['plan.txt']);
    // The change in the CRM asks Rahul's connection to check this record.
    expect(app.requested.some((r) => r.connectionId === rahulSync)).toBe(true);
    expect((await app.runSync(rahulSync)).status).toBe('succeeded');
    expect(dbx().fileBytes(RAHUL, `${folderOf(p)}/plan.txt`).toString()).toBe('the plan');

    dbx().deleteEntry(OLIVIA, `${folderOf(p)}/plan.txt`);
    expect((await app.runSync(oliviaSync)).status).toBe('succeeded');
    expect((await app.runSync(oliviaSync)).status).toBe('succeeded');
    expect((await crmFiles(olivia).listRecordFiles('person', String(p.id))).map((f) => f.name).filter((n) => n.startsWith('plan'))).toEqual(['plan.txt']);
    expect(dbx().entry(OLIVIA, `${folderOf(p)}/plan.txt`)).toBeUndefined();
    expect(dbx().entry(RAHUL, `${folderOf(p)}/plan.txt`)).toBeDefined();
    expect((await activityOf(oliviaSync)).some((a) => a.reasonCode === 'files.deleted_in_dropbox')).toBe(true);
  });

  it('F5: a Dropbox rename renames the Pipedrive file in place; a Dropbox edit replaces the CRM file (same link, new content)', async () => {
    const p = takePerson();
    const original = await uploadCrmFile(olivia, 'person', String(p.id), 'draft.txt', 'v1');
    await syncPerson(olivia, oliviaSync, p);
    dbx().rename(OLIVIA, `${folderOf(p)}/draft.txt`, 'final.txt');
    expect((await app.runSync(oliviaSync)).status).toBe('succeeded');
    let mine = (await crmFiles(olivia).listRecordFiles('person', String(p.id))).filter((f) => ['draft.txt', 'final.txt'].includes(f.name));
    expect(mine.map((f) => [f.id, f.name])).toEqual([[original.id, 'final.txt']]);

    dbx().writeFile(OLIVIA, `${folderOf(p)}/final.txt`, Buffer.from('v2, edited in Dropbox'), 'overwrite');
    expect((await app.runSync(oliviaSync)).status).toBe('succeeded');
    mine = (await crmFiles(olivia).listRecordFiles('person', String(p.id))).filter((f) => f.name === 'final.txt');
    expect(mine).toHaveLength(1);
    expect(mine[0]!.id).not.toBe(original.id);
    const body = await new Response((await crmFiles(olivia).downloadFile(mine[0]!.id)).stream).text();
    expect(body).toBe('v2, edited in Dropbox');
    // Nothing bounced back: the Dropbox file is still the user's edit, no conflicted copy.
    expect(dbx().entries(OLIVIA).filter((e) => e.kind === 'file' && e.pathLower.startsWith(folderOf(p).toLowerCase() + '/final')).map((e) => e.name)).toEqual(['final.txt']);
  });

  it('F4/F5: changed on both sides — both versions are kept: the CRM version keeps the name, the Dropbox edit becomes a conflicted copy', async () => {
    const p = takePerson();
    const v1 = await uploadCrmFile(olivia, 'person', String(p.id), 'terms.txt', 'v1');
    await syncPerson(olivia, oliviaSync, p);
    // A CRM "edit" is delete + add under the same name; meanwhile Olivia edits her Dropbox copy.
    await crmFiles(olivia).deleteFile(v1.id);
    await uploadCrmFile(olivia, 'person', String(p.id), 'terms.txt', 'v2 from the CRM');
    dbx().writeFile(OLIVIA, `${folderOf(p)}/terms.txt`, Buffer.from('v2 from Dropbox'), 'overwrite');
    expect((await app.runSync(oliviaSync)).status).toBe('succeeded');
    await app.runSync(oliviaSync);
    const files = dbx().entries(OLIVIA).filter((e) => e.kind === 'file' && e.pathLower.startsWith(folderOf(p).toLowerCase() + '/terms'));
    expect(files).toHaveLength(2);
    expect(dbx().fileBytes(OLIVIA, `${folderOf(p)}/terms.txt`).toString()).toBe('v2 from the CRM');
    const copy = files.find((e) => e.name !== 'terms.txt')!;
    expect(copy.name).toMatch(/conflicted copy \d{4}-\d{2}-\d{2}\)\.txt$/);
    expect(dbx().fileBytes(OLIVIA, copy.pathDisplay).toString()).toBe('v2 from Dropbox');
    const inCrm = (await crmFiles(olivia).listRecordFiles('person', String(p.id))).filter((f) => f.name.startsWith('terms'));
    expect(inCrm.map((f) => f.name).sort()).toEqual([copy.name, 'terms.txt'].sort());
    expect((await activityOf(oliviaSync)).some((a) => a.action === 'conflict' && a.reasonCode === 'files.conflicted_copy')).toBe(true);
  });

  it('F6: a Dropbox file over 50 MB is skipped before any download, with its reason', async () => {
    const p = takePerson();
    await syncPerson(olivia, oliviaSync, p);
    dbx().writeFile(OLIVIA, `${folderOf(p)}/huge.bin`, Buffer.alloc(50 * 1024 * 1024 + 1));
    const before = downloads();
    expect((await app.runSync(oliviaSync)).status).toBe('succeeded');
    expect(downloads()).toBe(before);
    expect((await crmFiles(olivia).listRecordFiles('person', String(p.id))).map((f) => f.name)).not.toContain('huge.bin');
    const skipped = async () => (await activityOf(oliviaSync)).filter((a) => a.reasonCode === 'files.too_large' && a.label === 'huge.bin');
    expect(await skipped()).toHaveLength(1);
    // Still skipped next run, and listed once in "Why not synced?".
    expect((await app.runSync(oliviaSync)).status).toBe('succeeded');
    expect(downloads()).toBe(before);
    expect(await skipped()).toHaveLength(1);
  });
});

describe('faults', () => {
  it('R1: a Dropbox 429 on upload is waited out and the file arrives once', async () => {
    const p = takePerson();
    await uploadCrmFile(olivia, 'person', String(p.id), 'slow.txt', 'patience');
    dbx().rateLimit('too_many_write_operations', { path: 'files/upload', times: 1, retryAfterSeconds: 1 });
    expect((await syncPerson(olivia, oliviaSync, p)).status).toBe('succeeded');
    expect(dbx().fileBytes(OLIVIA, `${folderOf(p)}/slow.txt`).toString()).toBe('patience');
    expect(dbx().entries(OLIVIA).filter((e) => e.pathLower.startsWith(folderOf(p).toLowerCase() + '/'))).toHaveLength(1);
  });

  it('B10: an upload whose answer was lost is recognized next run — no duplicate, linked by content', async () => {
    const p = takePerson();
    await uploadCrmFile(olivia, 'person', String(p.id), 'lost.txt', 'lost answer');
    dbx().faults.add({ method: 'POST', path: 'files/upload', phase: 'after', status: 500, times: 1, body: { error_summary: 'internal' } });
    await syncPerson(olivia, oliviaSync, p);
    await app.runSync(oliviaSync);
    expect((await app.runSync(oliviaSync)).status).toBe('succeeded');
    const inFolder = dbx().entries(OLIVIA).filter((e) => e.pathLower.startsWith(folderOf(p).toLowerCase() + '/'));
    const inCrm = await crmFiles(olivia).listRecordFiles('person', String(p.id));
    // Exactly the CRM's files (the person may carry demo files), each once: no `lost (1).txt`.
    expect(inFolder.map((e) => e.name).sort()).toEqual(inCrm.map((f) => f.name).sort());
    expect(inFolder.filter((e) => e.name.startsWith('lost'))).toHaveLength(1);
    const lost = inFolder.find((e) => e.name === 'lost.txt')!;
    const db = await getDb();
    const links = await db.select().from(fileLinks).where(and(eq(fileLinks.recordId, String(p.id)), eq(fileLinks.crmModule, 'person'), eq(fileLinks.crmName, 'lost.txt')));
    expect(links).toHaveLength(1);
    expect(Object.values(links[0]!.accounts).map((a) => a.dropboxId)).toContain(lost.id);
  });

  it('B10: a Dropbox edit whose CRM replace stopped between the upload and the old file\'s delete is finished next run — no duplicate in the CRM or either Dropbox', async () => {
    app.sandbox.pipedrive.config({ burstLimit: 1_000_000 }); // the failure under test is the 503, not pacing
    onTestFinished(() => app.sandbox.pipedrive.config({ burstLimit: null }));
    const p = takePerson();
    await uploadCrmFile(olivia, 'person', String(p.id), 'replace.txt', 'v1');
    await syncPerson(olivia, oliviaSync, p);
    await syncPerson(rahul, rahulSync, p);
    dbx().writeFile(OLIVIA, `${folderOf(p)}/replace.txt`, Buffer.from('v2 from Dropbox'), 'overwrite');
    // The new CRM file is uploaded, then the delete of the old one fails (found by the files soak).
    app.sandbox.pipedrive.faults.add({ method: 'DELETE', path: 'api/v1/files/\\d+', status: 503, times: 1, body: { success: false, error: 'Service unavailable' } });
    expect((await app.runSync(oliviaSync)).status).toBe('failed');
    expect((await crmFiles(olivia).listRecordFiles('person', String(p.id))).filter((f) => f.name === 'replace.txt')).toHaveLength(2);
    expect((await app.runSync(rahulSync)).status).toBe('succeeded');
    expect((await app.runSync(oliviaSync)).status).toBe('succeeded');
    expect((await app.runSync(rahulSync)).status).toBe('succeeded');
    const inCrm = (await crmFiles(olivia).listRecordFiles('person', String(p.id))).filter((f) => f.name.startsWith('replace'));
    expect(inCrm).toHaveLength(1);
    expect(await new Response((await crmFiles(olivia).downloadFile(inCrm[0]!.id)).stream).text()).toBe('v2 from Dropbox');
    for (const email of [OLIVIA, RAHUL]) {
      const copies = dbx().entries(email).filter((e) => e.kind === 'file' && e.pathLower.startsWith(`${folderOf(p).toLowerCase()}/replace`));
      expect(copies.map((e) => [e.name, dbx().fileBytes(email, e.id).toString()])).toEqual([['replace.txt', 'v2 from Dropbox']]);
    }
  });

  it('B3: after a cursor reset nothing is deleted anywhere; a file missing from Dropbox is re-synced from the CRM', async () => {
    const p = takePerson();
    await uploadCrmFile(olivia, 'person', String(p.id), 'keep.txt', 'keep me');
    await syncPerson(olivia, oliviaSync, p);
    dbx().resetCursors(OLIVIA);
    dbx().deleteEntry(OLIVIA, `${folderOf(p)}/keep.txt`);
    expect((await app.runSync(oliviaSync)).status).toBe('succeeded');
    expect((await crmFiles(olivia).listRecordFiles('person', String(p.id))).map((f) => f.name)).toContain('keep.txt');
    expect(dbx().fileBytes(OLIVIA, `${folderOf(p)}/keep.txt`).toString()).toBe('keep me');
  });

  it('B1: a Dropbox webhook with a wrong signature is refused; a signed one asks the account’s connection to run', async () => {
    const { POST, GET } = await import('@/app/api/webhooks/dropbox/route');
    const url = `${app.appUrl}/api/webhooks/dropbox`;
    const challenge = await GET(new NextRequest(`${url}?challenge=abc123`));
    expect(await challenge.text()).toBe('abc123');
    const accountId = dbx().account(OLIVIA).accountId;
    const body = JSON.stringify({ list_folder: { accounts: [accountId] }, delta: { users: [] } });
    app.requested.length = 0;
    const wrong = await POST(new NextRequest(url, { method: 'POST', body, headers: { 'x-dropbox-signature': 'a'.repeat(64) } }));
    expect(wrong.status).toBe(403);
    expect(app.requested).toHaveLength(0);
    const signature = createHmac('sha256', env().dropbox.appSecret).update(body).digest('hex');
    const right = await POST(new NextRequest(url, { method: 'POST', body, headers: { 'x-dropbox-signature': signature } }));
    expect(right.status).toBe(200);
    expect(app.requested.map((r) => r.connectionId)).toEqual([oliviaSync]);
  });

  it('B1: a CRM record webhook asks every connection syncing that record to check it (CRMs send no file events)', async () => {
    const p = takePerson();
    await syncPerson(olivia, oliviaSync, p);
    await syncPerson(rahul, rahulSync, p);
    app.requested.length = 0;
    const runs = await fanOutCrmChange({ crm: 'pipedrive', crmUserId: olivia.crmUserId, installationId: olivia.installationId, entity: 'person', action: 'change', recordId: String(p.id) });
    expect(runs).toBe(2);
    const files = app.requested.filter((r) => r.kind === 'files');
    expect(files.map((r) => r.connectionId).sort()).toEqual([oliviaSync, rahulSync].sort());
    expect(files.every((r) => (r as { recordFolderIds?: string[] }).recordFolderIds?.length === 1)).toBe(true);
  });

  it('F-2/F9: an unchanged record costs 1 Dropbox + 1 CRM call on an hourly run; changes on either side still sync hourly; a record webhook sees a rename', async () => {
    // This test counts calls, not pacing: the demo plan's burst limit (80 per 2 s) is lifted for it.
    app.sandbox.pipedrive.config({ burstLimit: 1_000_000 });
    onTestFinished(() => app.sandbox.pipedrive.config({ burstLimit: null }));
    const p = takePerson();
    await uploadCrmFile(olivia, 'person', String(p.id), 'quiet.txt', 'q');
    await syncPerson(olivia, oliviaSync, p);
    const db = await getDb();
    const [folder] = await db.select().from(recordFolders).where(and(eq(recordFolders.connectionId, oliviaSync), eq(recordFolders.recordId, String(p.id))));
    const runOne = async (trigger: Trigger) => {
      const pillar = pillarFor('files');
      const [request] = await pillar.requestsFor([(await loadConnection(oliviaSync))!], trigger);
      const dropboxBefore = dbx().requests().length;
      const crmBefore = app.sandbox.pipedrive.requestCounts();
      const r = await executeRun(pillar, { run: (_id, fn) => fn() }, { ...request!, recordFolderIds: [folder!.id] } as RunRequest);
      const crm = Object.entries(app.sandbox.pipedrive.requestCounts()).flatMap(([k, v]) => Array(v - (crmBefore[k] ?? 0)).fill(k) as string[]);
      return { status: r.status, dropbox: dbx().requests().slice(dropboxBefore), crm };
    };

    const quiet = await runOne('hourly');
    expect(quiet.status).toBe('succeeded');
    expect(quiet.dropbox).toEqual(['POST /api/2/files/list_folder/continue']);
    expect(quiet.crm).toEqual(['GET /api/v1/persons/:id/files']);

    dbx().writeFile(OLIVIA, `${folderOf(p)}/from-dropbox.txt`, Buffer.from('d'));
    expect((await runOne('hourly')).status).toBe('succeeded');
    expect((await crmFiles(olivia).listRecordFiles('person', String(p.id))).map((f) => f.name).filter((n) => ['from-dropbox.txt', 'quiet.txt'].includes(n)).sort()).toEqual(['from-dropbox.txt', 'quiet.txt']);

    await uploadCrmFile(olivia, 'person', String(p.id), 'from-crm.txt', 'c');
    expect((await runOne('hourly')).status).toBe('succeeded');
    expect(dbx().fileBytes(OLIVIA, `${folderOf(p)}/from-crm.txt`).toString()).toBe('c');
    // Settled: the shortcut holds again.
    await runOne('hourly');
    expect((await runOne('hourly')).dropbox).toEqual(['POST /api/2/files/list_folder/continue']);

    app.sandbox.pipedrive.updatePerson(NORTHWIND.companyId, p.id, { name: 'Quiet Renamed' });
    expect((await runOne('webhook')).status).toBe('succeeded');
    expect(dbx().entry(OLIVIA, folderOf({ id: p.id, name: 'Quiet Renamed' }))?.id).toBe(folder!.folderId);
  });

  it('F8: the hourly fan-out asks every files connection to run, and an hourly run succeeds', async () => {
    const due = await listDueConnections(new Date(Date.now() + 2 * 60 * 60 * 1000));
    const files = due.filter((c) => c.kind === 'files');
    expect(files.map((c) => c.id)).toEqual(expect.arrayContaining([oliviaSync, rahulSync]));
    const requests = await pillarFor('files').requestsFor(files, 'hourly');
    expect(requests.map((r) => [r.connectionId, r.trigger, r.throttleKey])).toEqual(expect.arrayContaining([[oliviaSync, 'hourly', 'dropbox']]));
    expect((await app.runSync(oliviaSync, 'hourly')).status).toBe('succeeded');
  });

  it('F7: unlinking Dropbox stops the connection and keeps every file on both sides', async () => {
    const p = takePerson();
    await uploadCrmFile(rahul, 'person', String(p.id), 'rahul.txt', 'kept');
    await syncPerson(rahul, rahulSync, p);
    expect(dbx().entry(RAHUL, `${folderOf(p)}/rahul.txt`)).toBeDefined();
    await unlinkDropbox(rahul);
    expect((await connectionStatus(rahulSync)).status).toBe('disabled');
    expect(dbx().entry(RAHUL, `${folderOf(p)}/rahul.txt`)).toBeDefined();
    expect((await crmFiles(rahul).listRecordFiles('person', String(p.id))).map((f) => f.name)).toContain('rahul.txt');
    const db = await getDb();
    const [account] = await db.select().from(providerAccounts).where(and(eq(providerAccounts.crmUserId, rahul.crmUserId), eq(providerAccounts.provider, 'dropbox')));
    expect(account).toMatchObject({ status: 'disconnected', accessTokenEnc: null, refreshTokenEnc: null });
  });

  it('R2/F7: a revoked Dropbox grant puts the connection in needs_reconnect; files stay on both sides', async () => {
    const p = takePerson();
    await uploadCrmFile(olivia, 'person', String(p.id), 'stay.txt', 'stay');
    await syncPerson(olivia, oliviaSync, p);
    dbx().unlink(OLIVIA);
    expect((await app.runSync(oliviaSync)).status).toBe('failed');
    expect((await connectionStatus(oliviaSync)).status).toBe('needs_reconnect');
    expect(dbx().entry(OLIVIA, `${folderOf(p)}/stay.txt`)).toBeDefined();
    expect((await crmFiles(olivia).listRecordFiles('person', String(p.id))).map((f) => f.name)).toContain('stay.txt');
  });
});
