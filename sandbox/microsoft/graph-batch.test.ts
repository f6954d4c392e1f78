import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BatchRequestContent, BatchResponseContent, GraphError, type BatchResponseBody, type Client } from '@microsoft/microsoft-graph-client';
import { graphClient, signIn, startMicrosoftSandbox, type TestSandbox } from './test-support';

const OLIVIA = 'olivia.northwind@outlook.com';
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

/** A step of the SDK's BatchRequestContent: an absolute Graph URL, which the SDK makes relative. */
const step = (id: string, path: string, init: RequestInit = { method: 'GET' }, dependsOn?: string[]) => ({ id, request: new Request(`https://graph.microsoft.com${path}`, init), ...(dependsOn ? { dependsOn } : {}) });
const send = async (steps: ReturnType<typeof step>[]) => new BatchResponseContent((await client.api('/$batch').post(await new BatchRequestContent(steps).getContent())) as BatchResponseBody);

describe('Microsoft Graph JSON batching ($batch) in the emulator, through the official client', () => {
  it('MG-batch: answers each request by id with its own status, headers and body; binary bodies are base64', async () => {
    const contacts = sandbox.microsoft.contacts(OLIVIA);
    const withPhoto = contacts.find((c) => c.photo)!;
    const without = contacts.find((c) => !c.photo)!;
    const res = await send([
      step('a', `/me/contacts/${withPhoto.regularId}/photo/$value`),
      step('b', `/me/contacts/${without.regularId}/photo/$value`),
      step('c', `/me/contacts/${withPhoto.regularId}?$select=displayName`),
    ]);
    const photo = res.getResponseById('a');
    expect(photo.status).toBe(200);
    expect(photo.headers.get('content-type')).toMatch(/^image\//);
    const bytes = Buffer.from(await photo.text(), 'base64');
    expect(bytes.subarray(1, 4).toString('latin1') === 'PNG' || bytes[0] === 0xff).toBe(true);
    expect(res.getResponseById('b').status).toBe(404);
    expect((await res.getResponseById('b').json()).error.code).toBe('ErrorItemNotFound');
    const contact = res.getResponseById('c');
    expect(contact.status).toBe(200);
    expect((await contact.json()).displayName).toBe(withPhoto.fields.displayName);
    // One HTTP call for the three.
    expect(sandbox.microsoft.requestCounts(OLIVIA).POST).toBe(1);
  });

  it('MG-batch: dependsOn orders writes; a request whose dependency failed answers 424', async () => {
    const folder = sandbox.microsoft.folders(OLIVIA).find((f) => f.displayName === 'Clients')!;
    const json = { 'Content-Type': 'application/json' };
    const res = await send([
      step('1', `/me/contactFolders/${folder.id}/contacts`, { method: 'POST', headers: json, body: JSON.stringify({ givenName: 'Batch', surname: 'One' }) }),
      step('2', '/me/contacts/not-a-contact', { method: 'PATCH', headers: json, body: JSON.stringify({ givenName: 'Nobody' }) }, ['1']),
      step('3', `/me/contacts/not-a-contact-either`, { method: 'GET' }, ['2']),
    ]);
    expect(res.getResponseById('1').status).toBe(201);
    expect(res.getResponseById('2').status).toBe(400); // ErrorInvalidIdMalformed
    expect(res.getResponseById('3').status).toBe(424);
    expect(sandbox.microsoft.contacts(OLIVIA, folder.id).some((c) => c.fields.givenName === 'Batch')).toBe(true);
  });

  it('MG-batch: a throttled request answers 429 with its own Retry-After while the others succeed', async () => {
    const [first, second] = sandbox.microsoft.contacts(OLIVIA);
    sandbox.microsoft.faults.add({ method: 'GET', path: `${second!.regularId}$`, status: 429, times: 1, headers: { 'retry-after': '3' }, body: { error: { code: 'TooManyRequests', message: 'Throttled' } } });
    const res = await send([step('1', `/me/contacts/${first!.regularId}`), step('2', `/me/contacts/${second!.regularId}`)]);
    expect(res.getResponseById('1').status).toBe(200);
    expect(res.getResponseById('2').status).toBe(429);
    expect(res.getResponseById('2').headers.get('retry-after')).toBe('3');
  });

  it('MG-batch: more than 20 requests, or duplicate ids, fail the whole batch with 400', async () => {
    const [c] = sandbox.microsoft.contacts(OLIVIA);
    const body = (n: number, id: (i: number) => string) => ({ requests: Array.from({ length: n }, (_, i) => ({ id: id(i), method: 'GET', url: `/me/contacts/${c!.regularId}` })) });
    const tooMany = await client.api('/$batch').post(body(21, (i) => String(i))).catch((e: GraphError) => e);
    expect((tooMany as GraphError).statusCode).toBe(400);
    const duplicate = await client.api('/$batch').post(body(2, () => 'same')).catch((e: GraphError) => e);
    expect((duplicate as GraphError).statusCode).toBe(400);
  });
});
