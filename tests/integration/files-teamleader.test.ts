/**
 * The files pillar on Teamleader: one folder level (`General` lives at the top of the record folder) and
 * records that accept no uploads (meetings, products): CRM → Dropbox only (F2, F4).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, BRUGGE, type TestApp } from '../support/harness';
import { activityOf, crmFiles, linkDropbox, uploadCrmFile } from '../support/files';
import { searchFileRecords, syncRecordFiles } from '@/lib/files/service';
import { stableUuid } from '@/sandbox/teamleader/ids';
import type { Tenant } from '@/lib/tenant';

const LOTTE = 'lotte.bruggebikes@gmail.com';
const PIETER = 'pieter.bruggebikes@gmail.com';

let app: TestApp;
let lotte: Tenant;
let syncId: string;
let pieter: Tenant;
let pieterSyncId: string;

beforeAll(async () => {
  app = await createTestApp();
  lotte = await app.installTeamleader(BRUGGE.admin);
  syncId = (await linkDropbox(app, lotte, LOTTE)).connectionId;
  pieter = await app.installTeamleader(BRUGGE.regular);
  pieterSyncId = (await linkDropbox(app, pieter, PIETER)).connectionId;
});
afterAll(async () => app?.close());

describe('Teamleader files', () => {
  it('F4: a Teamleader product (no uploads) syncs CRM → Dropbox only; a Dropbox add there is skipped with its reason', async () => {
    const product = stableUuid('product:1');
    await syncRecordFiles(lotte, { module: 'product', recordId: product });
    expect((await app.runSync(syncId)).status).toBe('succeeded');
    const folder = `/Products/Cargo e-bike (${product})`;
    expect(app.sandbox.dropbox.fileBytes(LOTTE, `${folder}/Cargo e-bike specs.txt`).toString()).toBe('Laadvermogen 100 kg.\n');

    app.sandbox.dropbox.writeFile(LOTTE, `${folder}/mine.txt`, Buffer.from('from Dropbox'));
    expect((await app.runSync(syncId)).status).toBe('succeeded');
    expect((await crmFiles(lotte).listRecordFiles('product', product)).map((f) => f.name)).toEqual(['Cargo e-bike specs.txt']);
    expect(app.sandbox.dropbox.entry(LOTTE, `${folder}/mine.txt`)).toBeDefined();
    expect((await activityOf(syncId)).some((a) => a.reasonCode === 'files.crm_cannot_receive_uploads' && a.label.includes('mine.txt'))).toBe(true);
  });

  it('F4: Teamleader folders map to one sub-folder level; a Dropbox add in a sub-folder reaches that CRM folder', async () => {
    const contact = stableUuid('contact:0');
    await syncRecordFiles(lotte, { module: 'contact', recordId: contact });
    expect((await app.runSync(syncId)).status).toBe('succeeded');
    const [folder] = app.sandbox.dropbox.entries(LOTTE).filter((e) => e.kind === 'folder' && e.pathDisplay.startsWith('/Contacts/') && e.name.endsWith(`(${contact})`));
    expect(folder).toBeDefined();
    expect(app.sandbox.dropbox.entry(LOTTE, `${folder!.pathDisplay}/Offerte 2025-09.txt`)).toBeDefined(); // General → top level
    expect(app.sandbox.dropbox.entry(LOTTE, `${folder!.pathDisplay}/Administratie/ID kopie.txt`)).toBeDefined();

    app.sandbox.dropbox.writeFile(LOTTE, `${folder!.pathDisplay}/Contracten/nieuw.txt`, Buffer.from('nieuw contract'));
    expect((await app.runSync(syncId)).status).toBe('succeeded');
    const files = await crmFiles(lotte).listRecordFiles('contact', contact);
    expect(files.find((f) => f.name === 'nieuw.txt')).toMatchObject({ folder: 'Contracten' });
  });

  it('F2: Teamleader contacts and companies are found by name with the CRM\'s list term filter and say whether they already sync', async () => {
    const account = app.sandbox.teamleader.accounts()[0]!.id;
    const contact = [...app.sandbox.teamleader.contacts(account)].reverse().find((c) => c.last_name && c.first_name)!; // not synced by the tests above
    const { records } = await searchFileRecords(lotte, { module: 'contact', term: contact.last_name! });
    const hit = records.find((r) => r.id === contact.id);
    expect(hit).toEqual({ id: contact.id, name: `${contact.first_name} ${contact.last_name}`, synced: false });
    expect(records.every((r) => r.name.toLowerCase().includes(contact.last_name!.toLowerCase()) || r.id !== contact.id)).toBe(true);
    await syncRecordFiles(lotte, { module: 'contact', recordId: contact.id });
    expect((await searchFileRecords(lotte, { module: 'contact', term: contact.last_name! })).records.find((r) => r.id === contact.id)?.synced).toBe(true);

    const company = app.sandbox.teamleader.companies(account)[0]!;
    const companies = (await searchFileRecords(lotte, { module: 'company', term: company.name.slice(0, 5) })).records;
    expect(companies.map((r) => r.id)).toContain(company.id);
    expect((await searchFileRecords(lotte, { module: 'company', term: 'no such company zzz' })).records).toEqual([]);
    // An empty term lists the first records by name; modules without a documented term filter stay link-or-id.
    expect((await searchFileRecords(lotte, { module: 'company', term: '' })).records.length).toBeGreaterThan(0);
    await expect(searchFileRecords(lotte, { module: 'product', term: 'x' })).rejects.toMatchObject({ code: 'validation' });
  });

  it('B10: a Dropbox edit whose Teamleader upload was applied but its answer lost is finished next run — no conflicted copy of the user\'s own edit', async () => {
    const account = app.sandbox.teamleader.accounts()[0]!.id;
    const company = app.sandbox.teamleader.companies(account).at(-1)!;
    await uploadCrmFile(lotte, 'company', company.id, 'plan.txt', 'v1');
    await syncRecordFiles(lotte, { module: 'company', recordId: company.id });
    expect((await app.runSync(syncId)).status).toBe('succeeded');
    const folder = app.sandbox.dropbox.entries(LOTTE).find((e) => e.kind === 'folder' && e.pathLower.endsWith(`(${company.id})`))!;
    app.sandbox.dropbox.writeFile(LOTTE, `${folder.pathDisplay}/plan.txt`, Buffer.from('v2 from Dropbox'), 'overwrite');
    // The bytes reach Teamleader's upload location, the answer is lost (found by the files soak).
    app.sandbox.teamleader.faults.add({ method: 'POST', path: 'upload/[^/]+$', phase: 'after', status: 504, times: 1 });
    expect((await app.runSync(syncId)).status).toBe('failed');
    for (let i = 0; i < 2; i++) expect((await app.runSync(syncId)).status).toBe('succeeded');
    const inCrm = (await crmFiles(lotte).listRecordFiles('company', company.id)).filter((f) => f.name.startsWith('plan'));
    expect(inCrm.map((f) => f.name)).toEqual(['plan.txt']);
    expect(await new Response((await crmFiles(lotte).downloadFile(inCrm[0]!.id)).stream).text()).toBe('v2 from Dropbox');
    const inDropbox = app.sandbox.dropbox.entries(LOTTE).filter((e) => e.kind === 'file' && e.pathLower.startsWith(`${folder.pathLower}/plan`));
    expect(inDropbox.map((e) => e.name)).toEqual(['plan.txt']);
  });
  it('B10/F5: a Dropbox edit whose Teamleader upload was applied but its answer lost is not synced to another user as a new file, nor uploaded twice', async () => {
    const account = app.sandbox.teamleader.accounts()[0]!.id;
    const company = app.sandbox.teamleader.companies(account).at(-2)!;
    await uploadCrmFile(lotte, 'company', company.id, 'terms.txt', 'v1');
    await syncRecordFiles(lotte, { module: 'company', recordId: company.id });
    await syncRecordFiles(pieter, { module: 'company', recordId: company.id });
    expect((await app.runSync(syncId)).status).toBe('succeeded');
    expect((await app.runSync(pieterSyncId)).status).toBe('succeeded');
    const folderOf = (email: string) => app.sandbox.dropbox.entries(email).find((e) => e.kind === 'folder' && e.pathLower.endsWith(`(${company.id})`))!;
    const filesOf = (email: string) => app.sandbox.dropbox.entries(email).filter((e) => e.kind === 'file' && e.pathLower.startsWith(`${folderOf(email).pathLower}/terms`));
    app.sandbox.dropbox.writeFile(LOTTE, `${folderOf(LOTTE).pathDisplay}/terms.txt`, Buffer.from('v2 from Dropbox'), 'overwrite');
    // The bytes reach Teamleader's upload location, the answer is lost; Pieter's run comes next (found by the files soak).
    app.sandbox.teamleader.faults.add({ method: 'POST', path: 'upload/[^/]+$', phase: 'after', status: 500, times: 1 });
    expect((await app.runSync(syncId)).status).toBe('failed');
    for (let i = 0; i < 2; i++) {
      expect((await app.runSync(pieterSyncId)).status).toBe('succeeded');
      expect((await app.runSync(syncId)).status).toBe('succeeded');
    }
    const inCrm = (await crmFiles(lotte).listRecordFiles('company', company.id)).filter((f) => f.name.startsWith('terms'));
    expect(inCrm.map((f) => f.name)).toEqual(['terms.txt']);
    expect(await new Response((await crmFiles(lotte).downloadFile(inCrm[0]!.id)).stream).text()).toBe('v2 from Dropbox');
    for (const email of [LOTTE, PIETER]) {
      const copies = filesOf(email);
      expect(copies.map((e) => e.name)).toEqual(['terms.txt']);
      expect(app.sandbox.dropbox.fileBytes(email, copies[0]!.pathDisplay).toString()).toBe('v2 from Dropbox');
    }
  });
});
