import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMicrosoftEmulator } from './index';
import { graphClient, signIn, startMicrosoftSandbox, toApiPath, type TestSandbox } from './test-support';

const OLIVIA = 'olivia.northwind@outlook.com';

let sandbox: TestSandbox;
beforeAll(async () => {
  sandbox = await startMicrosoftSandbox();
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.microsoft.reset());

const post = (path: string, form: Record<string, string>) =>
  fetch(`${sandbox.url}${path}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });

describe('Outlook web UI, admin API and persistence', () => {
  it('MW1: the account picker, folder list and contact detail render the demo data', async () => {
    const home = await (await fetch(`${sandbox.url}/microsoft/outlook`)).text();
    expect(home).toContain(OLIVIA);
    expect(home).toContain('lotte.bruggebikes@outlook.com');
    const folder = await (await fetch(`${sandbox.url}/microsoft/outlook/${OLIVIA}`)).text();
    expect(folder).toContain('Nancy Davolio');
    expect(folder).toContain('Clients');
    const nancy = sandbox.microsoft.contacts(OLIVIA).find((c) => c.fields.givenName === 'Nancy')!;
    const detail = await (await fetch(`${sandbox.url}/microsoft/outlook/${OLIVIA}/contacts/${nancy.immutableId}`)).text();
    expect(detail).toContain('nancy.davolio@northwindtraders.com');
    expect(detail).toContain('/photo"');
    expect((await fetch(`${sandbox.url}/microsoft/outlook/${OLIVIA}/contacts/${nancy.immutableId}/photo`)).headers.get('content-type')).toBe('image/png');
  });

  it('MW2: saving the edit form is a real write (new changeKey, visible to delta); delete removes', async () => {
    const token = (await signIn(sandbox, OLIVIA)).tokens.access_token;
    const client = graphClient(sandbox, () => token);
    let page = await client.api('/me/contacts/delta').get();
    while (page['@odata.nextLink']) page = await client.api(toApiPath(page['@odata.nextLink'])).get();
    const deltaLink = page['@odata.deltaLink'] as string;

    const janet = sandbox.microsoft.contacts(OLIVIA).find((c) => c.fields.givenName === 'Janet')!;
    const changeKey = janet.changeKey;
    const saved = await post(`/microsoft/outlook/${OLIVIA}/contacts/${janet.immutableId}`, {
      givenName: 'Janet',
      surname: 'Leverling-Smith',
      displayName: '',
      email0: 'janet@contoso.com',
      email1: 'janet.smith@outlook.com',
      businessPhone0: '+1 206 555 0999',
      companyName: 'Contoso',
      jobTitle: 'Buyer',
      personalNotes: 'Edited in the UI',
      birthday: '1980-03-04',
    });
    expect(saved.status).toBe(303);
    const after = sandbox.microsoft.getContact(OLIVIA, janet.immutableId)!;
    expect(after.changeKey).not.toBe(changeKey);
    expect(after.fields).toMatchObject({
      surname: 'Leverling-Smith',
      displayName: 'Janet Leverling-Smith',
      emailAddresses: [{ address: 'janet@contoso.com', name: 'Janet Leverling' }, { address: 'janet.smith@outlook.com', name: 'janet.smith@outlook.com' }],
      businessPhones: ['+1 206 555 0999'],
      homePhones: [],
      birthday: '1980-03-04T11:59:00Z',
    });

    const michael = sandbox.microsoft.contacts(OLIVIA).find((c) => c.fields.givenName === 'Michael')!;
    expect((await post(`/microsoft/outlook/${OLIVIA}/contacts/${michael.immutableId}/delete`, {})).status).toBe(303);

    const changes = (await client.api(toApiPath(deltaLink)).get()).value as { id: string; '@removed'?: unknown; surname?: string }[];
    expect(changes).toEqual([
      expect.objectContaining({ id: janet.regularId, surname: 'Leverling-Smith' }),
      { id: michael.regularId, '@removed': { reason: 'deleted' } },
    ]);
  });

  it('MW3: the admin summary lists accounts, folders and counts; faults can be added and cleared over HTTP', async () => {
    const summary = (await (await fetch(`${sandbox.url}/microsoft/_admin`)).json()) as { accounts: { email: string; folders: { displayName: string; contacts: number }[] }[]; issuer: string };
    expect(summary.issuer).toBe(`${sandbox.url}/microsoft/common/v2.0`);
    const olivia = summary.accounts.find((a) => a.email === OLIVIA)!;
    expect(olivia.folders.map((f) => f.displayName).sort()).toEqual(['Clients', 'Contacts', 'Family']);
    expect(olivia.folders.reduce((n, f) => n + f.contacts, 0)).toBeGreaterThanOrEqual(14);

    const added = await fetch(`${sandbox.url}/microsoft/_admin/faults`, { method: 'POST', body: JSON.stringify({ path: '^/graph/', status: 503 }) });
    expect(added.status).toBe(201);
    expect((await fetch(`${sandbox.url}/microsoft/graph/v1.0/me`)).status).toBe(503);
    await fetch(`${sandbox.url}/microsoft/_admin/faults`, { method: 'DELETE' });
    expect((await fetch(`${sandbox.url}/microsoft/graph/v1.0/me`)).status).toBe(401);
  });

  it('MW4: state survives a JSON round trip (restart): contacts, tokens and delta links keep working', async () => {
    const token = (await signIn(sandbox, OLIVIA)).tokens.access_token;
    const client = graphClient(sandbox, () => token);
    let page = await client.api('/me/contacts/delta').get();
    while (page['@odata.nextLink']) page = await client.api(toApiPath(page['@odata.nextLink'])).get();
    const saved = JSON.parse(JSON.stringify(sandbox.microsoft.getState()));

    const restarted = createMicrosoftEmulator(sandbox.ctx);
    restarted.setState(saved);
    sandbox.microsoft.setState(restarted.getState());
    sandbox.microsoft.createContact(OLIVIA, undefined, { givenName: 'After', surname: 'Restart' });
    const changes = (await client.api(toApiPath(page['@odata.deltaLink'])).get()).value as { givenName: string }[];
    expect(changes.map((c) => c.givenName)).toEqual(['After']);
  });
});
