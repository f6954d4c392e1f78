import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_ACCOUNT_ID, DEMO_ADMIN_USER_ID, DEMO_CUSTOM_FIELD_IDS, DEMO_RESTRICTED_USER_ID } from './index';
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

const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/;

describe('Teamleader API conventions (§4.2, §4.3)', () => {
  it('wraps data in {data} and sends X-Api-Version and X-RateLimit-* headers', async () => {
    const res = await api('users.list', {}, { 'x-api-version': '2023-09-26' });
    expect(res.status).toBe(200);
    expect(res.body.data.map((u: { first_name: string }) => u.first_name)).toEqual(['Lotte', 'Pieter', 'Bram']);
    expect(res.headers.get('x-api-version')).toBe('2023-09-26');
    expect(res.headers.get('x-ratelimit-limit')).toBe('200');
    expect(res.headers.get('x-ratelimit-remaining')).toBe('199');
    expect(res.headers.get('x-ratelimit-reset')).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/);
  });

  it('errors are {errors:[{title}]} with 400/404 and unknown endpoints are 404', async () => {
    const missing = await api('contacts.info', { id: '00000000-0000-0000-0000-000000000000' });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ errors: [{ title: expect.any(String) }] });
    expect((await api('contacts.list', { page: { size: 101 } })).status).toBe(400);
    expect((await api('nope.list')).status).toBe(404);
  });

  it('answers 429 once the sliding window is full, with the rate-limit headers', async () => {
    h.emulator.config({ rateLimitPerMinute: 3 });
    for (let i = 0; i < 3; i++) expect((await api('users.me')).status).toBe(200);
    const limited = await api('users.me');
    expect(limited.status).toBe(429);
    expect(limited.body.errors[0].title).toBeTruthy();
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    const reset = Date.parse(limited.headers.get('x-ratelimit-reset')!);
    expect(reset).toBeGreaterThan(h.ctx.now());
    h.advanceClock(61_000);
    expect((await api('users.me')).status).toBe(200);
  });

  it('applies faults before (not applied) and after (applied, answer replaced)', async () => {
    h.emulator.faults.add({ path: '^/api/contacts\\.add$', phase: 'before', status: 500, body: { errors: [{ title: 'boom' }] }, times: 1 });
    expect((await api('contacts.add', { last_name: 'Before' })).status).toBe(500);
    expect(h.emulator.contacts(DEMO_ACCOUNT_ID).some((c) => c.last_name === 'Before')).toBe(false);

    const res = await fetch(`${h.base}/_admin/faults`, {
      method: 'POST',
      body: JSON.stringify({ path: '^/api/contacts\\.add$', phase: 'after', status: 502, times: 1 }),
    });
    expect(res.status).toBe(201);
    expect((await api('contacts.add', { last_name: 'After' })).status).toBe(502);
    expect(h.emulator.contacts(DEMO_ACCOUNT_ID).some((c) => c.last_name === 'After')).toBe(true);
    expect((await api('contacts.add', { last_name: 'Fine' })).status).toBe(201);
    expect(h.emulator.requestCounts()['contacts.add']).toBe(3);
  });
});

describe('contacts.list', () => {
  it('pages through every contact exactly once (max 100 per page), sorted by name', async () => {
    const total = h.emulator.contacts(DEMO_ACCOUNT_ID).length;
    expect(total).toBeGreaterThanOrEqual(50);
    const seen: string[] = [];
    for (let number = 1; ; number++) {
      const res = await api('contacts.list', { page: { size: 7, number } });
      seen.push(...res.body.data.map((c: { id: string }) => c.id));
      if (res.body.data.length < 7) break;
    }
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
  });

  it('returns primary_address instead of addresses, and custom fields only with includes', async () => {
    const plain = await api('contacts.list', { filter: { term: 'Janssens' } });
    const row = plain.body.data[0];
    expect(row.primary_address).toMatchObject({ line_1: 'Langestraat 14', city: 'Brugge', country: 'BE' });
    expect(row).not.toHaveProperty('addresses');
    expect(row).not.toHaveProperty('companies');
    expect(row).not.toHaveProperty('custom_fields');
    expect(row.web_url).toBe(`${h.base}/contacts/${row.id}`);
    expect(row.updated_at).toMatch(ISO_WITH_OFFSET);

    const withFields = await api('contacts.list', { filter: { term: 'Peeters' }, includes: 'custom_fields' });
    expect(withFields.body.data[0].custom_fields).toContainEqual({
      definition: { type: 'customFieldDefinition', id: DEMO_CUSTOM_FIELD_IDS.preferredBike },
      value: 'Koga Miyata',
    });
  });

  it('filters by ids, company, term, e-mail, tags (all) and updated_since (inclusive)', async () => {
    const all = h.emulator.contacts(DEMO_ACCOUNT_ID);
    const ids = [all[0].id, all[3].id];
    expect((await api('contacts.list', { filter: { ids } })).body.data.map((c: { id: string }) => c.id).sort()).toEqual([...ids].sort());

    const companyId = all[0].companies[0].company_id;
    const byCompany = await api('contacts.list', { filter: { company_id: companyId } });
    expect(byCompany.body.data.length).toBeGreaterThan(1);

    expect((await api('contacts.list', { filter: { term: 'åsa' } })).body.data[0].last_name).toBe('Lindström');
    expect((await api('contacts.list', { filter: { email: { type: 'primary', email: 'CHLOE@atelier-dubois.be' } } })).body.data).toHaveLength(1);
    const both = await api('contacts.list', { filter: { tags: ['klant', 'e-bike'] } });
    expect(both.body.data.length).toBeGreaterThan(0);
    for (const c of both.body.data) expect(c.tags).toEqual(expect.arrayContaining(['klant', 'e-bike']));

    h.advanceClock(5_000);
    const updated = h.emulator.updateContact(DEMO_ACCOUNT_ID, all[5].id, { remarks: 'changed' });
    const since = await api('contacts.list', { filter: { updated_since: updated.updated_at } });
    expect(since.body.data.map((c: { id: string }) => c.id)).toEqual([all[5].id]);
  });

  it('sorts by updated_at desc and reports matches with includes=pagination', async () => {
    const res = await api('contacts.list', { sort: [{ field: 'updated_at', order: 'desc' }], page: { size: 5, number: 1 }, includes: 'pagination' });
    const stamps = res.body.data.map((c: { updated_at: string }) => Date.parse(c.updated_at));
    expect([...stamps].sort((a, b) => b - a)).toEqual(stamps);
    expect(res.body.meta).toEqual({ page: { size: 5, number: 1 }, matches: h.emulator.contacts(DEMO_ACCOUNT_ID).length });
  });

  it('generates 50,000 deterministic contacts and pages them', async () => {
    const result = h.emulator.generateContacts(DEMO_ACCOUNT_ID, 50_000);
    expect(result.created).toBe(50_000);
    const first = await api('contacts.list', { page: { size: 100, number: 1 } });
    const last = await api('contacts.list', { page: { size: 100, number: 501 } });
    expect(first.body.data).toHaveLength(100);
    expect(last.body.data.length).toBe(result.total - 50_000);
    h.emulator.reset();
    const again = h.emulator.generateContacts(DEMO_ACCOUNT_ID, 3);
    expect(again.total).toBe(result.total - 50_000 + 3);
  });
});

describe('contacts.add / update / delete', () => {
  it('add answers 201 {data:{type,id}} and requires only last_name', async () => {
    const res = await api('contacts.add', { last_name: 'Nur Nachname' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ data: { type: 'contact', id: expect.stringMatching(/^[0-9a-f-]{36}$/) } });
    const missing = await api('contacts.add', { first_name: 'No', emails: [{ type: 'primary', email: 'no@x.be' }] });
    expect(missing.status).toBe(400);
    expect(missing.body.errors[0].title).toMatch(/last name/i);
    expect((await api('contacts.add', { last_name: 'X', telephones: [{ type: 'pager', number: '1' }] })).status).toBe(400);
  });

  it('update answers 204, replaces collections wholesale and bumps updated_at', async () => {
    const id = (await api('contacts.add', {
      first_name: 'Åsa',
      last_name: 'Test',
      emails: [{ type: 'primary', email: 'a@x.se' }, { type: 'primary', email: 'b@x.se' }],
      telephones: [{ type: 'mobile', number: '+46 1' }],
      custom_fields: [{ id: DEMO_CUSTOM_FIELD_IDS.preferredBike, value: 'Crescent' }],
    })).body.data.id;
    const before = (await api('contacts.info', { id })).body.data;
    h.advanceClock(2_000);
    const res = await api('contacts.update', { id, emails: [{ type: 'primary', email: 'c@x.se' }], custom_fields: [{ id: DEMO_CUSTOM_FIELD_IDS.customerSince, value: '2020-01-01' }], custom_fields_update_strategy: 'partial' });
    expect(res.status).toBe(204);
    const after = (await api('contacts.info', { id })).body.data;
    expect(after.emails).toEqual([{ type: 'primary', email: 'c@x.se' }]);
    expect(after.telephones).toEqual([{ type: 'mobile', number: '+46 1' }]);
    expect(after.custom_fields).toHaveLength(2);
    expect(Date.parse(after.updated_at)).toBeGreaterThan(Date.parse(before.updated_at));

    await api('contacts.update', { id, custom_fields: [{ id: DEMO_CUSTOM_FIELD_IDS.customerSince, value: '2021-01-01' }] });
    expect((await api('contacts.info', { id })).body.data.custom_fields).toHaveLength(1);
    expect((await api('contacts.update', { id, last_name: '' })).status).toBe(400);
  });

  it('info shows companies with position and addresses', async () => {
    const jan = h.emulator.contacts(DEMO_ACCOUNT_ID).find((c) => c.last_name === 'Peeters')!;
    const info = (await api('contacts.info', { id: jan.id })).body.data;
    expect(info.companies[0]).toMatchObject({ position: 'Zaakvoerder', company: { type: 'company', id: jan.companies[0].company_id } });
    const company = (await api('companies.info', { id: jan.companies[0].company_id })).body.data;
    expect(company.name).toBe('Fietsen Vermeulen NV');
    expect(company.telephones[0]).toEqual({ type: 'phone', number: '+32 50 33 44 55' });
    expect(company.addresses[0].address.city).toBe('Brugge');
  });

  it('delete answers 204 and the contact is gone from info and lists', async () => {
    const id = h.emulator.contacts(DEMO_ACCOUNT_ID)[0].id;
    expect((await api('contacts.delete', { id })).status).toBe(204);
    expect((await api('contacts.info', { id })).status).toBe(404);
    expect((await api('contacts.list', { filter: { ids: [id] } })).body.data).toEqual([]);
  });

  it('linkToCompany links with a position', async () => {
    const id = (await api('contacts.add', { last_name: 'Linked' })).body.data.id;
    const company = h.emulator.companies(DEMO_ACCOUNT_ID)[3];
    expect((await api('contacts.linkToCompany', { id, company_id: company.id, position: 'CTO', decision_maker: true })).status).toBe(204);
    expect((await api('contacts.list', { filter: { company_id: company.id, term: 'Linked' } })).body.data).toHaveLength(1);
  });

  it('C2: a user without the right gets 403 on add, update and delete', async () => {
    const restricted = apiClient(h.base, h.emulator.issueTokens(DEMO_ACCOUNT_ID, DEMO_RESTRICTED_USER_ID).access_token);
    const expected = { errors: [{ title: 'You do not have the permission to add contacts' }] };
    const id = h.emulator.contacts(DEMO_ACCOUNT_ID)[0].id;
    for (const [endpoint, body] of [['contacts.add', { last_name: 'X' }], ['contacts.update', { id, last_name: 'Y' }], ['contacts.delete', { id }]] as const) {
      const res = await restricted(endpoint, body);
      expect(res.status).toBe(403);
      expect(res.body).toEqual(expected);
    }
    expect((await restricted('contacts.list', {})).status).toBe(200);
  });
});

describe('customFieldDefinitions and webhooks', () => {
  it('creates and lists custom field definitions', async () => {
    const created = await api('customFieldDefinitions.create', { context: 'contact', label: 'Synclane id', type: 'single_line' });
    expect(created.status).toBe(201);
    expect(created.body.data.type).toBe('customFieldDefinition');
    const list = await api('customFieldDefinitions.list', { filter: { context: 'contact' } });
    expect(list.body.data.map((d: { label: string }) => d.label)).toContain('Synclane id');
    expect((await api('customFieldDefinitions.info', { id: created.body.data.id })).body.data.type).toBe('single_line');
    expect((await api('customFieldDefinitions.create', { context: 'contact', label: '', type: 'single_line' })).status).toBe(400);
  });

  it('delivers thin webhooks for API, in-process and UI changes; unregister stops them', async () => {
    const receiver = await startReceiver();
    try {
      expect((await api('webhooks.register', { url: receiver.url, types: ['contact.added', 'contact.updated', 'contact.deleted'] })).status).toBe(204);
      expect((await api('webhooks.list')).body.data).toEqual([{ url: receiver.url, types: ['contact.added', 'contact.updated', 'contact.deleted'] }]);

      const id = (await api('contacts.add', { last_name: 'Hooked' })).body.data.id;
      h.emulator.updateContact(DEMO_ACCOUNT_ID, id, { first_name: 'Via' });
      await fetch(`${h.base}/contacts/${id}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ first_name: 'Via', last_name: 'UI', address_country: 'BE' }),
        redirect: 'manual',
      });
      await api('contacts.delete', { id });
      await h.emulator.flushWebhooks();
      const account = { type: 'account', id: DEMO_ACCOUNT_ID };
      const subject = { type: 'contact', id };
      expect(receiver.received).toEqual([
        { type: 'contact.added', subject, account },
        { type: 'contact.updated', subject, account },
        { type: 'contact.updated', subject, account },
        { type: 'contact.deleted', subject, account },
      ]);

      expect((await api('webhooks.unregister', { url: receiver.url, types: ['contact.added', 'contact.updated', 'contact.deleted'] })).status).toBe(204);
      expect((await api('webhooks.list')).body.data).toEqual([]);
      h.emulator.createContact(DEMO_ACCOUNT_ID, { last_name: 'Silent' });
      await h.emulator.flushWebhooks();
      expect(receiver.received).toHaveLength(4);
    } finally {
      await receiver.close();
    }
  });
});

describe('admin API', () => {
  it('configures, generates contacts, summarises state and clears faults over HTTP', async () => {
    const admin = (method: string, path: string, body?: unknown) =>
      fetch(`${h.base}/_admin${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
    expect(await (await admin('POST', '/config', { accessTokenTtlSeconds: 60, rateLimitPerMinute: 50 })).json()).toMatchObject({ accessTokenTtlSeconds: 60, rateLimitPerMinute: 50 });
    expect(await (await admin('POST', `/accounts/${DEMO_ACCOUNT_ID}/generate-contacts`, { count: 25 })).json()).toMatchObject({ created: 25 });
    expect((await admin('POST', '/accounts/unknown/generate-contacts', { count: 1 })).status).toBe(404);
    await admin('POST', '/faults', { path: '^/api/', status: 503 });
    expect((await api('users.me')).status).toBe(503);
    const summary = await (await admin('GET', '/state/summary')).json();
    expect(summary.accounts[0]).toMatchObject({ id: DEMO_ACCOUNT_ID, name: 'Brugge Bikes' });
    expect(summary.accounts[0].contacts).toBe(h.emulator.contacts(DEMO_ACCOUNT_ID).length);
    expect(summary.faults).toHaveLength(1);
    expect((await admin('DELETE', '/faults')).status).toBe(204);
    expect((await api('users.me')).status).toBe(200);
  });
});
