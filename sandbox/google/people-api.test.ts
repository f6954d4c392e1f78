import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { people_v1 } from '@googleapis/people';
import { avatarPng } from './demo-data';
import { BATCH_CREATE_LIMIT, BATCH_DELETE_LIMIT } from './person-fields';
import { failure, peopleClient, signIn, startHarness, type Harness } from './test-harness';

const OLIVIA = 'olivia.northwind@gmail.com';
const FIELDS = 'names,emailAddresses,phoneNumbers,addresses,organizations,biographies,birthdays,imClients,urls,userDefined,clientData,photos,memberships,metadata';
const DAY = 24 * 3600 * 1000;

let h: Harness;
let api: people_v1.People;
let auth: Awaited<ReturnType<typeof signIn>>['client'];

beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(async () => {
  h.google.reset();
  auth = (await signIn(h, OLIVIA)).client;
  api = peopleClient(h, auth);
});

async function fullSync(pageSize: number) {
  const pages: people_v1.Schema$ListConnectionsResponse[] = [];
  let pageToken: string | undefined;
  do {
    const { data } = await api.people.connections.list({ resourceName: 'people/me', personFields: FIELDS, pageSize, requestSyncToken: true, pageToken });
    pages.push(data);
    pageToken = data.nextPageToken ?? undefined;
  } while (pageToken);
  return pages;
}

async function incremental(syncToken: string) {
  const people: people_v1.Schema$Person[] = [];
  let pageToken: string | undefined;
  let next: string | undefined;
  do {
    const { data } = await api.people.connections.list({ resourceName: 'people/me', personFields: FIELDS, pageSize: 1000, syncToken, requestSyncToken: true, pageToken });
    people.push(...(data.connections ?? []));
    pageToken = data.nextPageToken ?? undefined;
    next = data.nextSyncToken ?? undefined;
  } while (pageToken);
  return { people, nextSyncToken: next! };
}

describe('connections.list', () => {
  it('G-P1: full sync pages through every contact; nextSyncToken only on the last page', async () => {
    const total = h.google.accounts().find((a) => a.email === OLIVIA)!.contactCount;
    const pages = await fullSync(4);
    expect(pages.length).toBe(Math.ceil(total / 4));
    pages.slice(0, -1).forEach((p) => expect(p.nextSyncToken).toBeUndefined());
    expect(pages.at(-1)!.nextSyncToken).toBeTruthy();
    const names = pages.flatMap((p) => p.connections!.map((c) => c.resourceName));
    expect(new Set(names).size).toBe(total);
    expect(pages[0].totalItems).toBe(total);
    expect(names.every((n) => /^people\/c\d+$/.test(n!))).toBe(true);
  });

  it('G-P2: person shape: etag, metadata source, computed output fields, default photo, memberships', async () => {
    const [{ connections }] = await fullSync(1000);
    const ada = connections!.find((c) => c.names?.[0]?.givenName === 'Ada')!;
    expect(ada.etag).toBe(ada.metadata!.sources![0].etag);
    expect(ada.metadata!.sources![0]).toMatchObject({ type: 'CONTACT', updateTime: expect.any(String) });
    expect(ada.names![0]).toMatchObject({ displayName: 'Ada Lovelace', displayNameLastFirst: 'Lovelace, Ada', metadata: { primary: true } });
    expect(ada.phoneNumbers![0]).toMatchObject({ canonicalForm: '+447700900001', formattedType: 'Mobile' });
    expect(ada.photos![0].default).toBeUndefined();
    const photo = await fetch(ada.photos![0].url!);
    expect(photo.headers.get('content-type')).toBe('image/png');
    expect(ada.memberships!.map((m) => m.contactGroupMembership!.contactGroupResourceName)).toContain('contactGroups/myContacts');
    const noPhoto = connections!.find((c) => c.names?.[0]?.givenName === 'Zoë')!;
    expect(noPhoto.photos).toEqual([expect.objectContaining({ default: true, url: expect.stringContaining('/google/photos/default/') })]);
  });

  it('G-P3: personFields is required and validated; pageSize is 1–1000; page tokens are bound to the params', async () => {
    expect(await failure(api.people.connections.list({ resourceName: 'people/me' }))).toMatchObject({ status: 400, data: { error: { status: 'INVALID_ARGUMENT', message: expect.stringContaining('personFields mask is required') } } });
    expect((await failure(api.people.connections.list({ resourceName: 'people/me', personFields: 'names,bogus' }))).status).toBe(400);
    expect((await failure(api.people.connections.list({ resourceName: 'people/me', personFields: 'names', pageSize: 1001 }))).status).toBe(400);
    const first = await api.people.connections.list({ resourceName: 'people/me', personFields: 'names', pageSize: 2 });
    const mismatch = await failure(api.people.connections.list({ resourceName: 'people/me', personFields: 'names,emailAddresses', pageSize: 2, pageToken: first.data.nextPageToken! }));
    expect(mismatch.status).toBe(400);
  });

  it('G-P4: incremental sync returns created, edited (API, in-process, web UI) and deleted contacts', async () => {
    const token = (await fullSync(1000)).at(-1)!.nextSyncToken!;
    const created = await api.people.createContact({ personFields: 'metadata', requestBody: { names: [{ givenName: 'New', familyName: 'Person' }], emailAddresses: [{ value: 'new@example.com' }] } });
    const [first, second, third] = h.google.contacts(OLIVIA).filter((c) => c.resourceName !== created.data.resourceName);
    h.google.updateContact(OLIVIA, first.resourceName as string, { biographies: [{ value: 'edited in Google' }] });
    await api.people.deleteContact({ resourceName: second.resourceName as string });
    const form = new URLSearchParams({ etag: third.etag as string, givenName: 'Webby', familyName: 'Edit', emails: 'work: webby@example.com', phones: '', company: '', title: '', birthday: '05-02', notes: '' });
    const web = await fetch(`${h.url}/google/contacts/${OLIVIA}/${(third.resourceName as string).slice(7)}`, { method: 'POST', body: form, redirect: 'manual' });
    expect(web.status).toBe(303);

    const { people: changes, nextSyncToken } = await incremental(token);
    const byName = new Map(changes.map((p) => [p.resourceName, p]));
    expect(byName.size).toBe(4);
    expect(byName.get(created.data.resourceName)!.names![0].givenName).toBe('New');
    expect(byName.get(first.resourceName as string)!.biographies![0].value).toBe('edited in Google');
    expect(byName.get(second.resourceName as string)).toEqual({ resourceName: second.resourceName, etag: expect.any(String), metadata: expect.objectContaining({ deleted: true }) });
    expect(byName.get(third.resourceName as string)!.emailAddresses![0]).toMatchObject({ value: 'webby@example.com', type: 'work' });
    expect(byName.get(third.resourceName as string)!.birthdays![0].date).toEqual({ month: 5, day: 2 });
    expect(nextSyncToken).toBeTruthy();
    expect((await incremental(nextSyncToken)).people).toHaveLength(0);
  });

  it('G-P5: sync tokens expire after the configured lifetime with Google\u2019s EXPIRED_SYNC_TOKEN error', async () => {
    const token = (await fullSync(1000)).at(-1)!.nextSyncToken!;
    h.advanceClock(7 * DAY + 1000);
    auth.setCredentials({ ...auth.credentials, expiry_date: Date.now() - 1 }); // the access token expired too
    const expired = await failure(api.people.connections.list({ resourceName: 'people/me', personFields: FIELDS, syncToken: token }));
    expect(expired).toEqual({
      status: 400,
      data: {
        error: {
          code: 400,
          message: 'Sync token is expired. Clear local cache and retry call without the sync token.',
          status: 'FAILED_PRECONDITION',
          details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'EXPIRED_SYNC_TOKEN', domain: 'people.googleapis.com' }],
        },
      },
    });
  });

  it('G-P6: with a propagation delay, writes reach incremental sync only after the delay (never lost)', async () => {
    h.google.config({ propagationDelayMs: 60_000 });
    const token = (await fullSync(1000)).at(-1)!.nextSyncToken!;
    const created = await api.people.createContact({ requestBody: { names: [{ givenName: 'Delayed', familyName: 'Write' }] } });
    const early = await incremental(token);
    expect(early.people).toHaveLength(0);
    h.advanceClock(61_000);
    const late = await incremental(early.nextSyncToken);
    expect(late.people.map((p) => p.resourceName)).toEqual([created.data.resourceName]);
  });
});

describe('mutations', () => {
  it('G-P7: updateContact needs the current etag; a stale one gets FAILED_PRECONDITION; masked lists are replaced', async () => {
    const created = await api.people.createContact({ requestBody: { names: [{ givenName: 'Etag', familyName: 'Test' }], emailAddresses: [{ value: 'a@example.com' }, { value: 'b@example.com' }], phoneNumbers: [{ value: '+32 470 00 00 01' }] } });
    const resourceName = created.data.resourceName!;
    const noEtag = await failure(api.people.updateContact({ resourceName, updatePersonFields: 'emailAddresses', requestBody: { emailAddresses: [] } }));
    expect(noEtag.status).toBe(400);
    const updated = await api.people.updateContact({ resourceName, updatePersonFields: 'emailAddresses', personFields: 'emailAddresses,phoneNumbers,metadata', requestBody: { etag: created.data.etag, emailAddresses: [{ value: 'c@example.com', type: 'work' }] } });
    expect(updated.data.etag).not.toBe(created.data.etag);
    expect(updated.data.emailAddresses!.map((e) => e.value)).toEqual(['c@example.com']);
    expect(updated.data.phoneNumbers).toHaveLength(1);
    const stale = await failure(api.people.updateContact({ resourceName, updatePersonFields: 'names', requestBody: { etag: created.data.etag, names: [{ givenName: 'Stale' }] } }));
    expect(stale).toEqual({
      status: 400,
      data: { error: expect.objectContaining({ code: 400, status: 'FAILED_PRECONDITION', message: 'Request person.etag is different than the current person.etag. Clear local cache and get the latest person.' }) },
    });
    expect((await failure(api.people.updateContact({ resourceName, updatePersonFields: 'photos', requestBody: { etag: updated.data.etag } }))).status).toBe(400);
    expect((await failure(api.people.updateContact({ resourceName, requestBody: { etag: updated.data.etag } } as never))).status).toBe(400);
  });

  it('G-P8: singleton fields reject a second value; unknown fields are rejected', async () => {
    const twoNames = await failure(api.people.createContact({ requestBody: { names: [{ givenName: 'A' }, { givenName: 'B' }] } }));
    expect(twoNames.data.error.status).toBe('INVALID_ARGUMENT');
    expect((await failure(api.people.createContact({ requestBody: { biographies: [{ value: 'x' }, { value: 'y' }] } }))).status).toBe(400);
    expect((await failure(api.people.createContact({ requestBody: { favouriteColour: 'red' } as never }))).status).toBe(400);
  });

  it('G-P9: batch limits 200/200/500; batchCreate round-trips clientData and memberships', async () => {
    const groups = h.google.groups(OLIVIA);
    const clients = groups.find((g) => g.name === 'Clients')!.resourceName;
    const tooMany = Array.from({ length: BATCH_CREATE_LIMIT + 1 }, (_, i) => ({ contactPerson: { names: [{ givenName: `N${i}` }] } }));
    expect((await failure(api.people.batchCreateContacts({ requestBody: { contacts: tooMany, readMask: 'names' } }))).status).toBe(400);
    expect((await failure(api.people.batchCreateContacts({ requestBody: { contacts: tooMany.slice(0, 2) } }))).status).toBe(400);
    const { data } = await api.people.batchCreateContacts({
      requestBody: {
        readMask: 'clientData,memberships,metadata',
        contacts: tooMany.slice(0, BATCH_CREATE_LIMIT).map((c, i) => ({ contactPerson: { ...c.contactPerson, clientData: [{ key: 'crmId', value: `p-${i}` }], memberships: [{ contactGroupMembership: { contactGroupResourceName: clients } }] } })),
      },
    });
    expect(data.createdPeople).toHaveLength(BATCH_CREATE_LIMIT);
    expect(data.createdPeople![7].person!.clientData).toMatchObject([{ key: 'crmId', value: 'p-7' }]);
    expect(data.createdPeople![7].person!.memberships!.map((m) => m.contactGroupMembership!.contactGroupResourceName).sort()).toEqual([clients, 'contactGroups/myContacts'].sort());
    const names = data.createdPeople!.map((p) => p.person!.resourceName!);

    const update = Object.fromEntries(data.createdPeople!.slice(0, 3).map((p) => [p.person!.resourceName!, { etag: p.person!.etag, clientData: [{ key: 'crmId', value: 'changed' }] }]));
    const updated = await api.people.batchUpdateContacts({ requestBody: { contacts: update, updateMask: 'clientData', readMask: 'clientData' } });
    expect(Object.values(updated.data.updateResult!).map((r) => r.person!.clientData![0].value)).toEqual(['changed', 'changed', 'changed']);
    const staleBatch = await failure(api.people.batchUpdateContacts({ requestBody: { contacts: update, updateMask: 'clientData', readMask: 'clientData' } }));
    expect(staleBatch.data.error.status).toBe('FAILED_PRECONDITION');

    const deleteTooMany = Array.from({ length: BATCH_DELETE_LIMIT + 1 }, (_, i) => names[i % names.length]);
    expect((await failure(api.people.batchDeleteContacts({ requestBody: { resourceNames: deleteTooMany } }))).status).toBe(400);
    await api.people.batchDeleteContacts({ requestBody: { resourceNames: names } });
    expect((await failure(api.people.get({ resourceName: names[0], personFields: 'names' }))).status).toBe(404);
  });

  it('G-P10: contact photos: update, serve bytes, delete back to the default placeholder', async () => {
    const { data: person } = await api.people.createContact({ requestBody: { names: [{ givenName: 'Photo', familyName: 'Person' }] } });
    const png = avatarPng([10, 200, 10], 8);
    const { data } = await api.people.updateContactPhoto({ resourceName: person.resourceName!, requestBody: { photoBytes: png.toString('base64'), personFields: 'photos' } });
    const url = data.person!.photos![0].url!;
    expect(url.startsWith(`${h.url}/google/photos/`)).toBe(true);
    expect(Buffer.from(await (await fetch(url)).arrayBuffer()).equals(png)).toBe(true);
    expect((await failure(api.people.updateContactPhoto({ resourceName: person.resourceName!, requestBody: { photoBytes: Buffer.from('not an image').toString('base64') } }))).status).toBe(400);
    const removed = await api.people.deleteContactPhoto({ resourceName: person.resourceName!, personFields: 'photos' });
    expect(removed.data.person!.photos![0].default).toBe(true);
  });

  it('G-P11: get, batchGet (with a missing entry) and people/me', async () => {
    const [one] = h.google.contacts(OLIVIA);
    const got = await api.people.get({ resourceName: one.resourceName as string, personFields: 'names' });
    expect(got.data.resourceName).toBe(one.resourceName);
    const batch = await api.people.getBatchGet({ resourceNames: [one.resourceName as string, 'people/c1'], personFields: 'names' });
    expect(batch.data.responses!.map((r) => r.httpStatusCode)).toEqual([200, 404]);
    const me = await api.people.get({ resourceName: 'people/me', personFields: 'names,emailAddresses' });
    expect(me.data.emailAddresses![0].value).toBe(OLIVIA);
  });
});

describe('errors, quotas, faults, counters', () => {
  it('G-P12: per-minute read quota answers 429 RESOURCE_EXHAUSTED and recovers after a minute', async () => {
    h.google.config({ readQuotaPerMinute: 3 });
    for (let i = 0; i < 3; i++) await api.people.get({ resourceName: 'people/me', personFields: 'names' });
    const limited = await failure(api.people.get({ resourceName: 'people/me', personFields: 'names' }, { retry: false } as never));
    expect(limited.status).toBe(429);
    expect(limited.data.error).toMatchObject({ code: 429, status: 'RESOURCE_EXHAUSTED', message: expect.stringContaining("Quota exceeded for quota metric 'Critical read requests (Contact and Profile Reads)'") });
    // Writes have their own bucket.
    await api.people.createContact({ requestBody: { names: [{ givenName: 'Still', familyName: 'Writable' }] } });
    h.advanceClock(60_001);
    expect((await api.people.get({ resourceName: 'people/me', personFields: 'names' })).status).toBe(200);
  });

  it('G-P13: a fault in phase "after" applies the create but loses the answer (find the twin by clientData)', async () => {
    const res = await fetch(`${h.url}/google/_admin/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ method: 'POST', path: 'people:createContact', phase: 'after', times: 1, status: 503, body: { error: { code: 503, message: 'The service is currently unavailable.', status: 'UNAVAILABLE' } } }) });
    expect(res.status).toBe(201);
    const before = h.google.accounts().find((a) => a.email === OLIVIA)!.contactCount;
    const lost = await failure(api.people.createContact({ requestBody: { names: [{ givenName: 'Ghost', familyName: 'Write' }], clientData: [{ key: 'crmId', value: 'crm-42' }] } }, { retry: false } as never));
    expect(lost.status).toBe(503);
    expect(h.google.accounts().find((a) => a.email === OLIVIA)!.contactCount).toBe(before + 1);
    const { data } = await api.people.connections.list({ resourceName: 'people/me', personFields: 'clientData', pageSize: 1000 });
    expect(data.connections!.filter((p) => p.clientData?.some((d) => d.value === 'crm-42'))).toHaveLength(1);
  });

  it('G-P14: a fault in phase "before" is not applied; requests are counted per method', async () => {
    h.google.faults.add({ method: 'POST', path: 'people:createContact', times: 1, status: 500, body: { error: { code: 500, message: 'Internal error encountered.', status: 'INTERNAL' } } });
    const before = h.google.accounts().find((a) => a.email === OLIVIA)!.contactCount;
    expect((await failure(api.people.createContact({ requestBody: { names: [{ givenName: 'X' }] } }, { retry: false } as never))).status).toBe(500);
    expect(h.google.accounts().find((a) => a.email === OLIVIA)!.contactCount).toBe(before);
    h.google.resetRequestCounts();
    await api.people.connections.list({ resourceName: 'people/me', personFields: 'names', pageSize: 10 });
    await api.people.connections.list({ resourceName: 'people/me', personFields: 'names', pageSize: 10 });
    await api.people.createContact({ requestBody: { names: [{ givenName: 'Y' }] } });
    expect(h.google.requestCounts(OLIVIA)).toEqual({ 'people.connections.list': 2, 'people.createContact': 1, total: 3 });
  });

  it('G-P15: generateContacts creates 100,000 contacts; full sync pages them at 1000 a page', async () => {
    const created = h.google.generateContacts(OLIVIA, 100_000);
    expect(created).toHaveLength(100_000);
    let pages = 0;
    let seen = 0;
    let pageToken: string | undefined;
    do {
      const { data } = await api.people.connections.list({ resourceName: 'people/me', personFields: 'names,metadata', pageSize: 1000, requestSyncToken: true, pageToken });
      seen += data.connections!.length;
      pageToken = data.nextPageToken ?? undefined;
      pages++;
    } while (pageToken && pages < 5);
    expect(seen).toBe(5000);
  }, 30_000);
});
