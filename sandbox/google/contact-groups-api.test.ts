import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { people_v1 } from '@googleapis/people';
import { MODIFY_MEMBERS_LIMIT } from './person-fields';
import { failure, peopleClient, signIn, startHarness, type Harness } from './test-harness';

const LOTTE = 'lotte.bruggebikes@gmail.com';
let h: Harness;
let api: people_v1.People;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(async () => {
  h.google.reset();
  api = peopleClient(h, (await signIn(h, LOTTE)).client);
});

const groupsOf = (p: people_v1.Schema$Person) => (p.memberships ?? []).map((m) => m.contactGroupMembership!.contactGroupResourceName);

describe('contactGroups', () => {
  it('G-G1: list has the system groups and the user groups with member counts', async () => {
    const { data } = await api.contactGroups.list({ pageSize: 100 });
    const byName = new Map(data.contactGroups!.map((g) => [g.resourceName, g]));
    expect(byName.get('contactGroups/myContacts')).toMatchObject({ groupType: 'SYSTEM_CONTACT_GROUP', formattedName: 'My Contacts' });
    expect(byName.get('contactGroups/starred')).toMatchObject({ groupType: 'SYSTEM_CONTACT_GROUP' });
    const clients = data.contactGroups!.find((g) => g.name === 'Clients')!;
    expect(clients.groupType).toBe('USER_CONTACT_GROUP');
    expect(clients.memberCount).toBeGreaterThan(3);
    expect(data.nextSyncToken).toBeTruthy();
  });

  it('G-G2: create answers 409 ALREADY_EXISTS on a duplicate name; get with maxMembers lists members', async () => {
    const { data: created } = await api.contactGroups.create({ requestBody: { contactGroup: { name: 'Teamleader' } } });
    expect(created).toMatchObject({ name: 'Teamleader', groupType: 'USER_CONTACT_GROUP', resourceName: expect.stringMatching(/^contactGroups\/[0-9a-f]+$/) });
    const duplicate = await failure(api.contactGroups.create({ requestBody: { contactGroup: { name: 'Teamleader' } } }));
    expect(duplicate).toMatchObject({ status: 409, data: { error: { code: 409, status: 'ALREADY_EXISTS' } } });
    const clients = h.google.groups(LOTTE).find((g) => g.name === 'Clients')!;
    const { data } = await api.contactGroups.get({ resourceName: clients.resourceName, maxMembers: 2 });
    expect(data.memberResourceNames).toHaveLength(2);
    expect(data.memberCount).toBe(clients.memberCount);
  });

  it('G-G3: members:modify adds and removes; memberships show on the person; changes reach incremental sync', async () => {
    const { data: group } = await api.contactGroups.create({ requestBody: { contactGroup: { name: 'Export' } } });
    const full = await api.people.connections.list({ resourceName: 'people/me', personFields: 'memberships', pageSize: 1000, requestSyncToken: true });
    const [a, b] = full.data.connections!;
    const { data: modified } = await api.contactGroups.members.modify({
      resourceName: group.resourceName!,
      requestBody: { resourceNamesToAdd: [a.resourceName!, b.resourceName!, 'people/c1'] },
    });
    expect(modified).toEqual({ notFoundResourceNames: ['people/c1'] });
    const person = await api.people.get({ resourceName: a.resourceName!, personFields: 'memberships' });
    expect(groupsOf(person.data)).toContain(group.resourceName);
    await api.contactGroups.members.modify({ resourceName: group.resourceName!, requestBody: { resourceNamesToRemove: [b.resourceName!] } });
    const changes = await api.people.connections.list({ resourceName: 'people/me', personFields: 'memberships', syncToken: full.data.nextSyncToken! });
    const changedB = changes.data.connections!.find((p) => p.resourceName === b.resourceName)!;
    expect(groupsOf(changedB)).not.toContain(group.resourceName);
    expect(changes.data.connections!.map((p) => p.resourceName).sort()).toEqual([a.resourceName, b.resourceName].sort());
    const over = Array.from({ length: MODIFY_MEMBERS_LIMIT + 1 }, () => a.resourceName!);
    expect((await failure(api.contactGroups.members.modify({ resourceName: group.resourceName!, requestBody: { resourceNamesToAdd: over } }))).status).toBe(400);
  });

  it('G-G4: a contact cannot lose its last group; createContact puts contacts in myContacts plus named groups', async () => {
    const clients = h.google.groups(LOTTE).find((g) => g.name === 'Clients')!.resourceName;
    const { data: person } = await api.people.createContact({
      personFields: 'memberships',
      requestBody: { names: [{ givenName: 'Grouped', familyName: 'Person' }], memberships: [{ contactGroupMembership: { contactGroupResourceName: clients } }] },
    });
    expect(groupsOf(person).sort()).toEqual([clients, 'contactGroups/myContacts'].sort());
    await api.contactGroups.members.modify({ resourceName: 'contactGroups/myContacts', requestBody: { resourceNamesToRemove: [person.resourceName!] } });
    const { data } = await api.contactGroups.members.modify({ resourceName: clients, requestBody: { resourceNamesToRemove: [person.resourceName!] } });
    expect(data.canNotRemoveLastContactGroupResourceNames).toEqual([person.resourceName]);
    const unknownGroup = await failure(api.people.createContact({ requestBody: { names: [{ givenName: 'X' }], memberships: [{ contactGroupMembership: { contactGroupResourceName: 'contactGroups/nope' } }] } }));
    expect(unknownGroup.status).toBe(400);
  });

  it('G-G5: update renames (409 on clash), delete keeps contacts unless deleteContacts=true; system groups are protected', async () => {
    const { data: group } = await api.contactGroups.create({ requestBody: { contactGroup: { name: 'Temp' } } });
    const renamed = await api.contactGroups.update({ resourceName: group.resourceName!, requestBody: { contactGroup: { name: 'Temporary', etag: group.etag } } });
    expect(renamed.data.name).toBe('Temporary');
    expect((await failure(api.contactGroups.update({ resourceName: group.resourceName!, requestBody: { contactGroup: { name: 'Clients' } } }))).status).toBe(409);
    const [someone] = h.google.contacts(LOTTE);
    await api.contactGroups.members.modify({ resourceName: group.resourceName!, requestBody: { resourceNamesToAdd: [someone.resourceName as string] } });
    await api.contactGroups.delete({ resourceName: group.resourceName! });
    expect(h.google.getContact(LOTTE, someone.resourceName as string)).not.toBeNull();
    expect((await failure(api.contactGroups.get({ resourceName: group.resourceName! }))).status).toBe(404);
    expect((await failure(api.contactGroups.delete({ resourceName: 'contactGroups/myContacts' }))).status).toBe(400);
  });
});

describe('web UI and admin', () => {
  it('G-W1: /google/contacts lists accounts, contacts and an edit form', async () => {
    const accounts = await (await fetch(`${h.url}/google/contacts`)).text();
    expect(accounts).toContain(LOTTE);
    const list = await (await fetch(`${h.url}/google/contacts/${LOTTE}`)).text();
    expect(list).toContain('Marie Janssens');
    const [contact] = h.google.contacts(LOTTE);
    const detail = await (await fetch(`${h.url}/google/contacts/${LOTTE}/${(contact.resourceName as string).slice(7)}`)).text();
    expect(detail).toContain('name="givenName"');
    expect(detail).toContain(contact.etag as string);
  });

  it('G-W2: admin summary, config and generate endpoints', async () => {
    const summary = (await (await fetch(`${h.url}/google/_admin/accounts/${LOTTE}/contacts`)).json()) as any;
    expect(summary.total).toBe(h.google.contacts(LOTTE).length);
    const config = (await (await fetch(`${h.url}/google/_admin/config`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ writeQuotaPerMinute: 5 }) })).json()) as any;
    expect(config.writeQuotaPerMinute).toBe(5);
    const generated = await fetch(`${h.url}/google/_admin/accounts/${LOTTE}/generate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ count: 50 }) });
    expect(((await generated.json()) as any).created).toBe(50);
    const state = JSON.parse(JSON.stringify(h.google.getState()));
    h.google.setState(state);
    expect(h.google.contacts(LOTTE).length).toBe(summary.total + 50);
  });
});
