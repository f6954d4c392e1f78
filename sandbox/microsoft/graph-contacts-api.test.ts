import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GraphError, ResponseType, RetryHandlerOptions, type Client } from '@microsoft/microsoft-graph-client';
import { solidPng } from './demo-data';
import { graphClient, signIn, startMicrosoftSandbox, toApiPath, type TestSandbox } from './test-support';

const OLIVIA = 'olivia.northwind@outlook.com';
const IMMUTABLE = 'IdType="ImmutableId"';

type Contact = Record<string, any> & { id: string; changeKey: string; '@odata.etag': string };
type Page<T> = { value: T[]; '@odata.nextLink'?: string };

let sandbox: TestSandbox;
let token: string;
let client: Client;

beforeAll(async () => {
  sandbox = await startMicrosoftSandbox();
});
afterAll(() => sandbox.close());
beforeEach(async () => {
  sandbox.microsoft.reset();
  token = (await signIn(sandbox, OLIVIA)).tokens.access_token;
  client = graphClient(sandbox, () => token);
});

const fail = (promise: Promise<unknown>) => promise.then(() => { throw new Error('expected a GraphError'); }, (e: GraphError) => e);

describe('Microsoft Graph contacts emulator (through @microsoft/microsoft-graph-client)', () => {
  it('MG1: GET /me returns the signed-in mailbox', async () => {
    expect(await client.api('/me').get()).toMatchObject({ mail: OLIVIA, userPrincipalName: OLIVIA, displayName: 'Olivia Northwind', id: expect.any(String) });
  });

  it('MG2: /me/contactFolders lists the folders inside the default folder; folders can be created and nested', async () => {
    const folders = (await client.api('/me/contactFolders').get()) as Page<{ id: string; displayName: string; parentFolderId: string }>;
    expect(folders.value.map((f) => f.displayName).sort()).toEqual(['Clients', 'Family']);
    const defaultFolderId = folders.value[0].parentFolderId;
    expect((await client.api(`/me/contactFolders/${defaultFolderId}`).get()).displayName).toBe('Contacts');
    const anyContact = ((await client.api('/me/contacts').top(1).get()) as Page<Contact>).value[0];
    expect(anyContact.parentFolderId).toBe(defaultFolderId);

    const created = await client.api('/me/contactFolders').post({ displayName: 'Suppliers' });
    expect(created).toMatchObject({ displayName: 'Suppliers', parentFolderId: defaultFolderId });
    const child = await client.api(`/me/contactFolders/${created.id}/childFolders`).post({ displayName: 'Bikes' });
    expect(((await client.api(`/me/contactFolders/${created.id}/childFolders`).get()) as Page<{ id: string }>).value.map((f) => f.id)).toEqual([child.id]);
    const duplicate = await fail(client.api('/me/contactFolders').post({ displayName: 'Suppliers' }));
    expect(duplicate.statusCode).toBe(409);
  });

  it('MG3: contact CRUD: POST 201, PATCH partial with arrays replaced and a new changeKey, DELETE 204 then 404', async () => {
    const created = (await client.api('/me/contacts').post({
      givenName: 'Pavel',
      surname: 'Bansky',
      emailAddresses: [{ address: 'pavelb@fabrikam.onmicrosoft.com', name: 'Pavel Bansky' }],
      businessPhones: ['+1 732 555 0102'],
      birthday: '1974-07-22',
      businessAddress: { city: 'Redmond' },
    })) as Contact;
    expect(created).toMatchObject({
      displayName: 'Pavel Bansky',
      givenName: 'Pavel',
      emailAddresses: [{ address: 'pavelb@fabrikam.onmicrosoft.com', name: 'Pavel Bansky' }],
      birthday: '1974-07-22T00:00:00Z',
      homePhones: [],
      businessAddress: { city: 'Redmond' },
      homeAddress: {},
    });
    expect(created['@odata.etag']).toBe(`W/"${created.changeKey}"`);
    expect(Object.keys(created)).toEqual(expect.arrayContaining(['createdDateTime', 'lastModifiedDateTime', 'parentFolderId', 'middleName', 'mobilePhone', 'personalNotes', 'categories', 'imAddresses', 'otherAddress']));

    const patched = (await client.api(`/me/contacts/${created.id}`).patch({ businessPhones: ['+32 50 00 00 00'], jobTitle: 'Buyer' })) as Contact;
    expect(patched).toMatchObject({ givenName: 'Pavel', businessPhones: ['+32 50 00 00 00'], jobTitle: 'Buyer', emailAddresses: created.emailAddresses });
    expect(patched.changeKey).not.toBe(created.changeKey);
    expect(patched.id).toBe(created.id);

    const conflict = await fail(client.api(`/me/contacts/${created.id}`).header('If-Match', created['@odata.etag']).patch({ jobTitle: 'x' }));
    expect(conflict.statusCode).toBe(412);

    expect((await client.api(`/me/contacts/${created.id}`).select('givenName,jobTitle').get())).toEqual({
      '@odata.context': expect.any(String),
      '@odata.etag': patched['@odata.etag'],
      id: created.id,
      givenName: 'Pavel',
      jobTitle: 'Buyer',
    });

    await client.api(`/me/contacts/${created.id}`).delete();
    const missing = await fail(client.api(`/me/contacts/${created.id}`).get());
    expect(missing.statusCode).toBe(404);
    expect(missing.code).toBe('ErrorItemNotFound');
    expect(missing.message).toBe('The specified object was not found in the store.');
    expect(JSON.parse(missing.body as string).innerError).toMatchObject({ 'request-id': expect.any(String), date: expect.any(String) });
  });

  it('MG4: multi-value limits answer 400 with the verbatim Outlook messages', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ emailAddresses: [1, 2, 3, 4].map((n) => ({ address: `a${n}@x.com` })) }, 'The multi value property EmailAddresses has 4 entries, that exceeds the max allowed value of 3'],
      [{ businessPhones: ['1', '2', '3'] }, 'The multi value property BusinessPhones has 3 entries, that exceeds the max allowed value of 2'],
      [{ homePhones: ['1', '2', '3'] }, 'The multi value property HomePhones has 3 entries, that exceeds the max allowed value of 2'],
      [{ imAddresses: ['1', '2', '3', '4'] }, 'The multi value property ImAddresses has 4 entries, that exceeds the max allowed value of 3'],
    ];
    const existing = ((await client.api('/me/contacts').top(1).get()) as Page<Contact>).value[0];
    for (const [body, message] of cases) {
      const onCreate = await fail(client.api('/me/contacts').post({ givenName: 'Limit', ...body }));
      expect([onCreate.statusCode, onCreate.code, onCreate.message]).toEqual([400, 'ErrorInvalidArgument', message]);
      const onPatch = await fail(client.api(`/me/contacts/${existing.id}`).patch(body));
      expect(onPatch.message).toBe(message);
    }
    const unknown = await fail(client.api('/me/contacts').post({ givenName: 'X', faxNumber: '1' }));
    expect([unknown.statusCode, unknown.code]).toEqual([400, 'RequestBodyRead']);
  });

  it('MG5: $top/$select pages follow absolute @odata.nextLink URLs on the emulator origin', async () => {
    sandbox.microsoft.generateContacts(OLIVIA, undefined, 25);
    const total = sandbox.microsoft.contacts(OLIVIA).length;
    let page = (await client.api('/me/contacts').top(7).select('displayName').get()) as Page<Contact>;
    const seen = [...page.value];
    while (page['@odata.nextLink']) {
      expect(page['@odata.nextLink'].startsWith(`${sandbox.url}/microsoft/graph/v1.0/me/contacts?`)).toBe(true);
      page = (await client.api(toApiPath(page['@odata.nextLink'])).get()) as Page<Contact>;
      seen.push(...page.value);
    }
    expect(seen).toHaveLength(total);
    expect(new Set(seen.map((c) => c.id)).size).toBe(total);
    expect(Object.keys(seen[0]).sort()).toEqual(['@odata.etag', 'displayName', 'id']);
    expect(((await client.api('/me/contacts').get()) as Page<Contact>).value).toHaveLength(10);
  });

  it('MG6: with Prefer IdType="ImmutableId" ids survive a folder move; regular ids change', async () => {
    const folders = (await client.api('/me/contactFolders').get()) as Page<{ id: string; displayName: string }>;
    const clients = folders.value.find((f) => f.displayName === 'Clients')!;
    const immutable = (await client.api('/me/contacts').header('Prefer', IMMUTABLE).post({ givenName: 'Mover' })) as Contact;
    const regular = (await client.api(`/me/contacts/${immutable.id}`).get()) as Contact;
    expect(regular.id).not.toBe(immutable.id);

    const moved = await fetch(`${sandbox.url}/microsoft/_admin/accounts/${OLIVIA}/contacts/${immutable.id}/move`, { method: 'POST', body: JSON.stringify({ folderId: clients.id }) });
    expect(moved.status).toBe(200);

    const afterImmutable = (await client.api(`/me/contacts/${immutable.id}`).header('Prefer', IMMUTABLE).get()) as Contact;
    expect(afterImmutable).toMatchObject({ id: immutable.id, parentFolderId: clients.id });
    const afterRegular = (await client.api(`/me/contactFolders/${clients.id}/contacts/${immutable.id}`).get()) as Contact;
    expect(afterRegular.id).not.toBe(regular.id);
    expect((await fail(client.api(`/me/contacts/${regular.id}`).get())).statusCode).toBe(404);
    expect((await fail(client.api(`/me/contacts/not-an-id`).get())).code).toBe('ErrorInvalidIdMalformed');
  });

  it('MG7: photos: 404 metadata when missing, PUT $value then GET metadata and bytes', async () => {
    const contact = (await client.api('/me/contacts').post({ givenName: 'Photo' })) as Contact;
    const none = await fail(client.api(`/me/contacts/${contact.id}/photo`).get());
    expect([none.statusCode, none.code, none.message]).toEqual([404, 'ErrorItemNotFound', "The photo wasn't found."]);
    const png = solidPng(12, 10, [1, 2, 3]);
    await client.api(`/me/contacts/${contact.id}/photo/$value`).header('Content-Type', 'image/png').put(png);
    expect(await client.api(`/me/contacts/${contact.id}/photo`).get()).toMatchObject({ '@odata.mediaContentType': 'image/png', width: 12, height: 10 });
    const bytes = (await client.api(`/me/contacts/${contact.id}/photo/$value`).responseType(ResponseType.ARRAYBUFFER).get()) as ArrayBuffer;
    expect(Buffer.from(bytes).equals(png)).toBe(true);
    expect(((await client.api(`/me/contacts/${contact.id}`).get()) as Contact).changeKey).not.toBe(contact.changeKey);
  });

  it('MG8: open extensions can be created, listed and expanded on GET and list', async () => {
    const contact = (await client.api('/me/contacts').post({ givenName: 'Stamped' })) as Contact;
    const extension = await client.api(`/me/contacts/${contact.id}/extensions`).post({
      '@odata.type': 'microsoft.graph.openTypeExtension',
      extensionName: 'com.synclane.crm',
      crmId: 'pipedrive:person:42',
    });
    expect(extension).toMatchObject({ extensionName: 'com.synclane.crm', crmId: 'pipedrive:person:42', id: 'Microsoft.OutlookServices.OpenTypeExtension.com.synclane.crm' });
    const again = await fail(client.api(`/me/contacts/${contact.id}/extensions`).post({ extensionName: 'com.synclane.crm' }));
    expect(again.statusCode).toBe(409);
    const expanded = (await client.api(`/me/contacts/${contact.id}`).expand("extensions($filter=id eq 'Microsoft.OutlookServices.OpenTypeExtension.com.synclane.crm')").get()) as Contact;
    expect(expanded.extensions).toEqual([expect.objectContaining({ crmId: 'pipedrive:person:42' })]);
    const listed = (await client.api('/me/contacts').top(1000).expand('extensions').get()) as Page<Contact>;
    expect(listed.value.find((c) => c.id === contact.id)!.extensions).toHaveLength(1);
    // Creating with the extension inline makes the create idempotent in one request.
    const inline = (await client.api('/me/contacts').expand('extensions').post({ givenName: 'Inline', extensions: [{ '@odata.type': 'microsoft.graph.openTypeExtension', extensionName: 'com.synclane.crm', crmId: 'p:7' }] })) as Contact;
    expect(((await client.api(`/me/contacts/${inline.id}/extensions`).get()) as Page<Record<string, unknown>>).value[0]).toMatchObject({ crmId: 'p:7' });
  });

  it('MG9: 401 InvalidAuthenticationToken for a missing token and after expireAccessTokens()', async () => {
    const anonymous = await fetch(`${sandbox.url}/microsoft/graph/v1.0/me/contacts`);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe('InvalidAuthenticationToken');
    sandbox.microsoft.expireAccessTokens();
    expect((await fail(client.api('/me/contacts').get())).statusCode).toBe(401);
  });

  it('MG10: 429 ApplicationThrottled with Retry-After when the per-mailbox window is exceeded', async () => {
    sandbox.microsoft.config({ requestsPer10Min: 3 });
    for (let i = 0; i < 3; i++) await client.api('/me/contacts').get();
    const throttled = await fail(client.api('/me/contacts').get());
    expect([throttled.statusCode, throttled.code]).toEqual([429, 'ApplicationThrottled']);
    const retryAfter = Number(throttled.headers?.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(590);
    expect(retryAfter).toBeLessThanOrEqual(600);
    sandbox.advanceClock(retryAfter * 1000);
    await client.api('/me/contacts').get();
    expect(sandbox.microsoft.requestCounts(OLIVIA)).toEqual({ GET: 5 });
  });

  it('MG11: more than 4 concurrent requests per mailbox get 429; RetryHandler honours Retry-After and recovers', async () => {
    sandbox.microsoft.config({ latencyMs: 150 });
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => client.api('/me/contacts').get()));
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected).toHaveLength(2);
    expect(rejected.every((r) => (r.reason as GraphError).statusCode === 429 && (r.reason as GraphError).headers?.get('retry-after') === '1')).toBe(true);

    const retrying = graphClient(sandbox, () => token, new RetryHandlerOptions(0, 3));
    const all = await Promise.all(Array.from({ length: 6 }, () => retrying.api('/me/contacts').get()));
    expect(all).toHaveLength(6);
  });

  it("MG12: fault phase 'after' applies the write, then fails; phase 'before' fails without applying", async () => {
    sandbox.microsoft.faults.add({ method: 'POST', path: '^/graph/v1\\.0/me/contacts$', phase: 'after', status: 500, times: 1, body: { error: { code: 'generalException', message: 'boom' } } });
    const before = sandbox.microsoft.contacts(OLIVIA).length;
    const error = await fail(client.api('/me/contacts').post({ givenName: 'Ghost' }));
    expect(error.statusCode).toBe(500);
    expect(sandbox.microsoft.contacts(OLIVIA)).toHaveLength(before + 1);

    await fetch(`${sandbox.url}/microsoft/_admin/faults`, { method: 'POST', body: JSON.stringify({ method: 'POST', path: 'me/contacts$', status: 400, times: 1, body: { error: { code: 'x', message: 'no' } } }) });
    expect((await fail(client.api('/me/contacts').post({ givenName: 'Never' }))).statusCode).toBe(400);
    expect(sandbox.microsoft.contacts(OLIVIA)).toHaveLength(before + 1);

    // A transient 503 'before' fault is retried by the RetryHandler and the request then succeeds.
    sandbox.microsoft.faults.add({ method: 'GET', path: 'me$', status: 503, times: 1, headers: { 'retry-after': '0' } });
    const retrying = graphClient(sandbox, () => token, new RetryHandlerOptions(0, 2));
    expect((await retrying.api('/me').get()).mail).toBe(OLIVIA);
  });

  it('MG13: $filter on an email address finds the contact', async () => {
    const page = (await client.api('/me/contacts').filter("emailAddresses/any(a:a/address eq 'JANET@contoso.com')").get()) as Page<Contact>;
    expect(page.value.map((c) => c.displayName)).toEqual(['Janet Leverling']);
  });

  it('MG14: generateContacts makes 100,000 contacts and Graph pages them at $top=1000', async () => {
    sandbox.microsoft.generateContacts(OLIVIA, undefined, 100_000);
    // Generating blocks this process for seconds; the client's idle keep-alive socket expires meanwhile but its
    // timer only fires on the next turn. Let it fire first, so the request does not go out on a dying socket.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const page = (await client.api('/me/contacts').top(5000).get()) as Page<Contact>;
    expect(page.value).toHaveLength(1000);
    expect(page['@odata.nextLink']).toContain('$skip=1000');
  }, 120_000);
});
