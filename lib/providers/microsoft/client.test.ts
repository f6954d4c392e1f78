/**
 * The Microsoft adapter against the in-process Graph emulator (plain http, path-prefixed base URL):
 * the same client code path as production, with a token from the emulator's own OAuth flow.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GraphError } from '@microsoft/microsoft-graph-client';
import { setEnvForTests } from '@/lib/env';
import { SyncError } from '@/lib/errors';
import { InvalidGrantError } from '@/lib/auth/token-manager';
import { normalizeContact, type Contact } from '@/lib/sync/contacts/model';
import { signIn, startMicrosoftSandbox, type TestSandbox } from '@/sandbox/microsoft/test-support';
import type { ContactProvider } from '../port';
import { createMicrosoftProvider, toGraphPath } from './client';
import { isGraphUnauthorized, mapGraphError } from './errors';
import { GRAPH_REF_EXTENSION } from './mapper';
import { refreshMicrosoftToken } from './oauth';

const OLIVIA = 'olivia.northwind@outlook.com';

const person = (first: string, patch: Partial<Contact> = {}): Contact =>
  normalizeContact({
    firstName: first,
    lastName: 'Tester',
    emails: [{ value: `${first.toLowerCase()}@example.com`, type: 'other' }],
    phones: [{ value: '+32 470 00 00 01', type: 'mobile' }],
    address: { street: 'Kerkstraat 1', city: 'Gent', postalCode: '9000', country: 'Belgium' },
    organization: 'Synclane',
    organizationPhone: null,
    jobTitle: 'Engineer',
    notes: 'Synced through personalNotes (C10).',
    birthday: '1990-04-12',
    ims: [],
    ...patch,
  });

let sandbox: TestSandbox;
let token: string;
let refreshToken: string;
let counter: { count: number };
let provider: ContactProvider;

beforeAll(async () => {
  sandbox = await startMicrosoftSandbox();
  setEnvForTests({
    SYNCLANE_ENV: 'sandbox',
    DATA_DIR: mkdtempSync(path.join(tmpdir(), 'synclane-ms-client-')),
    MICROSOFT_AUTHORITY: `${sandbox.url}/microsoft/common`,
    MICROSOFT_GRAPH_URL: `${sandbox.url}/microsoft/graph`,
    MICROSOFT_CLIENT_ID: sandbox.ctx.app.microsoft.clientId,
    MICROSOFT_CLIENT_SECRET: sandbox.ctx.app.microsoft.clientSecret,
  });
});
afterAll(() => sandbox.close());
beforeEach(async () => {
  sandbox.microsoft.reset();
  const { tokens } = await signIn(sandbox, OLIVIA);
  token = tokens.access_token;
  refreshToken = tokens.refresh_token!;
  counter = { count: 0 };
  provider = createMicrosoftProvider({ withToken: (call) => call(token), counter });
});

describe('Microsoft Graph adapter (emulator)', () => {
  it('toGraphPath strips origin, any base path and /v1.0 (production and sandbox links)', () => {
    expect(toGraphPath('https://graph.microsoft.com/v1.0/me/contactFolders/A/contacts/delta?$deltatoken=x.y')).toBe('/me/contactFolders/A/contacts/delta?$deltatoken=x.y');
    expect(toGraphPath('http://localhost:4000/microsoft/graph/v1.0/me/contacts?$skip=10')).toBe('/me/contacts?$skip=10');
    expect(toGraphPath('/me/contacts')).toBe('/me/contacts');
  });

  it('C3: lists contact folders including the default "Contacts" folder; ensureGroup creates once', async () => {
    const groups = await provider.listGroups();
    const folders = sandbox.microsoft.folders(OLIVIA);
    expect(groups.map((g) => g.name)).toEqual(['Contacts', 'Clients', 'Family']);
    expect(groups[0].id).toBe(folders.find((f) => f.isDefault)!.id);
    expect(groups.every((g) => !g.system)).toBe(true);

    const created = await provider.ensureGroup('Pipedrive');
    expect(await provider.ensureGroup('Pipedrive')).toEqual(created);
    expect(await provider.getGroup(created.id)).toEqual({ id: created.id, name: 'Pipedrive' });
    expect(await provider.getGroup('AAMkADFmZGIdoesnotexist0000000000000000AAA_')).toBeNull();
    expect(sandbox.microsoft.folders(OLIVIA).filter((f) => f.displayName === 'Pipedrive')).toHaveLength(1);
  });

  it('create → delta → update → delete round trip, with immutable ids, ref stamps and call counting', async () => {
    const folder = await provider.ensureGroup('Synclane test');
    const first = await provider.listChanges(folder.id, null, null);
    expect(first).toMatchObject({ items: [], deletedIds: [], nextPageCursor: null, isFullPass: true });
    expect(first.syncCursor).toMatch(/\/contacts\/delta\?\$deltatoken=/);

    const created = await provider.createContacts([{ ref: 'crm:1', contact: person('Ada') }, { ref: 'crm:2', contact: person('Alan') }], folder.id);
    expect(created.map((r) => r.error)).toEqual([undefined, undefined]);
    const stored = sandbox.microsoft.contacts(OLIVIA, folder.id);
    // Prefer: IdType="ImmutableId" on every request → the ids we keep are the immutable ones.
    expect(created.map((r) => r.remoteId)).toEqual(stored.map((c) => c.immutableId));
    expect(stored[0].fields.personalNotes).toBe('Synced through personalNotes (C10).');
    expect(stored[0].extensions).toEqual([expect.objectContaining({ extensionName: GRAPH_REF_EXTENSION, ref: 'crm:1' })]);

    const refs = await provider.findByRefs(folder.id, new Set(['crm:1', 'crm:2', 'crm:3']));
    expect([...refs.keys()].sort()).toEqual(['crm:1', 'crm:2']);
    expect(refs.get('crm:1')!.remoteId).toBe(created[0].remoteId);

    const changes = await provider.listChanges(folder.id, first.syncCursor, null);
    expect(changes.isFullPass).toBe(false);
    expect(changes.items.map((i) => i.contact)).toEqual([person('Ada'), person('Alan')]);
    expect(changes.items[0]).toMatchObject({ remoteId: created[0].remoteId, etag: created[0].etag });

    const fetched = await provider.getContact(created[0].remoteId!);
    expect(fetched).toMatchObject({ remoteId: created[0].remoteId, ref: 'crm:1', contact: person('Ada') });

    const updated = await provider.updateContacts(
      [{ ref: 'crm:1', remoteId: created[0].remoteId!, etag: created[0].etag!, contact: person('Ada', { jobTitle: 'Countess' }) }],
      folder.id,
    );
    expect(updated[0].error).toBeUndefined();
    expect(updated[0].etag).not.toBe(created[0].etag);
    expect(sandbox.microsoft.getContact(OLIVIA, created[0].remoteId!)!.fields.jobTitle).toBe('Countess');

    expect(await provider.deleteContacts([created[1].remoteId!])).toEqual([{ remoteId: created[1].remoteId }]);
    // Already gone is fine.
    expect(await provider.deleteContacts([created[1].remoteId!])).toEqual([{ remoteId: created[1].remoteId }]);
    expect(await provider.getContact(created[1].remoteId!)).toBeNull();

    const after = await provider.listChanges(folder.id, changes.syncCursor, null);
    expect(after.items.map((i) => [i.remoteId, i.contact.jobTitle])).toEqual([[created[0].remoteId, 'Countess']]);
    expect(after.deletedIds).toEqual([created[1].remoteId]);
    expect(counter.count).toBeGreaterThan(10);
    expect(counter.count).toBe(Object.values(sandbox.microsoft.requestCounts(OLIVIA)).reduce((a, b) => a + b, 0));
  });

  it('§5.3: multi-value limits are respected on writes (never more than Graph accepts)', async () => {
    const folder = await provider.ensureGroup('Limits');
    const many = person('Max', {
      emails: ['a', 'b', 'c', 'd'].map((x) => ({ value: `${x}@example.com`, type: 'work' })),
      phones: ['1', '2', '3'].map((x) => ({ value: `+3240000000${x}`, type: 'work' })),
      ims: ['a', 'b', 'c', 'd'].map((value) => ({ value, type: 'other' })),
    });
    const [created] = await provider.createContacts([{ ref: 'crm:max', contact: many }], folder.id);
    expect(created.error).toBeUndefined();
    const stored = sandbox.microsoft.getContact(OLIVIA, created.remoteId!)!;
    expect(stored.fields.emailAddresses).toHaveLength(3);
    expect(stored.fields.businessPhones).toHaveLength(2);
    expect(stored.fields.imAddresses).toHaveLength(3);
    const [updated] = await provider.updateContacts([{ ref: 'crm:max', remoteId: created.remoteId!, etag: null, contact: many }], folder.id);
    expect(updated.error).toBeUndefined();
  });

  it('a stale etag is re-read once and the update goes through (same as the Google adapter)', async () => {
    const folder = await provider.ensureGroup('Etags');
    const [created] = await provider.createContacts([{ ref: 'crm:e', contact: person('Eve') }], folder.id);
    sandbox.microsoft.updateContact(OLIVIA, created.remoteId!, { jobTitle: 'Changed in Outlook' });
    const [updated] = await provider.updateContacts([{ ref: 'crm:e', remoteId: created.remoteId!, etag: created.etag!, contact: person('Eve', { jobTitle: 'From CRM' }) }], folder.id);
    expect(updated.error).toBeUndefined();
    expect(sandbox.microsoft.getContact(OLIVIA, created.remoteId!)!.fields.jobTitle).toBe('From CRM');
  });

  it('full pass pages through nextLinks on the emulator origin; the last page carries the sync cursor', async () => {
    const folder = await provider.ensureGroup('Bulk');
    sandbox.microsoft.generateContacts(OLIVIA, folder.id, 450);
    let pageCursor: string | null = null;
    let pages = 0;
    let items = 0;
    let syncCursor: string | null = null;
    do {
      const page = await provider.listChanges(folder.id, null, pageCursor);
      pages++;
      items += page.items.length;
      pageCursor = page.nextPageCursor;
      syncCursor = page.syncCursor;
      if (pageCursor) expect(syncCursor).toBeNull();
    } while (pageCursor);
    expect(pages).toBe(3);
    expect(items).toBe(450);
    expect(syncCursor).toMatch(/\$deltatoken=/);
  });

  it('§5.4: an invalidated delta token → cursor_invalid', async () => {
    const folder = await provider.ensureGroup('Expiry');
    const { syncCursor } = await provider.listChanges(folder.id, null, null);
    sandbox.microsoft.invalidateDeltaTokens(OLIVIA);
    await expect(provider.listChanges(folder.id, syncCursor, null)).rejects.toMatchObject({ code: 'cursor_invalid' });
  });

  it('errors: 401 stays raw for the token manager; 403 → insufficient_permission; 400 → validation', async () => {
    const unauthorized = createMicrosoftProvider({ withToken: (call) => call('not-a-token') });
    const error = await unauthorized.listGroups().catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(SyncError);
    expect((error as { statusCode?: number }).statusCode).toBe(401);

    const { tokens } = await signIn(sandbox, OLIVIA, { scope: 'openid offline_access User.Read' });
    const readless = createMicrosoftProvider({ withToken: (call) => call(tokens.access_token) });
    await expect(readless.listGroups()).rejects.toMatchObject({ code: 'insufficient_permission' });

    await expect(provider.getContact('not-an-id')).rejects.toMatchObject({ code: 'validation' });
  });

  it('R2: refresh tokens rotate; a revoked one is invalid_grant', async () => {
    const next = await refreshMicrosoftToken(refreshToken);
    expect(next.accessToken).toBeTruthy();
    expect(next.refreshToken).toBeTruthy();
    expect(next.refreshToken).not.toBe(refreshToken);
    expect(next.expiresAt!.getTime()).toBeGreaterThan(Date.now());
    const rotated = createMicrosoftProvider({ withToken: (call) => call(next.accessToken) });
    expect((await rotated.listGroups()).length).toBeGreaterThan(0);

    sandbox.microsoft.revokeAll(OLIVIA);
    await expect(refreshMicrosoftToken(next.refreshToken!)).rejects.toBeInstanceOf(InvalidGrantError);
  });
});

describe('Graph JSON batching of writes (Performance: 20 per $batch call)', () => {
  const throttledBody = { error: { code: 'ApplicationThrottled', message: 'Application is over its MailboxConcurrency limit.' } };
  const refOfStored = (c: { extensions: { extensionName: string; ref?: unknown }[] }) => c.extensions.find((e) => e.extensionName === GRAPH_REF_EXTENSION)?.ref;

  it('45 creates, updates and deletes are 3 calls each; results come back per item, in item order', async () => {
    const folder = await provider.ensureGroup('Batched');
    const items = Array.from({ length: 45 }, (_, i) => ({ ref: `crm:${i}`, contact: person(`P${i}`) }));
    counter.count = 0;
    const created = await provider.createContacts(items, folder.id);
    expect(counter.count).toBe(3);
    const stored = new Map(sandbox.microsoft.contacts(OLIVIA, folder.id).map((c) => [refOfStored(c), c]));
    expect(stored.size).toBe(45);
    created.forEach((r, i) => expect(r).toEqual({ ref: `crm:${i}`, remoteId: stored.get(`crm:${i}`)!.immutableId, etag: expect.stringMatching(/^W\/"/) }));
    expect(created[7]!.etag).toBe((await provider.getContact(created[7]!.remoteId!))!.etag);

    counter.count = 0;
    const updated = await provider.updateContacts(created.map((r, i) => ({ ref: r.ref, remoteId: r.remoteId!, etag: r.etag!, contact: person(`P${i}`, { jobTitle: 'Batched' }) })), folder.id);
    expect(counter.count).toBe(3);
    updated.forEach((r, i) => {
      expect(r).toEqual({ ref: `crm:${i}`, remoteId: created[i]!.remoteId, etag: expect.stringMatching(/^W\/"/) });
      expect(r.etag).not.toBe(created[i]!.etag);
    });
    expect(sandbox.microsoft.contacts(OLIVIA, folder.id).every((c) => c.fields.jobTitle === 'Batched')).toBe(true);

    counter.count = 0;
    const ids = created.map((r) => r.remoteId!);
    expect(await provider.deleteContacts(ids)).toEqual(ids.map((remoteId) => ({ remoteId })));
    expect(counter.count).toBe(3);
    expect(sandbox.microsoft.contacts(OLIVIA, folder.id)).toHaveLength(0);
  });

  it('per item as before: a malformed id is validation, a gone contact is not_found on update and done on delete — in one call', async () => {
    const folder = await provider.ensureGroup('Per item');
    const [a, b] = await provider.createContacts([{ ref: 'crm:a', contact: person('Ann') }, { ref: 'crm:b', contact: person('Bob') }], folder.id);
    sandbox.microsoft.deleteContact(OLIVIA, b!.remoteId!);
    counter.count = 0;
    const updated = await provider.updateContacts(
      [
        { ref: 'crm:a', remoteId: a!.remoteId!, etag: a!.etag!, contact: person('Ann', { jobTitle: 'Kept' }) },
        { ref: 'crm:b', remoteId: b!.remoteId!, etag: b!.etag!, contact: person('Bob', { jobTitle: 'Gone' }) },
        { ref: 'crm:x', remoteId: 'not-an-id', etag: null, contact: person('Xavier') },
      ],
      folder.id,
    );
    expect(counter.count).toBe(1);
    expect(updated[0]).toEqual({ ref: 'crm:a', remoteId: a!.remoteId, etag: expect.stringMatching(/^W\/"/) });
    expect(updated[1]).toMatchObject({ ref: 'crm:b', error: { code: 'not_found' } });
    expect(updated[2]).toMatchObject({ ref: 'crm:x', error: { code: 'validation' } });

    counter.count = 0;
    const deleted = await provider.deleteContacts([a!.remoteId!, b!.remoteId!, 'not-an-id']);
    expect(counter.count).toBe(1);
    expect(deleted).toEqual([{ remoteId: a!.remoteId }, { remoteId: b!.remoteId }, { remoteId: 'not-an-id', error: expect.objectContaining({ code: 'validation' }) }]);
  });

  it('412: the stale items are re-read in one batch and written again in one more — 3 calls; still stale → precondition_failed, gone → not_found', async () => {
    const folder = await provider.ensureGroup('Stale');
    const created = await provider.createContacts(['Cy', 'Di', 'Ed', 'Flo'].map((n) => ({ ref: `crm:${n}`, contact: person(n) })), folder.id);
    for (const i of [0, 2]) sandbox.microsoft.updateContact(OLIVIA, created[i]!.remoteId!, { jobTitle: 'Changed in Outlook' });
    counter.count = 0;
    const updated = await provider.updateContacts(created.map((r, i) => ({ ref: r.ref, remoteId: r.remoteId!, etag: r.etag!, contact: person(['Cy', 'Di', 'Ed', 'Flo'][i]!, { jobTitle: 'From CRM' }) })), folder.id);
    expect(counter.count).toBe(3);
    expect(updated.map((r) => r.error)).toEqual([undefined, undefined, undefined, undefined]);
    expect(sandbox.microsoft.contacts(OLIVIA, folder.id).map((c) => c.fields.jobTitle)).toEqual(['From CRM', 'From CRM', 'From CRM', 'From CRM']);

    // Flo keeps answering 412; Ed is deleted between our write and the re-read.
    const flo = created[3]!.remoteId!;
    const ed = created[2]!.remoteId!;
    sandbox.microsoft.faults.add({ method: 'PATCH', path: `${flo}$`, status: 412, times: 2, body: { error: { code: 'ErrorIrresolvableConflict', message: 'The change key passed in the request does not match the current change key for the item.' } } });
    sandbox.microsoft.faults.add({ method: 'PATCH', path: `${ed}$`, status: 412, times: 1, body: { error: { code: 'ErrorIrresolvableConflict', message: 'stale' } } });
    sandbox.microsoft.faults.add({ method: 'GET', path: `${ed}\\?`, status: 404, times: 1, body: { error: { code: 'ErrorItemNotFound', message: 'The specified object was not found in the store.' } } });
    const again = await provider.updateContacts([{ ref: 'crm:Ed', remoteId: ed, etag: null, contact: person('Ed') }, { ref: 'crm:Flo', remoteId: flo, etag: null, contact: person('Flo') }], folder.id);
    expect(again[0]).toMatchObject({ ref: 'crm:Ed', error: { code: 'not_found' } });
    expect(again[1]).toMatchObject({ ref: 'crm:Flo', error: { code: 'precondition_failed' } });
  });

  it('a request throttled inside the batch (429 with its own Retry-After) goes again alone; nothing is created twice', async () => {
    const folder = await provider.ensureGroup('Throttled');
    sandbox.microsoft.faults.add({ method: 'POST', path: 'contactFolders/[^/]+/contacts$', skip: 1, times: 2, status: 429, headers: { 'retry-after': '1' }, body: throttledBody });
    counter.count = 0;
    const t0 = performance.now();
    const created = await provider.createContacts(['Gus', 'Hal', 'Ida', 'Jo', 'Kim'].map((n) => ({ ref: `crm:${n}`, contact: person(n) })), folder.id);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(950);
    expect(counter.count).toBe(2);
    expect(created.map((r) => r.error)).toEqual(Array(5).fill(undefined));
    const stored = sandbox.microsoft.contacts(OLIVIA, folder.id);
    expect(stored.map(refOfStored).sort()).toEqual(['crm:Gus', 'crm:Hal', 'crm:Ida', 'crm:Jo', 'crm:Kim']);
    expect(created.map((r) => r.remoteId).sort()).toEqual(stored.map((c) => c.immutableId).sort());
  });

  it('a throttle longer than we hold a batch for is the engine\'s to wait: rate_limited with its Retry-After, at once', async () => {
    const folder = await provider.ensureGroup('Long wait');
    const [c] = await provider.createContacts([{ ref: 'crm:l', contact: person('Lou') }], folder.id);
    sandbox.microsoft.faults.add({ method: 'PATCH', path: `${c!.remoteId}$`, status: 429, headers: { 'retry-after': '600' }, body: throttledBody });
    counter.count = 0;
    await expect(provider.updateContacts([{ ref: 'crm:l', remoteId: c!.remoteId!, etag: null, contact: person('Lou') }], folder.id)).rejects.toMatchObject({ code: 'rate_limited', options: { retryAfterMs: 600_000 } });
    expect(counter.count).toBe(1);
  });

  it('503 in the batch: a PATCH is sent again (safe to repeat), a POST is not (it may have been applied) — thrown as temporary, like a lone call', async () => {
    const folder = await provider.ensureGroup('Unavailable');
    const [c] = await provider.createContacts([{ ref: 'crm:m', contact: person('Max') }], folder.id);
    sandbox.microsoft.faults.add({ method: 'PATCH', path: `${c!.remoteId}$`, status: 503, times: 1, headers: { 'retry-after': '0' }, body: { error: { code: 'serviceNotAvailable', message: 'busy' } } });
    counter.count = 0;
    const [updated] = await provider.updateContacts([{ ref: 'crm:m', remoteId: c!.remoteId!, etag: null, contact: person('Max', { jobTitle: 'After 503' }) }], folder.id);
    expect(updated!.error).toBeUndefined();
    expect(counter.count).toBe(2);

    sandbox.microsoft.faults.add({ method: 'POST', path: 'contactFolders/[^/]+/contacts$', phase: 'after', status: 503, times: 1, body: { error: { code: 'serviceNotAvailable', message: 'busy' } } });
    counter.count = 0;
    await expect(provider.createContacts([{ ref: 'crm:n', contact: person('Ned') }], folder.id)).rejects.toMatchObject({ code: 'temporary' });
    expect(counter.count).toBe(1);
    expect(sandbox.microsoft.contacts(OLIVIA, folder.id).filter((s) => refOfStored(s) === 'crm:n')).toHaveLength(1);
  });

  it('a failure of the batch itself behaves like a lone call: 503 → temporary (a POST is not retried), 429 → retried by the SDK, 401 → the token manager refreshes', async () => {
    const folder = await provider.ensureGroup('Whole batch');
    sandbox.microsoft.faults.add({ method: 'POST', path: '\\$batch$', status: 503, times: 1, body: { error: { code: 'serviceNotAvailable', message: 'busy' } } });
    counter.count = 0;
    await expect(provider.createContacts([{ ref: 'crm:o', contact: person('Olga') }], folder.id)).rejects.toMatchObject({ code: 'temporary' });
    expect(counter.count).toBe(1);

    sandbox.microsoft.faults.add({ method: 'POST', path: '\\$batch$', status: 429, times: 1, headers: { 'retry-after': '0' }, body: throttledBody });
    counter.count = 0;
    const [created] = await provider.createContacts([{ ref: 'crm:p', contact: person('Pia') }], folder.id);
    expect(created!.error).toBeUndefined();
    expect(counter.count).toBe(2);

    const tokens: string[] = [];
    const refreshing = createMicrosoftProvider({
      withToken: async (call) => {
        try {
          return await call((tokens.push('expired'), 'expired'));
        } catch (error) {
          if (!isGraphUnauthorized(error)) throw error;
          return call((tokens.push('fresh'), token));
        }
      },
    });
    const [viaRefresh] = await refreshing.createContacts([{ ref: 'crm:q', contact: person('Quinn') }], folder.id);
    expect(viaRefresh!.error).toBeUndefined();
    expect(tokens).toEqual(['expired', 'fresh']);
    // The 503 came before Graph ran anything: Olga was not created.
    expect(sandbox.microsoft.contacts(OLIVIA, folder.id).map(refOfStored).sort()).toEqual(['crm:p', 'crm:q']);
  });
});

describe('mapGraphError', () => {
  const graphError = (statusCode: number, code: string, headers: Record<string, string> = {}) => {
    const e = new GraphError(statusCode, `${code} happened`);
    e.code = code;
    e.headers = new Headers(headers);
    e.body = JSON.stringify({ code, message: `${code} happened` });
    return e;
  };
  it.each([
    [410, 'syncStateNotFound', 'cursor_invalid'],
    [400, 'resyncRequired', 'cursor_invalid'],
    [400, 'syncStateNotFound', 'cursor_invalid'],
    [404, 'ErrorItemNotFound', 'not_found'],
    [403, 'ErrorAccessDenied', 'insufficient_permission'],
    [400, 'ErrorInvalidIdMalformed', 'validation'],
    [409, 'ErrorFolderExists', 'validation'],
    [412, 'ErrorIrresolvableConflict', 'precondition_failed'],
    [500, 'InternalServerError', 'temporary'],
    [503, 'serviceNotAvailable', 'temporary'],
  ])('§5.6: %i %s → %s', (status, code, expected) => {
    const mapped = mapGraphError(graphError(status, code));
    expect(mapped).toBeInstanceOf(SyncError);
    expect((mapped as SyncError).code).toBe(expected);
  });

  it('§5.6: 429 → rate_limited with Retry-After', () => {
    expect(mapGraphError(graphError(429, 'ApplicationThrottled', { 'retry-after': '7' }))).toMatchObject({ code: 'rate_limited', options: { retryAfterMs: 7000 } });
  });

  it('401 stays raw (token manager refreshes and retries once)', () => {
    const e = graphError(401, 'InvalidAuthenticationToken');
    expect(mapGraphError(e)).toBe(e);
    expect(isGraphUnauthorized(e)).toBe(true);
    expect(isGraphUnauthorized(graphError(403, 'ErrorAccessDenied'))).toBe(false);
  });
});
