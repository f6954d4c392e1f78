import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { stableUuid } from './ids';
import { DEMO_ACCOUNT_ID, DEMO_ADMIN_USER_ID } from './index';
import { apiClient, startHarness, startReceiver, type Harness } from './test-support';

let h: Harness;
let api: ReturnType<typeof apiClient>;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => {
  h.emulator.reset();
  api = apiClient(h.base, h.emulator.issueTokens(DEMO_ACCOUNT_ID, DEMO_ADMIN_USER_ID).access_token);
});

const firstContact = () => h.emulator.contacts(DEMO_ACCOUNT_ID)[0];
const firstCompany = () => h.emulator.companies(DEMO_ACCOUNT_ID)[0];

async function uploadFile(subject: { type: string; id: string }, name: string, bytes: Uint8Array, folder?: string, method = 'POST') {
  const started = await api('files.upload', { name, subject, ...(folder ? { folder } : {}) });
  expect(started.status).toBe(200);
  const put = await fetch(started.body.data.location, { method, headers: { 'content-type': 'application/octet-stream' }, body: new Blob([new Uint8Array(bytes)]) });
  return { started, put, body: await put.json() };
}

describe('Teamleader emulator: files (reference §4.6)', () => {
  it('F4: files.list needs a subject, pages, and shows demo files with their one-level folder', async () => {
    expect((await api('files.list', {})).status).toBe(400);
    const list = await api('files.list', { filter: { subject: { type: 'contact', id: firstContact().id } }, page: { size: 1, number: 1 }, includes: 'pagination' });
    expect(list.status).toBe(200);
    expect(list.body.data).toHaveLength(1);
    expect(list.body.meta).toEqual({ page: { size: 1, number: 1 }, matches: 2 });
    const both = await api('files.list', { filter: { subject: { type: 'contact', id: firstContact().id } }, sort: [{ field: 'updated_at', order: 'asc' }] });
    expect(both.body.data.map((f: { name: string; folder: string }) => [f.name, f.folder])).toEqual([
      ['Offerte 2025-09.txt', 'General'],
      ['ID kopie.txt', 'Administratie'],
    ]);
    expect(both.body.data[0]).toMatchObject({ subject: { type: 'contact', id: firstContact().id }, mime_type: 'text/plain', uploaded_by: { type: 'user', id: DEMO_ADMIN_USER_ID } });
    // Products and meetings are listable (read-only subjects).
    const product = await api('files.list', { filter: { subject: { type: 'product', id: stableUuid('product:1') } } });
    expect(product.body.data.map((f: { name: string }) => f.name)).toEqual(['Cargo e-bike specs.txt']);
  });

  it('F5: two-step upload — files.upload returns a location, the raw bytes are POSTed there, and download returns them unchanged', async () => {
    const bytes = new Uint8Array([0, 255, 1, 254, 13, 10, 45, 45]);
    const { started, put, body } = await uploadFile({ type: 'company', id: firstCompany().id }, 'scan.pdf', bytes, 'Contracten');
    expect(started.body.data.expires_at).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(put.status).toBe(201);
    expect(body.data.type).toBe('file');
    const info = await api('files.info', { id: body.data.id });
    expect(info.body.data).toMatchObject({ id: body.data.id, name: 'scan.pdf', mime_type: 'application/pdf', size: 8, folder: 'Contracten', subject: { type: 'company', id: firstCompany().id } });
    const download = await api('files.download', { id: body.data.id });
    expect(download.body.data.location).toContain('/files-host/download/');
    const bytesBack = new Uint8Array(await (await fetch(download.body.data.location)).arrayBuffer());
    expect(bytesBack).toEqual(bytes);
    // The upload location is single-use.
    expect((await fetch(started.body.data.location, { method: 'POST', body: bytes })).status).toBe(403);
  });

  it('F5: PUT is accepted on the upload location too; the folder defaults to General', async () => {
    const { put, body } = await uploadFile({ type: 'contact', id: firstContact().id }, 'note.txt', new TextEncoder().encode('hi'), undefined, 'PUT');
    expect(put.status).toBe(201);
    expect((await api('files.info', { id: body.data.id })).body.data.folder).toBe('General');
  });

  it('F2: meetings, products and legacy projects cannot receive uploads (400); deals and nextgen projects can', async () => {
    for (const [type, seed] of [['meeting', 'meeting:0'], ['product', 'product:0'], ['project', 'project:0']]) {
      const res = await api('files.upload', { name: 'x.txt', subject: { type, id: stableUuid(seed) } });
      expect(res.status, type).toBe(400);
      expect(res.body.errors[0].title).toContain('subject.type must be one of');
    }
    for (const [type, seed] of [['deal', 'deal:0'], ['nextgenProject', 'nextgenProject:0']]) {
      expect((await api('files.upload', { name: 'x.txt', subject: { type, id: stableUuid(seed) } })).status, type).toBe(200);
    }
    expect((await api('files.upload', { name: 'x.txt', subject: { type: 'contact', id: stableUuid('nobody') } })).status).toBe(400);
  });

  it('F6: uploads over the configured limit are refused at the location', async () => {
    h.emulator.config({ fileUploadMaxBytes: 4 });
    const { put } = await uploadFile({ type: 'contact', id: firstContact().id }, 'big.txt', new Uint8Array(5));
    expect(put.status).toBe(413);
  });

  it('expired locations are refused', async () => {
    const started = await api('files.upload', { name: 'late.txt', subject: { type: 'contact', id: firstContact().id } });
    h.advanceClock(2 * 60 * 60 * 1000);
    expect((await fetch(started.body.data.location, { method: 'POST', body: 'x' })).status).toBe(403);
  });

  it('F4: files.delete removes the file (204) and no file webhook exists', async () => {
    const receiver = await startReceiver();
    try {
      expect((await api('webhooks.register', { url: receiver.url, types: ['contact.updated'] })).status).toBe(204);
      expect((await api('webhooks.register', { url: receiver.url, types: ['file.deleted'] })).status).toBe(400);
      const [file] = (await api('files.list', { filter: { subject: { type: 'contact', id: firstContact().id } } })).body.data;
      expect((await api('files.delete', { id: file.id })).status).toBe(204);
      expect((await api('files.info', { id: file.id })).status).toBe(404);
      await h.emulator.flushWebhooks();
      expect(receiver.received).toHaveLength(0);
    } finally {
      await receiver.close();
    }
  });

  it('F9: record lookups for folder names: deals, products, meetings, legacy and nextgen projects', async () => {
    expect((await api('deals.info', { id: stableUuid('deal:0') })).body.data.title).toBe('Fietsenvloot Gent 2026');
    expect((await api('products.info', { id: stableUuid('product:1') })).body.data.name).toBe('Cargo e-bike');
    expect((await api('meetings.info', { id: stableUuid('meeting:0') })).body.data.title).toBe('Kick-off showroom');
    expect((await api('projects.info', { id: stableUuid('project:0') })).body.data.title).toBe('Website 2019 (legacy)');
    expect((await api('projects-v2/projects.info', { id: stableUuid('nextgenProject:0') })).body.data.title).toBe('Nieuwe showroom Antwerpen');
    expect((await api('products.info', { id: stableUuid('deal:0') })).status).toBe(404);
  });
});
