import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_USERS, NORTHWIND_COMPANY_ID } from './demo-data';
import { startHarness, type Harness } from './test-harness';

let h: Harness;
let admin: string;
beforeEach(async () => {
  h = await startHarness();
  admin = (await h.install(DEMO_USERS.admin)).access_token;
});
afterEach(async () => {
  await h.close();
});

const apiDomain = () => h.pipedrive.apiDomain(NORTHWIND_COMPANY_ID);

async function upload(token: string, fields: Record<string, string>, name: string, content: string | Uint8Array, type = 'text/plain') {
  const form = new FormData();
  form.set('file', new Blob([typeof content === 'string' ? new TextEncoder().encode(content) : new Uint8Array(content)], { type }), name);
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  return fetch(`${apiDomain()}/api/v1/files`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
}

const json = async (res: Response) => ({ status: res.status, body: await res.json() });

describe('Pipedrive emulator: files (reference §3.7)', () => {
  it('F4: demo records carry files; per-record lists page with start/limit and additional_data.pagination', async () => {
    const list = await json(await h.api(admin, 'GET', '/api/v1/persons/1/files?start=0&limit=1'));
    expect(list.status).toBe(200);
    expect(list.body.success).toBe(true);
    expect(list.body.data).toHaveLength(1);
    expect(list.body.data[0]).toMatchObject({ person_id: 1, name: 'Meeting notes 2025-09.txt', file_type: 'txt', active_flag: true });
    expect(list.body.additional_data.pagination).toEqual({ start: 0, limit: 1, more_items_in_collection: true, next_start: 1 });
    const next = await json(await h.api(admin, 'GET', '/api/v1/persons/1/files?start=1&limit=1'));
    expect(next.body.data[0].name).toBe('Business card.txt');
    expect(next.body.additional_data.pagination.more_items_in_collection).toBe(false);
    for (const path of ['/api/v1/organizations/1/files', '/api/v1/deals/1/files', '/api/v1/products/3/files']) {
      expect((await json(await h.api(admin, 'GET', path))).body.data).toHaveLength(1);
    }
    expect((await h.api(admin, 'GET', '/api/v1/persons/1/files?limit=101')).status).toBe(400);
    expect((await json(await h.api(admin, 'GET', '/api/v1/persons/2/files'))).body.data).toBeNull();
    expect((await h.api(admin, 'GET', '/api/v1/persons/99999/files')).status).toBe(404);
  });

  it('F5: POST /v1/files (multipart) attaches a file to a person; the bytes download unchanged', async () => {
    const bytes = new Uint8Array([0, 1, 2, 250, 251, 252, 13, 10, 45, 45]);
    const added = await json(await upload(admin, { person_id: '2' }, 'scan.bin', bytes, 'application/octet-stream'));
    expect(added.status).toBe(200);
    expect(added.body.data).toMatchObject({ person_id: 2, org_id: null, file_name: 'scan.bin', name: 'scan.bin', file_size: 10, active_flag: true, user_id: DEMO_USERS.admin });
    expect(added.body.data.url).toBe(`${apiDomain()}/v1/files/${added.body.data.id}/download`);
    const download = await h.api(admin, 'GET', `/api/v1/files/${added.body.data.id}/download`);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/octet-stream');
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(bytes);
    const list = await json(await h.api(admin, 'GET', '/api/v1/persons/2/files'));
    expect(list.body.data.map((f: { id: number }) => f.id)).toEqual([added.body.data.id]);
  });

  it('F5: an upload needs a file; a linked record must exist and be visible; products need the Products feature', async () => {
    const unlinked = await json(await upload(admin, {}, 'a.txt', 'x'));
    expect(unlinked.body.data).toMatchObject({ person_id: null, org_id: null, deal_id: null, product_id: null });
    const noFile = new FormData();
    noFile.set('person_id', '1');
    expect((await fetch(`${apiDomain()}/api/v1/files`, { method: 'POST', headers: { authorization: `Bearer ${admin}` }, body: noFile })).status).toBe(400);
    expect((await upload(admin, { person_id: '99999' }, 'a.txt', 'x')).status).toBe(404);
    expect((await upload(admin, { deal_id: '1' }, 'a.txt', 'x')).status).toBe(200);
    h.pipedrive.config({ productsEnabled: false });
    expect((await upload(admin, { product_id: '1' }, 'a.txt', 'x')).status).toBe(415);
    expect((await h.api(admin, 'GET', '/api/v2/products')).status).toBe(415);
    h.pipedrive.config({ productsEnabled: true });
    expect((await json(await h.api(admin, 'GET', '/api/v2/products/1'))).body.data).toMatchObject({ id: 1, name: 'E-bike lease (12 months)' });
  });

  it('F6: uploads over the configured size limit are refused', async () => {
    h.pipedrive.config({ fileMaxBytes: 8 });
    expect((await upload(admin, { person_id: '1' }, 'big.txt', '0123456789')).status).toBe(413);
    expect((await upload(admin, { person_id: '1' }, 'ok.txt', '01234567')).status).toBe(200);
  });

  it('F9: PUT renames (name, description only) without changing the id; nothing else can change', async () => {
    const put = await fetch(`${apiDomain()}/api/v1/files/1`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ name: 'Notes (renamed).txt', description: 'moved' }),
    });
    expect((await json(put)).body.data).toMatchObject({ id: 1, name: 'Notes (renamed).txt', description: 'moved', file_name: 'Meeting notes 2025-09.txt', person_id: 1 });
    const relink = await fetch(`${apiDomain()}/api/v1/files/1`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ person_id: '2' }),
    });
    expect(relink.status).toBe(400);
  });

  it('F4: DELETE soft-deletes — the file drops out of its record list, keeps its id with active_flag false, and cannot be downloaded', async () => {
    const del = await json(await h.api(admin, 'DELETE', '/api/v1/files/1'));
    expect(del.body).toMatchObject({ success: true, data: { id: 1 } });
    const list = await json(await h.api(admin, 'GET', '/api/v1/persons/1/files'));
    expect(list.body.data.map((f: { id: number }) => f.id)).toEqual([2]);
    expect((await json(await h.api(admin, 'GET', '/api/v1/files/1'))).body.data).toMatchObject({ id: 1, active_flag: false });
    expect((await h.api(admin, 'GET', '/api/v1/files/1/download')).status).toBe(410);
    expect((await h.api(admin, 'DELETE', '/api/v1/files/1')).status).toBe(404);
    // The withdrawn include_deleted_files flag is not honoured.
    expect((await json(await h.api(admin, 'GET', '/api/v1/persons/1/files?include_deleted_files=1'))).body.data).toHaveLength(1);
  });

  it('F4: no webhook is sent for file changes', async () => {
    const hook = await h.api(admin, 'POST', '/api/v1/webhooks', { subscription_url: `${h.app.url}/hook`, event_action: '*', event_object: '*', name: 'all', version: '2.0' });
    expect(hook.ok).toBe(true);
    await upload(admin, { person_id: '3' }, 'x.txt', 'x');
    await h.api(admin, 'DELETE', '/api/v1/files/2');
    await h.pipedrive.flushWebhooks();
    expect(h.pipedrive.webhookDeliveries()).toHaveLength(0);
    h.pipedrive.updatePerson(NORTHWIND_COMPANY_ID, 3, { name: 'Søren K.' });
    await h.pipedrive.flushWebhooks();
    expect(h.pipedrive.webhookDeliveries()).toHaveLength(1);
  });

  it('hides files of records the user cannot see', async () => {
    const rahul = (await h.install(DEMO_USERS.regular)).access_token;
    // Person 32 (Sofía Martín) is owner-only for the admin.
    const added = await json(await upload(admin, { person_id: '32' }, 'private.txt', 'secret'));
    expect((await h.api(rahul, 'GET', `/api/v1/files/${added.body.data.id}`)).status).toBe(404);
    expect((await h.api(rahul, 'GET', '/api/v1/persons/32/files')).status).toBe(404);
    const all = await json(await h.api(rahul, 'GET', '/api/v1/files'));
    expect(all.body.data.map((f: { id: number }) => f.id)).not.toContain(added.body.data.id);
  });
});

describe('Pipedrive emulator: saved states from before files and per-plan limits', () => {
  it('R1: loading an older saved state keeps the per-plan burst limit and adds products and files', async () => {
    const old = structuredClone(h.pipedrive.getState()) as unknown as Record<string, any>;
    delete old.products;
    delete old.files;
    delete old.settings.fileMaxBytes;
    old.settings.burstLimit = 80;
    for (const c of old.companies) delete c.productsEnabled;
    h.pipedrive.setState(old as never);
    h.pipedrive.config({ plan: 'ultimate' });
    expect((await h.api(admin, 'GET', '/api/v1/users/me')).headers.get('x-ratelimit-limit')).toBe('480');
    expect((await h.api(admin, 'GET', '/api/v2/products/1')).status).toBe(200);
    expect((await h.api(admin, 'GET', '/api/v1/persons/1/files')).status).toBe(200);
  });
});
