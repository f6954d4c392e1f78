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

const getJson = async (token: string, path: string) => {
  const res = await h.api(token, 'GET', path);
  return { status: res.status, headers: res.headers, body: await res.json() };
};

describe('Pipedrive API: identity and permissions', () => {
  it('GET /api/v1/users/me returns the identity keyed by company and user (M1)', async () => {
    const { body } = await getJson(admin, '/api/v1/users/me');
    expect(body.success).toBe(true);
    expect(body.data).toMatchObject({ id: DEMO_USERS.admin, name: 'Olivia Admin', company_id: NORTHWIND_COMPANY_ID, company_name: 'Northwind Traders', company_domain: 'northwind', is_admin: true, active_flag: true, locale: 'en_US' });
    expect(body.data.access).toEqual(expect.arrayContaining([expect.objectContaining({ app: 'global', admin: true })]));
  });

  it('lists users and their permission booleans', async () => {
    const users = await getJson(admin, '/api/v1/users');
    expect(users.body.data.map((u: { name: string }) => u.name)).toEqual(['Olivia Admin', 'Rahul Regular', 'Nina Noadd']);
    const perms = await getJson(admin, `/api/v1/users/${DEMO_USERS.regular}/permissions`);
    expect(perms.body.data.can_use_api).toBe(true);
    expect(perms.body.data.can_add_custom_fields).toBe(false);
  });

  it('C2: a user without "add people" gets 403 on create', async () => {
    const nina = (await h.install(DEMO_USERS.noAdd)).access_token;
    const res = await h.api(nina, 'POST', '/api/v2/persons', { name: 'New Person' });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ success: false, error: 'You do not have permissions to do this.' });
  });
});

describe('Pipedrive API v2 persons', () => {
  it('pages with a cursor (limit ≤ 500) without duplicates or gaps', async () => {
    h.pipedrive.generatePersons(NORTHWIND_COMPANY_ID, DEMO_USERS.admin, 1200);
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const { body } = await getJson(admin, `/api/v2/persons?limit=500${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...body.data.map((p: { id: number }) => p.id));
      cursor = body.additional_data.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(50 + 1200);
    expect((await h.api(admin, 'GET', '/api/v2/persons?limit=501')).status).toBe(400);
    const defaultPage = await getJson(admin, '/api/v2/persons');
    expect(defaultPage.body.data).toHaveLength(100);
  });

  it('updated_since is inclusive (>=) and updated_until exclusive (<)', async () => {
    h.advanceClock(60_000);
    const changed = h.pipedrive.updatePerson(NORTHWIND_COMPANY_ID, 3, { job_title: 'x', name: 'Søren A. Kierkegård' });
    const since = changed.update_time;
    const { body } = await getJson(admin, `/api/v2/persons?updated_since=${encodeURIComponent(since)}`);
    expect(body.data.map((p: { id: number }) => p.id)).toEqual([3]);
    const until = await getJson(admin, `/api/v2/persons?updated_until=${encodeURIComponent(since)}`);
    expect(until.body.data.map((p: { id: number }) => p.id)).not.toContain(3);
    expect((await h.api(admin, 'GET', '/api/v2/persons?updated_since=yesterday')).status).toBe(400);
  });

  it('returns the v2 person shape', async () => {
    const { body } = await getJson(admin, '/api/v2/persons/1');
    expect(body.data).toMatchObject({ id: 1, name: 'Zoë Åkesson', first_name: 'Zoë', last_name: 'Åkesson', owner_id: DEMO_USERS.regular, org_id: 3, visible_to: 3, is_deleted: false, picture_id: null });
    expect(body.data.emails[0]).toEqual({ value: 'zoe.akesson@akesson.example', primary: true, label: 'work' });
    expect(body.data.update_time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(body.data).not.toHaveProperty('job_title');
  });

  it('creates, patches and soft-deletes; deleted persons are not listed and 404', async () => {
    const created = await (await h.api(admin, 'POST', '/api/v2/persons', { first_name: 'Ana', last_name: 'Silva', emails: [{ value: 'ana@example.pt' }] })).json();
    expect(created.data).toMatchObject({ name: 'Ana Silva', owner_id: DEMO_USERS.admin, emails: [{ value: 'ana@example.pt', primary: true, label: 'work' }] });
    const id = created.data.id;
    const patched = await (await h.api(admin, 'PATCH', `/api/v2/persons/${id}`, { phones: [{ value: '+351 912 345 678', label: 'mobile' }] })).json();
    expect(patched.data.phones).toEqual([{ value: '+351 912 345 678', primary: true, label: 'mobile' }]);

    h.advanceClock(5000);
    const deleted = await (await h.api(admin, 'DELETE', `/api/v2/persons/${id}`)).json();
    expect(deleted).toEqual({ success: true, data: { id } });
    expect((await h.api(admin, 'GET', `/api/v2/persons/${id}`)).status).toBe(404);
    const list = await getJson(admin, `/api/v2/persons?ids=${id}`);
    expect(list.body.data).toEqual([]);
    const stored = h.pipedrive.getPerson(NORTHWIND_COMPANY_ID, id)!;
    expect(stored.is_deleted).toBe(true);
    expect(Date.parse(stored.update_time)).toBeGreaterThan(Date.parse(patched.data.update_time));
  });

  it('validates like v2: no coercion of numbers, a name is required', async () => {
    const stringOwner = await h.api(admin, 'POST', '/api/v2/persons', { name: 'X', owner_id: String(DEMO_USERS.admin) });
    expect(stringOwner.status).toBe(400);
    expect(await stringOwner.json()).toMatchObject({ success: false, error_info: 'Please check developers.pipedrive.com' });
    expect((await h.api(admin, 'POST', '/api/v2/persons', { emails: [{ value: 'a@b.c' }] })).status).toBe(400);
    expect((await h.api(admin, 'PATCH', '/api/v2/persons/99999', { name: 'x' })).status).toBe(404);
    expect((await h.api(admin, 'PATCH', '/api/v2/persons/1', { visible_to: 7 })).status).toBe(400); // growth plan: 1 or 3
  });

  it('filters by owner_id and org_id and sorts by update_time', async () => {
    const owned = await getJson(admin, `/api/v2/persons?owner_id=${DEMO_USERS.noAdd}`);
    expect(owned.body.data.every((p: { owner_id: number }) => p.owner_id === DEMO_USERS.noAdd)).toBe(true);
    const inOrg = await getJson(admin, '/api/v2/persons?org_id=4');
    expect(inOrg.body.data.map((p: { name: string }) => p.name)).toEqual(['Pieter De Smet', 'Anneleen Vermeulen']);
    const sorted = await getJson(admin, '/api/v2/persons?sort_by=update_time&sort_direction=desc&limit=3');
    expect(sorted.body.data[0].id).toBe(50);
  });

  it('hides owner-only persons of other users from non-admins', async () => {
    const rahul = (await h.install(DEMO_USERS.regular)).access_token;
    const sofia = 32; // Sofía Martín, owner Olivia, visible_to 1
    expect((await h.api(rahul, 'GET', `/api/v2/persons/${sofia}`)).status).toBe(404);
    expect((await h.api(admin, 'GET', `/api/v2/persons/${sofia}`)).status).toBe(200);
  });

  it('uploads a picture (multipart `file`) and serves its bytes', async () => {
    const form = new FormData();
    form.append('file', new Blob([Buffer.from([0x89, 0x50, 0x4e, 0x47])], { type: 'image/png' }), 'me.png');
    const domain = h.pipedrive.apiDomain(NORTHWIND_COMPANY_ID);
    const res = await fetch(`${domain}/api/v1/persons/2/picture`, { method: 'POST', headers: { authorization: `Bearer ${admin}` }, body: form });
    const body = await res.json();
    expect(res.status).toBe(200);
    expect(h.pipedrive.getPerson(NORTHWIND_COMPANY_ID, 2)!.picture_id).toBe(body.data.id);
    const bytes = Buffer.from(await (await fetch(body.data.pictures['128'])).arrayBuffer());
    expect([...bytes]).toEqual([0x89, 0x50, 0x4e, 0x47]);
  });
});

describe('Pipedrive personFields (C9, C7)', () => {
  const keys = (body: { data: { key: string }[] }) => body.data.map((f) => f.key);

  it('lists contact-sync fields only when the company enabled Contact Sync', async () => {
    const without = await getJson(admin, '/api/v1/personFields');
    expect(keys(without.body)).not.toContain('job_title');
    expect(without.body.additional_data.pagination).toMatchObject({ start: 0, more_items_in_collection: false });
    h.pipedrive.config(NORTHWIND_COMPANY_ID, { contactSyncFields: true });
    const withSync = await getJson(admin, '/api/v1/personFields');
    expect(keys(withSync.body)).toEqual(expect.arrayContaining(['job_title', 'birthday', 'postal_address', 'notes', 'im']));
    const person = await getJson(admin, '/api/v2/persons/7');
    expect(person.body.data.job_title).toBe('Head of Analytics');
  });

  it('offers visible_to options by plan', async () => {
    const options = async () => (await getJson(admin, '/api/v1/personFields')).body.data.find((f: { key: string }) => f.key === 'visible_to').options;
    expect(await options()).toEqual([{ id: '1', label: 'Owner & followers' }, { id: '3', label: 'Entire company' }]);
    h.pipedrive.config({ plan: 'premium' });
    expect((await options()).map((o: { id: string }) => o.id)).toEqual(['1', '3', '5', '7']);
  });

  it('creates custom fields with 40-char hex keys; admin only; capped by plan', async () => {
    const created = await (await h.api(admin, 'POST', '/api/v1/personFields', { name: 'Synclane notes', field_type: 'text' })).json();
    expect(created.data.key).toMatch(/^[0-9a-f]{40}$/);
    const patched = await (await h.api(admin, 'PATCH', '/api/v2/persons/1', { custom_fields: { [created.data.key]: 'hello' } })).json();
    expect(patched.data.custom_fields[created.data.key]).toBe('hello');

    const rahul = (await h.install(DEMO_USERS.regular)).access_token;
    expect((await h.api(rahul, 'POST', '/api/v1/personFields', { name: 'X', field_type: 'text' })).status).toBe(403);

    h.pipedrive.config({ customFieldLimit: 1 });
    const capped = await h.api(admin, 'POST', '/api/v1/personFields', { name: 'Second', field_type: 'varchar' });
    expect(capped.status).toBe(403);
    expect((await capped.json()).code).toBe('feature_capping_custom_fields');
  });
});

describe('Pipedrive rate limits and faults', () => {
  it('answers 429 with x-ratelimit-* (no Retry-After: Pipedrive does not document one) over the burst limit', async () => {
    h.pipedrive.config({ burstLimit: 3 });
    const statuses: number[] = [];
    let last: Response | null = null;
    for (let i = 0; i < 4; i++) {
      last = await h.api(admin, 'GET', '/api/v1/users/me');
      statuses.push(last.status);
      if (i === 0) expect(last.headers.get('x-ratelimit-remaining')).toBe('2');
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(last!.headers.get('x-ratelimit-limit')).toBe('3');
    expect(last!.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(last!.headers.get('x-ratelimit-reset'))).toBeGreaterThan(0);
    expect(last!.headers.get('retry-after')).toBeNull();
    expect((await last!.json()).error).toBe('Request over limit');
    h.advanceClock(2100);
    expect((await h.api(admin, 'GET', '/api/v1/users/me')).status).toBe(200);
  });

  it.each([
    ['lite', 80],
    ['growth', 160],
    ['premium', 400],
    ['ultimate', 480],
    ['professional', 320],
  ] as const)('R1: the burst limit follows the plan (%s → %i per 2 s for OAuth tokens)', async (plan, limit) => {
    h.pipedrive.config({ plan });
    const first = await h.api(admin, 'GET', '/api/v1/users/me');
    expect(first.headers.get('x-ratelimit-limit')).toBe(String(limit));
    expect(first.headers.get('x-ratelimit-remaining')).toBe(String(limit - 1));
    expect(Number(first.headers.get('x-ratelimit-reset'))).toBeGreaterThanOrEqual(1);
  });

  it('R1: a Lite company is refused its 81st request within 2 s; a Growth company is not', async () => {
    h.pipedrive.config({ plan: 'lite' });
    const burst = async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 81; i++) statuses.push((await h.api(admin, 'GET', '/api/v1/users/me')).status);
      return statuses;
    };
    const lite = await burst();
    expect(lite.filter((s) => s === 429)).toHaveLength(1);
    expect(lite[80]).toBe(429);
    h.advanceClock(2100);
    h.pipedrive.config({ plan: 'growth' });
    expect((await burst()).every((s) => s === 200)).toBe(true);
  });

  it('phase "after" applies the write, then fails', async () => {
    h.pipedrive.faults.add({ method: 'POST', path: '/api/v2/persons$', phase: 'after', status: 502, times: 1 });
    const res = await h.api(admin, 'POST', '/api/v2/persons', { name: 'Ghost Write' });
    expect(res.status).toBe(502);
    expect(h.pipedrive.persons(NORTHWIND_COMPANY_ID).some((p) => p.name === 'Ghost Write')).toBe(true);
  });

  it('state survives a JSON round trip (sandbox restarts)', async () => {
    h.pipedrive.createPerson(NORTHWIND_COMPANY_ID, { name: 'Persisted Person' }, DEMO_USERS.regular);
    const saved = JSON.parse(JSON.stringify(h.pipedrive.getState()));
    h.pipedrive.reset();
    expect((await h.api(admin, 'GET', '/api/v1/users/me')).status).toBe(401);
    h.pipedrive.setState(saved);
    expect((await h.api(admin, 'GET', '/v1/users/me')).status).toBe(200);
    expect(h.pipedrive.persons(NORTHWIND_COMPANY_ID).some((p) => p.name === 'Persisted Person')).toBe(true);
  });

  it('counts API requests per endpoint', async () => {
    h.pipedrive.resetRequestCounts();
    await h.api(admin, 'GET', '/api/v2/persons/1');
    await h.api(admin, 'GET', '/api/v2/persons/2');
    expect(h.pipedrive.requestCount()).toBe(2);
    expect(h.pipedrive.requestCounts()).toEqual({ 'GET /api/v2/persons/:id': 2 });
  });

  it('generates 50,000 persons', async () => {
    h.pipedrive.generatePersons(NORTHWIND_COMPANY_ID, DEMO_USERS.regular, 50_000);
    const page = await getJson(admin, `/api/v2/persons?owner_id=${DEMO_USERS.regular}&limit=500&sort_by=update_time`);
    expect(page.body.data).toHaveLength(500);
    expect(page.body.additional_data.next_cursor).toBeTruthy();
  });
});

describe('GET /api/v2/persons ids (reference §3: up to 100, comma-separated)', () => {
  it('returns only the listed persons that exist; more than 100 ids is a 400', async () => {
    const persons = (await getJson(admin, '/api/v2/persons?limit=5')).body.data as { id: number }[];
    const ids = [persons[0]!.id, persons[2]!.id, 999_999_999];
    const res = (await getJson(admin, `/api/v2/persons?ids=${ids.join(',')}`)).body;
    expect(res.data.map((p: { id: number }) => p.id).sort()).toEqual([persons[0]!.id, persons[2]!.id].sort());
    const tooMany = Array.from({ length: 101 }, (_, i) => i + 1).join(',');
    expect((await h.api(admin, 'GET', `/api/v2/persons?ids=${tooMany}`)).status).toBe(400);
  });
});
