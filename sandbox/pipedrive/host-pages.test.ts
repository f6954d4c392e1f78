import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { escapeHtml as e } from '../lib/http';
import { DEMO_USERS, NORTHWIND_COMPANY_ID } from './demo-data';
import { verifyIframeJwt } from './iframe-jwt';
import { startHarness, type Harness } from './test-harness';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const cookie = (userId: number, theme = 'light') => ({ cookie: `pd_user=${userId}; pd_theme=${theme}` });
const iframeSrc = (page: string) => {
  const match = /<iframe[^>]*data-surface-id="([^"]+)"[^>]*src="([^"]+)"/.exec(page);
  return match ? { surfaceId: match[1], src: new URL(match[2].replace(/&amp;/g, '&')) } : null;
};

describe('Pipedrive host UI (M4, M6)', () => {
  it('signs iframe JWTs (HS256) verifiable with the client secret', () => {
    const token = h.pipedrive.signIframeToken(NORTHWIND_COMPANY_ID, DEMO_USERS.admin);
    const claims = verifyIframeJwt(h.ctx.app.pipedrive.clientSecret, token, h.ctx.now());
    expect(claims).toMatchObject({ userId: DEMO_USERS.admin, companyId: NORTHWIND_COMPANY_ID });
    expect(claims!.exp - claims!.iat).toBe(300);
    expect(verifyIframeJwt('wrong-secret', token, h.ctx.now())).toBeNull();
  });

  it('shows the panel iframe only when the current user installed Synclane, with the documented params', async () => {
    const before = await (await fetch(`${h.url}/pipedrive/person/1`, { headers: cookie(DEMO_USERS.regular) })).text();
    expect(iframeSrc(before)).toBeNull();
    await h.install(DEMO_USERS.regular);
    const page = await (await fetch(`${h.url}/pipedrive/person/1`, { headers: cookie(DEMO_USERS.regular, 'dark') })).text();
    const frame = iframeSrc(page)!;
    expect(`${frame.src.origin}${frame.src.pathname}`).toBe(h.ctx.app.pipedrive.panelUrl);
    const q = frame.src.searchParams;
    expect(q.get('id')).toBe(frame.surfaceId);
    expect(q.get('userId')).toBe(String(DEMO_USERS.regular));
    expect(q.get('companyId')).toBe(String(NORTHWIND_COMPANY_ID));
    expect(q.get('resource')).toBe('person');
    expect(q.get('view')).toBe('details');
    expect(q.get('selectedIds')).toBe('1');
    expect(q.get('theme')).toBe('dark');
    expect(verifyIframeJwt(h.ctx.app.pipedrive.clientSecret, q.get('token')!, h.ctx.now())).toMatchObject({ userId: DEMO_USERS.regular });
    expect(page).toContain("case 'get_signed_token'");

    // GET_SIGNED_TOKEN: the host page fetches a fresh token for its surface
    const fresh = await fetch(`${h.url}/pipedrive/_host/token?surface=${frame.surfaceId}`, { headers: cookie(DEMO_USERS.regular) });
    const { token } = await fresh.json();
    expect(verifyIframeJwt(h.ctx.app.pipedrive.clientSecret, token, h.ctx.now())).toMatchObject({ userId: DEMO_USERS.regular, companyId: NORTHWIND_COMPANY_ID });
    const otherUser = await fetch(`${h.url}/pipedrive/_host/token?surface=${frame.surfaceId}`, { headers: cookie(DEMO_USERS.admin) });
    expect(otherUser.status).toBe(403);
  });

  it('addresses records with singular paths on the company domain, like https://<company>.pipedrive.com/person/1', async () => {
    const apiDomain = h.pipedrive.apiDomain(NORTHWIND_COMPANY_ID);
    for (const [path, text] of [['person/1', 'Zoë Åkesson'], ['organization/1', 'Contoso Ltd'], ['deal/1', 'Contoso analytics rollout']]) {
      const res = await fetch(`${apiDomain}/${path}`, { headers: cookie(DEMO_USERS.admin) });
      expect(res.status, path).toBe(200);
      expect(await res.text()).toContain(e(text));
      expect((await fetch(`${h.url}/pipedrive/${path}`, { headers: cookie(DEMO_USERS.admin) })).status).toBe(200);
    }
    expect((await fetch(`${h.url}/pipedrive/persons/1`, { headers: cookie(DEMO_USERS.admin) })).status).toBe(404);
    expect((await fetch(`${h.url}/pipedrive/c/nowhere/person/1`)).status).toBe(404);
  });

  it('F4/F5: record pages list files; a reviewer uploads (multipart form) and deletes a file in the CRM', async () => {
    const person = await (await fetch(`${h.url}/pipedrive/person/1`, { headers: cookie(DEMO_USERS.admin) })).text();
    expect(person).toContain('Files (2)');
    expect(person).toContain('Meeting notes 2025-09.txt');
    expect(person).toContain('enctype="multipart/form-data"');
    expect(await (await fetch(`${h.url}/pipedrive/organization/1`, { headers: cookie(DEMO_USERS.admin) })).text()).toContain('Contoso NDA.txt');
    expect(await (await fetch(`${h.url}/pipedrive/deal/1`, { headers: cookie(DEMO_USERS.admin) })).text()).toContain('Proposal v1.csv');

    const form = new FormData();
    form.set('file', new Blob(['hello from the UI']), 'ui-upload.txt');
    const upload = await fetch(`${h.url}/pipedrive/organization/2/files`, { method: 'POST', headers: cookie(DEMO_USERS.admin), body: form, redirect: 'manual' });
    expect(upload.status).toBe(303);
    const org = await (await fetch(`${h.url}/pipedrive/organization/2`, { headers: cookie(DEMO_USERS.admin) })).text();
    expect(org).toContain('ui-upload.txt');
    const id = /files\/(\d+)\/download">ui-upload\.txt/.exec(org)![1];
    expect(await (await fetch(`${h.url}/pipedrive/files/${id}/download`, { headers: cookie(DEMO_USERS.admin) })).text()).toBe('hello from the UI');

    const del = await fetch(`${h.url}/pipedrive/files/${id}/delete`, { method: 'POST', headers: { ...cookie(DEMO_USERS.admin), 'content-type': 'application/x-www-form-urlencoded' }, body: 'returnTo=/pipedrive/organization/2', redirect: 'manual' });
    expect(del.status).toBe(303);
    expect(h.pipedrive.getState().files.find((f) => f.id === Number(id))?.active_flag).toBe(false);
    expect(await (await fetch(`${h.url}/pipedrive/organization/2`, { headers: cookie(DEMO_USERS.admin) })).text()).toContain('No files yet.');
  });

  it('hosts the settings iframe on the app-settings page', async () => {
    await h.install(DEMO_USERS.admin);
    const page = await (await fetch(`${h.url}/pipedrive/settings/marketplace/app/${h.ctx.app.pipedrive.clientId}/app-settings`)).text();
    const frame = iframeSrc(page)!;
    expect(`${frame.src.origin}${frame.src.pathname}`).toBe(h.ctx.app.pipedrive.settingsUrl);
    expect(frame.src.searchParams.get('resource')).toBeNull();
    expect(frame.src.searchParams.get('theme')).toBe('light');
  });

  it('Marketplace shows Install pointing at the installation URL when not installed', async () => {
    const page = await (await fetch(`${h.url}/pipedrive/settings/marketplace`, { headers: cookie(DEMO_USERS.noAdd) })).text();
    expect(page).toContain(`href="${h.ctx.app.pipedrive.installationUrl}"`);
    expect(page).toMatch(/>Install</);
  });

  it('a UI edit updates the person like the API and delivers a v2 webhook with Basic auth', async () => {
    const tokens = await h.install(DEMO_USERS.admin);
    const hook = await h.api(tokens.access_token, 'POST', '/api/v1/webhooks', {
      subscription_url: `${h.app.url}/api/pipedrive/webhooks`,
      event_action: '*',
      event_object: 'person',
      name: 'Synclane',
      http_auth_user: 'pd',
      http_auth_password: 'secret',
    });
    expect(hook.status).toBe(201);
    const webhookId = (await hook.json()).data.id;
    h.advanceClock(3000);
    const form = new URLSearchParams({ name: 'Ada King', first_name: 'Ada', last_name: 'Lovelace', email_value_0: 'ada@contoso.example', email_label_0: 'work', email_primary: '0', org_id: '1', owner_id: String(DEMO_USERS.admin), visible_to: '3' });
    const res = await fetch(`${h.url}/pipedrive/person/7`, { method: 'POST', headers: { ...cookie(DEMO_USERS.admin), 'content-type': 'application/x-www-form-urlencoded' }, body: form });
    expect(res.status).toBe(200);
    await h.pipedrive.flushWebhooks();
    const person = h.pipedrive.getPerson(NORTHWIND_COMPANY_ID, 7)!;
    expect(person.name).toBe('Ada King');
    expect(person.phones).toEqual([]);
    const delivery = h.app.requests.find((r) => r.url === '/api/pipedrive/webhooks')!;
    expect(delivery.headers.authorization).toBe(`Basic ${Buffer.from('pd:secret').toString('base64')}`);
    const payload = JSON.parse(delivery.body);
    expect(payload.meta).toMatchObject({ action: 'change', entity: 'person', company_id: String(NORTHWIND_COMPANY_ID), entity_id: '7', user_id: String(DEMO_USERS.admin), version: '2.0', webhook_id: String(webhookId), change_source: 'app' });
    expect(payload.data.name).toBe('Ada King');
    expect(payload.previous.name).toBe('Ada Lovelace');
    expect(payload.previous).not.toHaveProperty('owner_id');
  });

  it('saving a name-only person from the UI keeps its name; an empty name is refused without partial writes', async () => {
    const save = (fields: Record<string, string>) =>
      fetch(`${h.url}/pipedrive/person/49`, { method: 'POST', headers: { ...cookie(DEMO_USERS.admin), 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ owner_id: String(DEMO_USERS.admin), visible_to: '3', org_id: '1', ...fields }) });
    expect((await save({ name: 'Reception desk', first_name: '', last_name: '', phone_value_0: '+44 20 7946 0003', phone_label_0: 'work', phone_primary: '0' })).status).toBe(200);
    expect(h.pipedrive.getPerson(NORTHWIND_COMPANY_ID, 49)).toMatchObject({ name: 'Reception desk', phones: [{ value: '+44 20 7946 0003', primary: true, label: 'work' }] });
    expect((await save({ name: '', first_name: '', last_name: '', phone_value_0: '' })).status).toBe(400);
    expect(h.pipedrive.getPerson(NORTHWIND_COMPANY_ID, 49)).toMatchObject({ name: 'Reception desk', phones: [{ value: '+44 20 7946 0003', primary: true, label: 'work' }] });
  });

  it('webhooks are admin-only and survive an unreachable target', async () => {
    const rahul = (await h.install(DEMO_USERS.regular)).access_token;
    expect((await h.api(rahul, 'POST', '/api/v1/webhooks', { subscription_url: 'http://127.0.0.1:1/x', event_action: '*', event_object: 'person' })).status).toBe(403);
    const admin = (await h.install(DEMO_USERS.admin)).access_token;
    await h.api(admin, 'POST', '/api/v1/webhooks', { subscription_url: 'http://127.0.0.1:1/x', event_action: 'delete', event_object: 'person', name: 'x' });
    h.pipedrive.deletePerson(NORTHWIND_COMPANY_ID, 5);
    await h.pipedrive.flushWebhooks();
    expect(h.pipedrive.webhookDeliveries()[0]).toMatchObject({ action: 'delete', entityId: 5, status: null });
  });

  it('the no-permission user cannot add a person from the UI and sees why', async () => {
    const res = await fetch(`${h.url}/pipedrive/persons`, { method: 'POST', headers: { ...cookie(DEMO_USERS.noAdd), 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=Blocked' });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('You do not have permissions to do this.');
  });

  it('admin API: faults, config and summary', async () => {
    const add = await fetch(`${h.url}/pipedrive/_admin/faults`, { method: 'POST', body: JSON.stringify({ path: '^/persons$', status: 503, times: 1 }) });
    expect(add.status).toBe(200);
    expect((await fetch(`${h.url}/pipedrive/persons`)).status).toBe(503);
    expect((await fetch(`${h.url}/pipedrive/persons`)).status).toBe(200);
    await fetch(`${h.url}/pipedrive/_admin/config`, { method: 'POST', body: JSON.stringify({ contactSyncFields: true, plan: 'ultimate' }) });
    await fetch(`${h.url}/pipedrive/_admin/companies/${NORTHWIND_COMPANY_ID}/generate-persons`, { method: 'POST', body: JSON.stringify({ count: 10, ownerId: DEMO_USERS.regular }) });
    const summary = await (await fetch(`${h.url}/pipedrive/_admin/state/summary`)).json();
    expect(summary.companies[0]).toMatchObject({ plan: 'ultimate', contactSyncFields: true, persons: 60 });
  });
});
