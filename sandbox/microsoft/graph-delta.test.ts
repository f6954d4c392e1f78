import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Client, GraphError } from '@microsoft/microsoft-graph-client';
import { graphClient, signIn, startMicrosoftSandbox, toApiPath, type TestSandbox } from './test-support';

const OLIVIA = 'olivia.northwind@outlook.com';
const PREFER = 'IdType="ImmutableId", odata.maxpagesize=5';

type DeltaItem = Record<string, any> & { id: string; '@removed'?: { reason: string } };
type DeltaPage = { value: DeltaItem[]; '@odata.nextLink'?: string; '@odata.deltaLink'?: string };

let sandbox: TestSandbox;
let client: Client;
let clientsFolderId: string;
let familyFolderId: string;

beforeAll(async () => {
  sandbox = await startMicrosoftSandbox();
});
afterAll(() => sandbox.close());
beforeEach(async () => {
  sandbox.microsoft.reset();
  const token = (await signIn(sandbox, OLIVIA)).tokens.access_token;
  client = graphClient(sandbox, () => token);
  const folders = sandbox.microsoft.folders(OLIVIA);
  clientsFolderId = folders.find((f) => f.displayName === 'Clients')!.id;
  familyFolderId = folders.find((f) => f.displayName === 'Family')!.id;
});

/** The app's delta loop: follow nextLinks until a deltaLink, stripping origin + /v1.0 before client.api(). */
async function syncRound(start: string, prefer = PREFER): Promise<{ items: DeltaItem[]; pages: DeltaPage[]; deltaLink: string }> {
  const pages: DeltaPage[] = [];
  let url = start;
  for (;;) {
    const page = (await client.api(url).header('Prefer', prefer).get()) as DeltaPage;
    pages.push(page);
    if (page['@odata.nextLink']) {
      url = toApiPath(page['@odata.nextLink']);
      continue;
    }
    return { items: pages.flatMap((p) => p.value), pages, deltaLink: page['@odata.deltaLink']! };
  }
}

const folderDelta = (folderId: string) => `/me/contactFolders/${folderId}/contacts/delta`;

describe('Microsoft Graph contact delta emulator', () => {
  it('MD1: a full sync pages with odata.maxpagesize and absolute nextLinks, then ends with a deltaLink', async () => {
    sandbox.microsoft.generateContacts(OLIVIA, clientsFolderId, 13);
    const expected = sandbox.microsoft.contacts(OLIVIA, clientsFolderId).map((c) => c.immutableId).sort();
    const { items, pages, deltaLink } = await syncRound(`${folderDelta(clientsFolderId)}?$select=givenName,surname,emailAddresses`);
    expect(pages.length).toBeGreaterThan(3);
    for (const page of pages.slice(0, -1)) {
      expect(page['@odata.nextLink']!.startsWith(`${sandbox.url}/microsoft/graph/v1.0/me/contactFolders/${clientsFolderId}/contacts/delta?$skiptoken=`)).toBe(true);
      expect(page.value.length).toBeLessThanOrEqual(5);
    }
    expect(deltaLink.startsWith(`${sandbox.url}/microsoft/graph/v1.0/me/contactFolders/${clientsFolderId}/contacts/delta?$deltatoken=`)).toBe(true);
    expect(items.map((i) => i.id).sort()).toEqual(expected);
    expect(Object.keys(items[0]).sort()).toEqual(['@odata.etag', 'emailAddresses', 'givenName', 'id', 'surname']);
    expect(items.some((i) => i['@removed'])).toBe(false);
  });

  it('MD2: the next round reports creates and updates in full and deletes as @removed tombstones', async () => {
    const { deltaLink } = await syncRound(folderDelta(clientsFolderId));
    const [first, second] = sandbox.microsoft.contacts(OLIVIA, clientsFolderId);
    const created = await client.api(`/me/contactFolders/${clientsFolderId}/contacts`).header('Prefer', PREFER).post({ givenName: 'New', surname: 'Client' });
    await client.api(`/me/contacts/${first.immutableId}`).patch({ jobTitle: 'Chief Buyer' });
    await client.api(`/me/contacts/${second.immutableId}`).delete();
    sandbox.microsoft.createContact(OLIVIA, familyFolderId, { givenName: 'Elsewhere' });

    const next = await syncRound(toApiPath(deltaLink));
    const byId = new Map(next.items.map((i) => [i.id, i]));
    expect(next.items).toHaveLength(3);
    expect(byId.get(created.id)).toMatchObject({ givenName: 'New', surname: 'Client', displayName: 'New Client' });
    expect(byId.get(first.immutableId)).toMatchObject({ jobTitle: 'Chief Buyer', givenName: first.fields.givenName, changeKey: expect.any(String) });
    expect(byId.get(second.immutableId)).toEqual({ id: second.immutableId, '@removed': { reason: 'deleted' } });

    const quiet = await syncRound(toApiPath(next.deltaLink));
    expect(quiet.items).toEqual([]);
    expect(quiet.deltaLink).toBeTruthy();
  });

  it('MD3: a move shows as @removed in the source folder and as a create in the destination, same immutable id', async () => {
    const source = await syncRound(folderDelta(clientsFolderId));
    const destination = await syncRound(folderDelta(familyFolderId));
    const mover = sandbox.microsoft.contacts(OLIVIA, clientsFolderId)[0];
    const oldRegularId = mover.regularId;
    sandbox.microsoft.moveContact(OLIVIA, mover.immutableId, familyFolderId);

    const fromSource = await syncRound(toApiPath(source.deltaLink));
    expect(fromSource.items).toEqual([{ id: mover.immutableId, '@removed': { reason: 'deleted' } }]);
    const intoDestination = await syncRound(toApiPath(destination.deltaLink));
    expect(intoDestination.items).toEqual([expect.objectContaining({ id: mover.immutableId, parentFolderId: familyFolderId })]);

    // Without the ImmutableId preference the regular ids show the change.
    const regular = await syncRound(folderDelta(familyFolderId), 'odata.maxpagesize=50');
    expect(regular.items.map((i) => i.id)).toContain(sandbox.microsoft.getContact(OLIVIA, mover.immutableId)!.regularId);
    expect(regular.items.map((i) => i.id)).not.toContain(oldRegularId);
  });

  it('MD4: an expired delta token answers 410 syncStateNotFound with a fresh delta URL in Location', async () => {
    sandbox.microsoft.config({ deltaTokenLifetimeSeconds: 60 });
    const { deltaLink, items } = await syncRound(`${folderDelta(clientsFolderId)}?$select=givenName`);
    sandbox.advanceClock(61_000);
    const error = (await client.api(toApiPath(deltaLink)).header('Prefer', PREFER).get().catch((e) => e)) as GraphError;
    expect(error.statusCode).toBe(410);
    expect(error.code).toBe('syncStateNotFound');
    const location = error.headers!.get('location')!;
    expect(location).toBe(`${sandbox.url}/microsoft/graph/v1.0/me/contactFolders/${clientsFolderId}/contacts/delta?$select=givenName`);
    const resync = await syncRound(toApiPath(location));
    expect(resync.items.map((i) => i.id).sort()).toEqual(items.map((i) => i.id).sort());
  });

  it('MD5: invalidate-delta (admin) and tampered tokens both answer 410', async () => {
    const { deltaLink } = await syncRound(folderDelta(clientsFolderId));
    const tampered = toApiPath(deltaLink).replace(/\$deltatoken=./, '$deltatoken=Z');
    expect(((await client.api(tampered).get().catch((e) => e)) as GraphError).statusCode).toBe(410);
    expect((await client.api(toApiPath(deltaLink)).get()).value).toEqual([]);

    await fetch(`${sandbox.url}/microsoft/_admin/accounts/${OLIVIA}/invalidate-delta`, { method: 'POST' });
    expect(((await client.api(toApiPath(deltaLink)).get().catch((e) => e)) as GraphError).statusCode).toBe(410);
  });

  it('MD6: writes made during a round appear in the next round, not twice in the current one', async () => {
    sandbox.microsoft.generateContacts(OLIVIA, clientsFolderId, 10);
    const firstPage = (await client.api(folderDelta(clientsFolderId)).header('Prefer', PREFER).get()) as DeltaPage;
    const alreadySeen = firstPage.value[0].id;
    await client.api(`/me/contacts/${alreadySeen}`).patch({ jobTitle: 'Changed mid-round' });
    const added = sandbox.microsoft.createContact(OLIVIA, clientsFolderId, { givenName: 'Late' });
    const rest = await syncRound(toApiPath(firstPage['@odata.nextLink']!));
    const ids = [...firstPage.value, ...rest.items].map((i) => i.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).not.toContain(added.immutableId);
    const next = await syncRound(toApiPath(rest.deltaLink));
    expect(next.items.map((i) => i.id).sort()).toEqual([alreadySeen, added.immutableId].sort());
  });

  it('MD7: /me/contacts/delta covers the default folder and expands extensions when asked', async () => {
    const { items, deltaLink } = await syncRound('/me/contacts/delta?$expand=extensions', 'odata.maxpagesize=100');
    expect(items.map((i) => i.id).sort()).toEqual(sandbox.microsoft.contacts(OLIVIA).map((c) => c.regularId).sort());
    expect(items.every((i) => Array.isArray(i.extensions))).toBe(true);
    expect(deltaLink.startsWith(`${sandbox.url}/microsoft/graph/v1.0/me/contacts/delta?$deltatoken=`)).toBe(true);
  });

  it('MD8: a 20,000-contact folder syncs completely through the client at maxpagesize 1000', async () => {
    sandbox.microsoft.generateContacts(OLIVIA, familyFolderId, 20_000);
    const { items, pages } = await syncRound(`${folderDelta(familyFolderId)}?$select=givenName`, 'odata.maxpagesize=1000');
    expect(items).toHaveLength(20_002);
    expect(pages.length).toBeGreaterThanOrEqual(21);
  });
});
