import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_ACCOUNT_ID, DEMO_RESTRICTED_USER_ID, createTeamleaderEmulator } from './index';
import { startHarness, type Harness } from './test-support';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => h.emulator.reset());

const get = async (path: string, cookie?: string) => {
  const res = await fetch(`${h.base}${path}`, { headers: cookie ? { cookie } : {} });
  return { status: res.status, text: await res.text() };
};
const post = (path: string, fields: Record<string, string>, cookie?: string) =>
  fetch(`${h.base}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
    body: new URLSearchParams(fields),
  });

describe('Teamleader host web UI', () => {
  it('home links the Marketplace, Contacts and Companies as Brugge Bikes admin', async () => {
    const home = await get('');
    expect(home.status).toBe(200);
    expect(home.text).toContain('href="/teamleader/marketplace"');
    expect(home.text).toContain('href="/teamleader/contacts"');
    expect(home.text).toContain('href="/teamleader/companies"');
    expect(home.text).toContain('Brugge Bikes');
    expect(home.text).toContain('Lotte Admin');
  });

  it('Marketplace lists Synclane with Install pointing at the installation URL', async () => {
    const page = await get('/marketplace');
    expect(page.text).toContain('Synclane');
    expect(page.text).toContain(`href="${h.ctx.app.teamleader.installationUrl}"`);
    expect(page.text).not.toContain('Open settings');
  });

  it('the user switcher stores the user in a cookie', async () => {
    const res = await post('/switch-user', { user_id: DEMO_RESTRICTED_USER_ID, back: '/teamleader/contacts' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/teamleader/contacts');
    const cookie = res.headers.get('set-cookie')!.split(';')[0];
    expect((await get('', cookie)).text).toContain('cannot add contacts');
  });

  it('lists contacts with non-ASCII names and shows the edit form', async () => {
    const list = await get('/contacts?q=lindstr');
    expect(list.text).toContain('Åsa Lindström');
    const asa = h.emulator.contacts(DEMO_ACCOUNT_ID).find((c) => c.last_name === 'Lindström')!;
    const detail = await get(`/contacts/${asa.id}`);
    for (const name of ['first_name', 'last_name', 'email_0', 'telephone_0', 'telephone_type_0', 'company_id', 'position', 'birthdate', 'remarks', 'address_city']) {
      expect(detail.text).toContain(`name="${name}"`);
    }
    expect(detail.text).toContain('Inköpschef');
    expect((await get('/contacts/does-not-exist')).status).toBe(404);
  });

  it('saving the form changes the record like the API (collections replaced, updated_at bumped, company link)', async () => {
    const contact = h.emulator.contacts(DEMO_ACCOUNT_ID).find((c) => c.last_name === 'Janssens')!;
    const company = h.emulator.companies(DEMO_ACCOUNT_ID)[2];
    h.advanceClock(3_000);
    const res = await post(`/contacts/${contact.id}`, {
      first_name: 'Marie-Claire', last_name: 'Janssens', email_0: 'mc@janssens.be', telephone_0: '+32 470 00 00 01', telephone_type_0: 'mobile',
      telephone_1: '+32 50 00 00 02', telephone_type_1: 'fax', company_id: company.id, position: 'Directrice', birthdate: '1990-09-30',
      address_line_1: 'Nieuwe Gentweg 1', address_postal_code: '8000', address_city: 'Brugge', address_country: 'BE', remarks: '**VIP**',
    });
    expect(res.status).toBe(303);
    const saved = h.emulator.getContact(DEMO_ACCOUNT_ID, contact.id)!;
    expect(saved.first_name).toBe('Marie-Claire');
    expect(saved.emails).toEqual([{ type: 'primary', email: 'mc@janssens.be' }]);
    expect(saved.telephones).toEqual([{ type: 'mobile', number: '+32 470 00 00 01' }, { type: 'fax', number: '+32 50 00 00 02' }]);
    expect(saved.companies).toEqual([expect.objectContaining({ company_id: company.id, position: 'Directrice' })]);
    expect(saved.addresses[0].address.line_1).toBe('Nieuwe Gentweg 1');
    expect(Date.parse(saved.updated_at)).toBeGreaterThan(Date.parse(saved.added_at));
  });

  it('creates and deletes contacts; an empty last name is refused', async () => {
    const refused = await post('/contacts', { first_name: 'Only', last_name: '' });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('Last name must not be empty');
    const created = await post('/contacts', { last_name: 'Nieuw', address_country: 'BE' });
    expect(created.status).toBe(303);
    const id = created.headers.get('location')!.split('/').pop()!.split('?')[0];
    expect(h.emulator.getContact(DEMO_ACCOUNT_ID, id)?.last_name).toBe('Nieuw');
    expect((await post(`/contacts/${id}/delete`, {})).status).toBe(303);
    expect(h.emulator.getContact(DEMO_ACCOUNT_ID, id)).toBeUndefined();
  });

  it('C2: the restricted user cannot save or delete', async () => {
    const cookie = `tl_sandbox_user=${DEMO_RESTRICTED_USER_ID}`;
    const contact = h.emulator.contacts(DEMO_ACCOUNT_ID)[0];
    const res = await post(`/contacts/${contact.id}`, { last_name: 'Changed' }, cookie);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('You do not have the permission to add contacts');
    expect((await post(`/contacts/${contact.id}/delete`, {}, cookie)).status).toBe(403);
    expect(h.emulator.getContact(DEMO_ACCOUNT_ID, contact.id)?.last_name).toBe(contact.last_name);
  });

  it('companies list and detail show phones and linked contacts', async () => {
    const list = await get('/companies');
    expect(list.text).toContain('Nordic Cycles AB');
    const nordic = h.emulator.companies(DEMO_ACCOUNT_ID).find((c) => c.name === 'Nordic Cycles AB')!;
    const detail = await get(`/companies/${nordic.id}`);
    expect(detail.text).toContain('+46 31 711 22 00');
    expect(detail.text).toContain('Åsa Lindström');
  });
});

describe('state', () => {
  it('is plain JSON that survives a restart, and reset re-seeds the same demo data', () => {
    h.emulator.createContact(DEMO_ACCOUNT_ID, { last_name: 'Persisted' });
    const saved = JSON.parse(JSON.stringify(h.emulator.getState()));
    const restarted = createTeamleaderEmulator(h.ctx);
    restarted.setState(saved);
    expect(restarted.contacts(DEMO_ACCOUNT_ID).some((c) => c.last_name === 'Persisted')).toBe(true);
    restarted.reset();
    expect(restarted.contacts(DEMO_ACCOUNT_ID).map((c) => c.id)).toEqual(
      createTeamleaderEmulator(h.ctx).contacts(DEMO_ACCOUNT_ID).map((c) => c.id),
    );
  });

  it('F4/F5: contact and company pages list files by folder; a reviewer uploads into a folder and deletes', async () => {
    const contact = h.emulator.contacts(DEMO_ACCOUNT_ID)[0];
    const company = h.emulator.companies(DEMO_ACCOUNT_ID)[0];
    const page = await get(`/contacts/${contact.id}`);
    expect(page.text).toContain('Files (2)');
    expect(page.text).toContain('Administratie');
    expect((await get(`/companies/${company.id}`)).text).toContain('Raamovereenkomst.md');

    const form = new FormData();
    form.set('file', new Blob(['uploaded in the UI']), 'ui.txt');
    form.set('folder', 'Offertes');
    const upload = await fetch(`${h.base}/companies/${company.id}/files`, { method: 'POST', body: form, redirect: 'manual' });
    expect(upload.status).toBe(303);
    const after = (await get(`/companies/${company.id}`)).text;
    expect(after).toContain('Files (2)');
    expect(after).toContain('Offertes');
    const id = /files\/([^/]+)\/download">ui\.txt/.exec(after)![1];
    expect(await (await fetch(`${h.base}/files/${id}/download`)).text()).toBe('uploaded in the UI');

    expect((await post(`/files/${id}/delete`, { returnTo: `/teamleader/companies/${company.id}` })).status).toBe(303);
    expect((await get(`/companies/${company.id}`)).text).not.toContain('ui.txt');
  });
});
