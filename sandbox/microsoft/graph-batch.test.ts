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

  it('MG-batch: a step gets immutable ids only from its own Prefer header, not from the envelope\'s', async () => {
    const folder = sandbox.microsoft.folders(OLIVIA).find((f) => f.displayName === 'Clients')!;
    const json = { 'Content-Type': 'application/json' };
    const steps = [
      step('plain', `/me/contactFolders/${folder.id}/contacts`, { method: 'POST', headers: json, body: JSON.stringify({ givenName: 'Plain' }) }),
      step('immutable', `/me/contactFolders/${folder.id}/contacts`, { method: 'POST', headers: { ...json, Prefer: 'IdType="ImmutableId"' }, body: JSON.stringify({ givenName: 'Immutable' }) }),
    ];
    const body = (await client.api('/$batch').header('Prefer', 'IdType="ImmutableId"').post(await new BatchRequestContent(steps).getContent())) as BatchResponseBody;
    const res = new BatchResponseContent(body);
    const plain = await res.getResponseById('plain').json();
    const immutable = await res.getResponseById('immutable').json();
    const stored = sandbox.microsoft.contacts(OLIVIA, folder.id);
    expect(plain.id).toBe(stored.find((c) => c.fields.givenName === 'Plain')!.regularId);
    expect(immutable.id).toBe(stored.find((c) => c.fields.givenName === 'Immutable')!.immutableId);
    // Graph's contact answers carry the version in the body (@odata.etag), with Content-Type capitalized.
    expect(immutable['@odata.etag']).toMatch(/^W\/"/);
    expect(res.getResponseById('immutable').status).toBe(201);
    expect(res.getResponseById('immutable').headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('MG-batch: a stale If-Match in a step answers 412 for that step only', async () => {
    const [a, b] = sandbox.microsoft.contacts(OLIVIA);
    const json = { 'Content-Type': 'application/json' };
    const res = await send([
      step('stale', `/me/contacts/${a!.regularId}`, { method: 'PATCH', headers: { ...json, 'If-Match': 'W/"not-the-version"' }, body: JSON.stringify({ jobTitle: 'Stale' }) }),
      step('fresh', `/me/contacts/${b!.regularId}`, { method: 'PATCH', headers: json, body: JSON.stringify({ jobTitle: 'Fresh' }) }),
    ]);
    expect(res.getResponseById('stale').status).toBe(412);
    expect(res.getResponseById('fresh').status).toBe(200);
    expect(sandbox.microsoft.getContact(OLIVIA, b!.immutableId)!.fields.jobTitle).toBe('Fresh');
    expect(sandbox.microsoft.getContact(OLIVIA, a!.immutableId)!.fields.jobTitle).not.toBe('Stale');
  });

  it('MG-batch: each request counts against the mailbox quota on its own; the envelope does not', async () => {
    const [c] = sandbox.microsoft.contacts(OLIVIA);
    sandbox.microsoft.config({ requestsPer10Min: 3 });
    const res = await send(Array.from({ length: 5 }, (_, i) => step(String(i + 1), `/me/contacts/${c!.regularId}`)));
    const statuses = ['1', '2', '3', '4', '5'].map((id) => res.getResponseById(id).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(3);
    const throttled = ['1', '2', '3', '4', '5'].map((id) => res.getResponseById(id)).filter((r) => r.status === 429);
    expect(throttled).toHaveLength(2);
    for (const r of throttled) {
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(500); // the 10-minute window
      expect((await r.json()).error.message).toMatch(/MailboxRequests/);
    }
  });

  it('MG-batch: Graph runs up to 4 requests of a batch at once; with another request in flight the extra one answers 429 MailboxConcurrency', async () => {
    const [c] = sandbox.microsoft.contacts(OLIVIA);
    sandbox.microsoft.config({ latencyMs: 300 });
    // Alone, 8 requests run as two waves of 4 and all succeed.
    const t0 = performance.now();
    const alone = await send(Array.from({ length: 8 }, (_, i) => step(String(i + 1), `/me/contacts/${c!.regularId}`)));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(2 * 300 - 20);
    expect(performance.now() - t0).toBeLessThan(8 * 300);
    expect(Array.from({ length: 8 }, (_, i) => alone.getResponseById(String(i + 1)).status)).toEqual(Array(8).fill(200));
    // A lone request holds one of the mailbox's 4 slots while a batch of 4 starts: one of the 4 is throttled.
    sandbox.microsoft.config({ latencyMs: 1_000 });
    const gets = sandbox.microsoft.requestCounts(OLIVIA).GET ?? 0;
    const lone = client.api(`/me/contacts/${c!.regularId}`).get();
    // Counted means it holds its slot (both happen in the same tick).
    while ((sandbox.microsoft.requestCounts(OLIVIA).GET ?? 0) === gets) await new Promise((resolve) => setTimeout(resolve, 5));
    const busy = await send(Array.from({ length: 4 }, (_, i) => step(String(i + 1), `/me/contacts/${c!.regularId}`)));
    await lone;
    const answers = ['1', '2', '3', '4'].map((id) => busy.getResponseById(id));
    expect(answers.filter((r) => r.status === 200)).toHaveLength(3);
    const [throttled] = answers.filter((r) => r.status === 429);
    expect(throttled!.headers.get('retry-after')).toBe('1');
    expect((await throttled!.json()).error.message).toMatch(/MailboxConcurrency/);
  });
});
