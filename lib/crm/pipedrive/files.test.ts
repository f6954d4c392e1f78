/** The Pipedrive file capability against the emulated Pipedrive (sandbox/pipedrive). */
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SyncError } from '@/lib/errors';
import { DEMO_USERS, NORTHWIND_COMPANY_ID } from '@/sandbox/pipedrive/demo-data';
import { startHarness, type Harness } from '@/sandbox/pipedrive/test-harness';
import type { ApiCallCounter } from '../http';
import { isUnauthorized } from '../http';
import { createPipedriveClient, recordUrl } from './client';

let h: Harness;
let token: string;
let counter: ApiCallCounter;
beforeEach(async () => {
  h = await startHarness();
  token = (await h.install(DEMO_USERS.admin)).access_token;
  counter = { count: 0 };
});
afterEach(async () => {
  await h.close();
});

const client = (withToken = <T,>(call: (t: string) => Promise<T>) => call(token)) =>
  createPipedriveClient({ apiDomain: h.pipedrive.apiDomain(NORTHWIND_COMPANY_ID), withToken, counter });

const bytesOf = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) % 256);

/** A stream that yields `total` bytes in `chunk`-sized pieces, produced on demand. */
function generated(total: number, chunk = 64 * 1024): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= total) return controller.close();
      const n = Math.min(chunk, total - sent);
      controller.enqueue(Uint8Array.from({ length: n }, (_, i) => (sent + i) % 251));
      sent += n;
    },
  });
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

describe('Pipedrive files (CrmFiles)', () => {
  it('F2: declares no folders, rename, no content replace, no file events; persons, organizations, deals and products', () => {
    expect(client().files.capabilities).toMatchObject({ folders: 'none', canRename: true, canReplaceContent: false, sendsFileEvents: false });
    expect([...client().files.capabilities.uploadableModules].sort()).toEqual(['deal', 'organization', 'person', 'product']);
  });

  it('F4: lists a record’s files through every page (limit 100) with id, name, size, updatedAt and no folder', async () => {
    const files = client().files;
    for (let i = 0; i < 101; i++) h.pipedrive.getState().files.push({ ...h.pipedrive.getState().files[0], id: 5000 + i, person_id: 4, name: `f${i}.txt` });
    const listed = await files.listRecordFiles('person', '4');
    expect(listed).toHaveLength(101);
    expect(counter.count).toBe(2);
    const demo = await files.listRecordFiles('person', '1');
    expect(demo.map((f) => f.name)).toEqual(['Meeting notes 2025-09.txt', 'Business card.txt']);
    expect(demo[0]).toMatchObject({ id: '1', folder: null, updatedAt: '2025-09-05T08:00:00.000Z' });
    expect(demo[0].size).toBeGreaterThan(0);
    expect(await files.listRecordFiles('product', '3')).toHaveLength(1);
  });

  it('F5/F6: uploads a 3 MB stream as multipart and downloads it back byte for byte', async () => {
    const files = client().files;
    const size = 3 * 1024 * 1024 + 17;
    const added = await files.uploadFile({ module: 'organization', recordId: '2', name: 'Größe "quoted".bin', size, content: () => generated(size) });
    expect(added).toMatchObject({ name: 'Größe %22quoted%22.bin', size, folder: null });
    const { stream, size: reported } = await files.downloadFile(added.id);
    expect(reported).toBe(size);
    const back = await readAll(stream);
    expect(back.length).toBe(size);
    // Compare digests: element-wise equality of 3 MB arrays is needlessly slow.
    expect(sha256(back)).toBe(sha256(await readAll(generated(size))));
    expect((await files.listRecordFiles('organization', '2')).map((f) => f.id)).toEqual([added.id]);
  });

  it('F6: a stream that disagrees with the declared size fails instead of uploading a truncated file', async () => {
    const files = client().files;
    await expect(files.uploadFile({ module: 'person', recordId: '2', name: 'short.bin', size: 10, content: new Blob([bytesOf(5)]).stream() })).rejects.toThrow();
    expect(await files.listRecordFiles('person', '2')).toEqual([]);
  });

  it('F5: an upload retried after a 401 (token refresh) reopens the stream from its factory', async () => {
    let attempts = 0;
    const refreshing = <T,>(call: (t: string) => Promise<T>) =>
      call(attempts++ === 0 ? 'v1u:expired-token' : token).catch((error) => {
        if (!isUnauthorized(error)) throw error;
        return call(token);
      });
    let opened = 0;
    const added = await client(refreshing).files.uploadFile({ module: 'deal', recordId: '2', name: 'retry.txt', size: 5, content: () => (opened++, new Blob([bytesOf(5)]).stream()) });
    expect(opened).toBe(2);
    expect(await readAll((await client().files.downloadFile(added.id)).stream)).toEqual(bytesOf(5));
  });

  it('F9: renames keep the id; Pipedrive content cannot be replaced, delete is soft and the file disappears from the list', async () => {
    const files = client().files;
    const renamed = await files.renameFile('1', 'Notes – renamed.txt');
    expect(renamed).toMatchObject({ id: '1', name: 'Notes – renamed.txt' });
    await files.deleteFile('1');
    expect((await files.listRecordFiles('person', '1')).map((f) => f.id)).toEqual(['2']);
    await expect(files.downloadFile('1')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('F6: the CRM’s own size limit surfaces as a validation error', async () => {
    h.pipedrive.config({ fileMaxBytes: 4 });
    await expect(client().files.uploadFile({ module: 'person', recordId: '1', name: 'big.bin', size: 5, content: new Blob([bytesOf(5)]).stream() })).rejects.toMatchObject({ code: 'validation' });
  });

  it('F2: products are a module only where the account has them', async () => {
    h.pipedrive.config({ productsEnabled: false });
    const error = await client().files.listRecordFiles('product', '3').catch((e) => e);
    expect(error).toBeInstanceOf(SyncError);
    expect(error.code).toBe('validation');
    await expect(client().files.listRecordFiles('contact', '1')).rejects.toMatchObject({ code: 'validation' });
  });

  it('F3/F9: record names for folder naming; deleted or unknown records are null', async () => {
    const files = client().files;
    expect(await files.getRecordRef('person', '1')).toEqual({ id: '1', name: 'Zoë Åkesson' });
    expect(await files.getRecordRef('organization', '1')).toEqual({ id: '1', name: 'Contoso Ltd' });
    expect(await files.getRecordRef('deal', '1')).toEqual({ id: '1', name: 'Contoso analytics rollout' });
    expect(await files.getRecordRef('product', '1')).toEqual({ id: '1', name: 'E-bike lease (12 months)' });
    expect(await files.getRecordRef('person', '99999')).toBeNull();
    h.pipedrive.deletePerson(NORTHWIND_COMPANY_ID, 2);
    expect(await files.getRecordRef('person', '2')).toBeNull();
  });

  it('record links use the company domain with singular paths, like production', async () => {
    const apiDomain = h.pipedrive.apiDomain(NORTHWIND_COMPANY_ID);
    expect(recordUrl('https://acme.pipedrive.com', 'person', 7)).toBe('https://acme.pipedrive.com/person/7');
    const person = await client().getPerson('1');
    expect(person!.webUrl).toBe(`${apiDomain}/person/1`);
    const page = await fetch(person!.webUrl, { headers: { cookie: `pd_user=${DEMO_USERS.admin}` } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Person #1');
  });
});
