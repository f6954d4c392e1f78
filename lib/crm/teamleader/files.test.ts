/** The Teamleader file capability against the emulated Teamleader Focus (sandbox/teamleader). */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { setEnvForTests } from '@/lib/env';
import { stableUuid } from '@/sandbox/teamleader/ids';
import { DEMO_ACCOUNT_ID, DEMO_ADMIN_USER_ID } from '@/sandbox/teamleader/index';
import { startHarness, type Harness } from '@/sandbox/teamleader/test-support';
import type { ApiCallCounter } from '../http';
import { createTeamleaderClient } from './client';

let h: Harness;
let token: string;
let counter: ApiCallCounter;
beforeAll(async () => {
  h = await startHarness();
  setEnvForTests({ SYNCLANE_ENV: 'sandbox', TEAMLEADER_API_URL: `${h.base}/api`, TEAMLEADER_WEB_URL: h.base });
});
afterAll(() => h.close());
beforeEach(() => {
  h.emulator.reset();
  token = h.emulator.issueTokens(DEMO_ACCOUNT_ID, DEMO_ADMIN_USER_ID).access_token;
  counter = { count: 0 };
});

const files = () => createTeamleaderClient({ withToken: (call) => call(token), counter }).files;
const contactId = () => h.emulator.contacts(DEMO_ACCOUNT_ID)[0].id;
const companyId = () => h.emulator.companies(DEMO_ACCOUNT_ID)[0].id;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const readAll = async (stream: ReadableStream<Uint8Array>) => new Uint8Array(await new Response(stream).arrayBuffer());

function generated(total: number, chunk = 64 * 1024): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= total) return controller.close();
      const n = Math.min(chunk, total - sent);
      controller.enqueue(Uint8Array.from({ length: n }, (_, i) => (sent + i) % 253));
      sent += n;
    },
  });
}

describe('Teamleader files (CrmFiles)', () => {
  it('F2: declares one-level folders, no rename, no content replace, no file events; meetings and products are list-only', () => {
    expect(files().capabilities).toMatchObject({ folders: 'one-level', canRename: false, canReplaceContent: false, sendsFileEvents: false });
    expect(files().capabilities.uploadableModules).not.toContain('meeting');
    expect(files().capabilities.uploadableModules).not.toContain('product');
    expect(files().capabilities.listableModules).toEqual(expect.arrayContaining(['contact', 'company', 'project', 'meeting', 'product']));
  });

  it('F4: lists a record’s files with their folder, through every page', async () => {
    const listed = await files().listRecordFiles('contact', contactId());
    expect(listed.map((f) => [f.name, f.folder])).toEqual([
      ['Offerte 2025-09.txt', 'General'],
      ['ID kopie.txt', 'Administratie'],
    ]);
    expect(listed[0]).toMatchObject({ mimeType: 'text/plain', updatedAt: '2025-09-04T09:00:00.000Z' });
    const paged = createTeamleaderClient({ withToken: (call) => call(token), counter }).files;
    expect(await paged.listRecordFiles('product', stableUuid('product:1'))).toHaveLength(1);
  });

  it('F5/F6: uploads a 2 MB stream in two steps into a folder and streams it back unchanged', async () => {
    const size = 2 * 1024 * 1024 + 3;
    const added = await files().uploadFile({ module: 'company', recordId: companyId(), name: 'Plan.pdf', size, content: () => generated(size), folder: 'Contracten' });
    expect(added).toMatchObject({ name: 'Plan.pdf', size, folder: 'Contracten', mimeType: 'application/pdf' });
    const { stream, size: reported } = await files().downloadFile(added.id);
    expect(reported).toBe(size);
    expect(sha256(await readAll(stream))).toBe(sha256(await readAll(generated(size))));
    expect((await files().listRecordFiles('company', companyId())).map((f) => f.id)).toContain(added.id);
  });

  it('F5: uploads to current projects and deals; meetings and products refuse before any request', async () => {
    const project = await files().uploadFile({ module: 'project', recordId: stableUuid('nextgenProject:0'), name: 'a.txt', size: 1, content: new Blob(['a']).stream() });
    expect((await files().listRecordFiles('project', stableUuid('nextgenProject:0'))).map((f) => f.id)).toEqual([project.id]);
    await files().uploadFile({ module: 'deal', recordId: stableUuid('deal:1'), name: 'b.txt', size: 1, content: new Blob(['b']).stream() });
    const before = counter.count;
    await expect(files().uploadFile({ module: 'meeting', recordId: stableUuid('meeting:0'), name: 'c.txt', size: 1, content: new Blob(['c']).stream() })).rejects.toMatchObject({ code: 'validation' });
    await expect(files().uploadFile({ module: 'product', recordId: stableUuid('product:0'), name: 'c.txt', size: 1, content: new Blob(['c']).stream() })).rejects.toMatchObject({ code: 'validation' });
    expect(counter.count).toBe(before);
  });

  it('F6: Teamleader’s own size limit surfaces as a validation error', async () => {
    h.emulator.config({ fileUploadMaxBytes: 3 });
    await expect(files().uploadFile({ module: 'contact', recordId: contactId(), name: 'big.txt', size: 4, content: new Blob(['abcd']).stream() })).rejects.toMatchObject({ code: 'validation' });
  });

  it('F9: no rename on Teamleader (delete + upload); delete removes the file from the list', async () => {
    await expect(files().renameFile('x', 'y')).rejects.toMatchObject({ code: 'validation' });
    const [first] = await files().listRecordFiles('contact', contactId());
    await files().deleteFile(first.id);
    expect((await files().listRecordFiles('contact', contactId())).map((f) => f.id)).not.toContain(first.id);
  });

  it('F3/F9: record names for folder naming across contacts, companies, deals, projects, meetings and products', async () => {
    const contact = h.emulator.contacts(DEMO_ACCOUNT_ID)[0];
    expect(await files().getRecordRef('contact', contact.id)).toEqual({ id: contact.id, name: [contact.first_name, contact.last_name].filter(Boolean).join(' ') });
    expect((await files().getRecordRef('company', companyId()))?.name).toBe(h.emulator.companies(DEMO_ACCOUNT_ID)[0].name);
    expect((await files().getRecordRef('deal', stableUuid('deal:0')))?.name).toBe('Fietsenvloot Gent 2026');
    expect((await files().getRecordRef('project', stableUuid('nextgenProject:0')))?.name).toBe('Nieuwe showroom Antwerpen');
    expect((await files().getRecordRef('meeting', stableUuid('meeting:0')))?.name).toBe('Kick-off showroom');
    expect((await files().getRecordRef('product', stableUuid('product:1')))?.name).toBe('Cargo e-bike');
    expect(await files().getRecordRef('contact', stableUuid('nobody'))).toBeNull();
  });
});
