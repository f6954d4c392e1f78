/**
 * People API v1 `people.*` methods (providers.md §4.2–4.4): connections.list with paging and sync
 * tokens, get/batchGet, create/update/delete (single and batch), contact photos, searchContacts.
 */
import { expiredSyncToken, invalidArgument } from './google-errors';
import type { StoredContact } from './google-state';
import {
  BATCH_CREATE_LIMIT,
  BATCH_DELETE_LIMIT,
  BATCH_GET_LIMIT,
  BATCH_UPDATE_LIMIT,
  CONNECTIONS_PAGE_SIZE_DEFAULT,
  CONNECTIONS_PAGE_SIZE_MAX,
  MY_CONTACTS,
  SORT_ORDERS,
  type SortOrder,
} from './person-fields';
import { compareKeys, displayNameOf, makeEtag, type Person, type SortKey } from './person-store';
import {
  body,
  decodeToken,
  encodeToken,
  ok,
  paramsKey,
  parseBoolean,
  parseMask,
  parsePageSize,
  type ApiCall,
  type ApiRoute,
} from './api-support';

const CONTACT_NAME = /^people\/c\d+$/;
const PAGE_PREFIX = 'P';
const SYNC_PREFIX = 'S';

type PageToken = { k: string; after?: SortKey; cursor: number; from?: number };
type SyncToken = { a: string; c: number; t: number };

function requireContactName(resourceName: string): string {
  if (!CONTACT_NAME.test(resourceName)) throw invalidArgument(`Resource name "${resourceName}" is not a valid contact person resource name.`, 'resource_name');
  return resourceName;
}

/** First index whose key sorts strictly after `after` (keys are sorted ascending). */
function indexAfter(keys: SortKey[], after: SortKey | undefined): number {
  if (!after) return 0;
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareKeys(keys[mid], after) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// ------------------------------------------------------------------ connections.list

function listConnections(call: ApiCall) {
  const { query, account, store, now } = call;
  const fields = parseMask(query.get('personFields'), 'personFields', { required: true, method: 'connections/list' });
  const pageSize = parsePageSize(query.get('pageSize'), CONNECTIONS_PAGE_SIZE_DEFAULT, CONNECTIONS_PAGE_SIZE_MAX);
  const sortOrder = (query.get('sortOrder') ?? 'LAST_MODIFIED_ASCENDING') as SortOrder;
  if (!SORT_ORDERS.includes(sortOrder)) throw invalidArgument(`Invalid value at 'sort_order' (type.googleapis.com/google.people.v1.ListConnectionsRequest.SortOrder), "${sortOrder}"`, 'sort_order');
  const requestSyncToken = parseBoolean(query.get('requestSyncToken'));
  const syncTokenValue = query.get('syncToken');
  const key = paramsKey([account.sub, [...fields].sort(), sortOrder, requestSyncToken, syncTokenValue, query.getAll('sources').sort(), pageSize]);

  let page: PageToken | undefined;
  const pageTokenValue = query.get('pageToken');
  if (pageTokenValue) {
    page = decodeToken<PageToken>(PAGE_PREFIX, pageTokenValue) ?? undefined;
    if (!page) throw invalidArgument('Invalid pageToken.', 'page_token');
    if (page.k !== key) throw invalidArgument('Parameters provided to the list request do not match the page token. All parameters except pageToken must match the call that provided the page token.', 'page_token');
  }

  let items: StoredContact[];
  let keys: SortKey[];
  let cursor: number;
  if (syncTokenValue) {
    const sync = decodeToken<SyncToken>(SYNC_PREFIX, syncTokenValue);
    if (!sync || sync.a !== account.sub) throw invalidArgument('Sync token is invalid.', 'sync_token');
    if (sync.t + call.config.syncTokenLifetimeSeconds * 1000 <= now) throw expiredSyncToken();
    cursor = page?.cursor ?? store.visibleCursor(account, now);
    items = store.changesBetween(account, page?.from ?? sync.c, cursor);
    keys = items.map((c) => [c.seq]);
    page = page ?? { k: key, cursor, from: sync.c };
  } else {
    cursor = page?.cursor ?? store.visibleCursor(account, now);
    ({ list: items, keys } = store.sorted(account, sortOrder));
    page = page ?? { k: key, cursor };
  }

  const start = indexAfter(keys, page.after);
  const slice = items.slice(start, start + pageSize);
  const result: Record<string, unknown> = {};
  if (slice.length) result.connections = slice.map((c) => store.toWire(account, c, fields));
  if (start + pageSize < items.length) {
    result.nextPageToken = encodeToken(PAGE_PREFIX, { ...page, after: keys[start + pageSize - 1] });
  } else if (requestSyncToken || syncTokenValue) {
    // Google's own incremental-sync sample sends only syncToken and still gets a nextSyncToken.
    result.nextSyncToken = encodeToken(SYNC_PREFIX, { a: account.sub, c: cursor, t: now } satisfies SyncToken);
  }
  result.totalPeople = items.length;
  result.totalItems = items.length;
  return ok(result);
}

// ------------------------------------------------------------------ get / batchGet

function profilePerson(call: ApiCall, fields: Set<string>): Person {
  const { account } = call;
  const etag = makeEtag(`profile:${account.sub}`);
  const source = { type: 'PROFILE', id: account.sub };
  const person: Person = { resourceName: `people/${account.sub}`, etag };
  if (fields.has('metadata')) person.metadata = { sources: [{ ...source, etag }], objectType: 'PERSON' };
  if (fields.has('names')) person.names = [{ metadata: { primary: true, source }, displayName: account.name, familyName: account.familyName, givenName: account.givenName, displayNameLastFirst: `${account.familyName}, ${account.givenName}`, unstructuredName: account.name }];
  if (fields.has('emailAddresses')) person.emailAddresses = [{ metadata: { primary: true, verified: true, source: { type: 'ACCOUNT', id: account.sub } }, value: account.email }];
  if (fields.has('photos')) person.photos = [{ metadata: { primary: true, source }, url: `${call.req.url.origin}/google/photos/default/${encodeURIComponent(account.givenName[0] ?? '?')}`, default: true }];
  if (fields.has('locales')) person.locales = [{ metadata: { primary: true, source }, value: account.locale }];
  return person;
}

function readPerson(call: ApiCall, resourceName: string, fields: Set<string>): Person {
  if (resourceName === 'people/me' || resourceName === `people/${call.account.sub}`) return profilePerson(call, fields);
  requireContactName(resourceName);
  return call.store.toWire(call.account, call.store.getLive(call.account, resourceName), fields);
}

function getPerson(call: ApiCall, resourceName: string) {
  const fields = parseMask(call.query.get('personFields'), 'personFields', { required: true, method: 'get' });
  return ok(readPerson(call, resourceName, fields));
}

function batchGet(call: ApiCall) {
  const fields = parseMask(call.query.get('personFields'), 'personFields', { required: true, method: 'getBatchGet' });
  const names = call.query.getAll('resourceNames');
  if (!names.length) throw invalidArgument('resourceNames is required: specify at least one resource name.', 'resource_names');
  if (names.length > BATCH_GET_LIMIT) throw invalidArgument(`Too many resource names: at most ${BATCH_GET_LIMIT} are allowed per request.`, 'resource_names');
  const responses = names.map((name) => {
    try {
      return { requestedResourceName: name, httpStatusCode: 200, person: readPerson(call, name, fields), status: {} };
    } catch (error) {
      const code = error instanceof Error && 'code' in error ? Number((error as { code: number }).code) : 500;
      return { requestedResourceName: name, httpStatusCode: code, status: { code: code === 404 ? 5 : 3, message: (error as Error).message } };
    }
  });
  return ok({ responses });
}

// ------------------------------------------------------------------ writes

function createContact(call: ApiCall) {
  const fields = parseMask(call.query.get('personFields'), 'personFields', { required: false, method: 'createContact' });
  const contact = call.store.createContact(call.account, body(call), call.write);
  return ok(call.store.toWire(call.account, contact, fields));
}

function updateContact(call: ApiCall, resourceName: string) {
  requireContactName(resourceName);
  const update = parseMask(call.query.get('updatePersonFields'), 'updatePersonFields', { required: true, method: 'updateContact' });
  const fields = parseMask(call.query.get('personFields'), 'personFields', { required: false, method: 'updateContact' });
  const input = body(call);
  if (typeof input.resourceName === 'string' && input.resourceName !== resourceName) {
    throw invalidArgument('person.resourceName must match the resource name in the request URL.', 'person.resource_name');
  }
  const contact = call.store.updateContact(call.account, resourceName, input, update, call.write);
  return ok(call.store.toWire(call.account, contact, fields));
}

function deleteContact(call: ApiCall, resourceName: string) {
  call.store.deleteContact(call.account, requireContactName(resourceName), call.write);
  return ok({});
}

function batchCreate(call: ApiCall) {
  const input = body<{ contacts?: { contactPerson?: unknown }[]; readMask?: string }>(call);
  const fields = parseMask(input.readMask, 'readMask', { required: true, method: 'batchCreateContacts' });
  const contacts = input.contacts ?? [];
  if (!Array.isArray(contacts) || !contacts.length) throw invalidArgument('contacts is required: specify at least one contact to create.', 'contacts');
  if (contacts.length > BATCH_CREATE_LIMIT) throw invalidArgument(`Too many contacts in request: at most ${BATCH_CREATE_LIMIT} contacts can be created per request.`, 'contacts');
  // All-or-nothing: validate every contact before writing any.
  const parsed = contacts.map((c, i) => {
    if (!c?.contactPerson) throw invalidArgument(`contacts[${i}].contactPerson is required.`, `contacts[${i}].contact_person`);
    const { fields: personFields, groups } = call.store.parsePersonInput(c.contactPerson);
    const resolved = call.store.resolveGroups(call.account, groups ?? []);
    return { personFields, groups: [MY_CONTACTS, ...resolved.filter((g) => g !== MY_CONTACTS)] };
  });
  const createdPeople = parsed.map((p) => {
    const contact = call.store.insertContact(call.account, p.personFields, p.groups, call.write);
    return { requestedResourceName: contact.resourceName, httpStatusCode: 200, person: call.store.toWire(call.account, contact, fields), status: {} };
  });
  return ok({ createdPeople });
}

function batchUpdate(call: ApiCall) {
  const input = body<{ contacts?: Record<string, unknown>; updateMask?: string; readMask?: string }>(call);
  const update = parseMask(input.updateMask, 'updateMask', { required: true, method: 'batchUpdateContacts' });
  const fields = parseMask(input.readMask, 'readMask', { required: true, method: 'batchUpdateContacts' });
  const entries = Object.entries(input.contacts ?? {});
  if (!entries.length) throw invalidArgument('contacts is required: specify at least one contact to update.', 'contacts');
  if (entries.length > BATCH_UPDATE_LIMIT) throw invalidArgument(`Too many contacts in request: at most ${BATCH_UPDATE_LIMIT} contacts can be updated per request.`, 'contacts');
  const prepared = entries.map(([name, person]) => call.store.prepareUpdate(call.account, requireContactName(name), person, update));
  const updateResult: Record<string, unknown> = {};
  prepared.forEach((p, i) => {
    const contact = call.store.applyUpdate(call.account, p, update, call.write);
    updateResult[entries[i][0]] = { requestedResourceName: entries[i][0], httpStatusCode: 200, person: call.store.toWire(call.account, contact, fields), status: {} };
  });
  return ok({ updateResult });
}

function batchDelete(call: ApiCall) {
  const input = body<{ resourceNames?: string[] }>(call);
  const names = input.resourceNames ?? [];
  if (!Array.isArray(names) || !names.length) throw invalidArgument('resourceNames is required: specify at least one contact to delete.', 'resource_names');
  if (names.length > BATCH_DELETE_LIMIT) throw invalidArgument(`Too many resource names: at most ${BATCH_DELETE_LIMIT} contacts can be deleted per request.`, 'resource_names');
  const unique = [...new Set(names)];
  for (const name of unique) call.store.getLive(call.account, requireContactName(name));
  for (const name of unique) call.store.deleteContact(call.account, name, call.write);
  return ok({});
}

function updatePhoto(call: ApiCall, resourceName: string) {
  requireContactName(resourceName);
  const input = body<{ photoBytes?: string; personFields?: string }>(call);
  if (!input.photoBytes || typeof input.photoBytes !== 'string') throw invalidArgument('photoBytes is required.', 'photo_bytes');
  const bytes = Buffer.from(input.photoBytes.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  const contact = call.store.setPhoto(call.account, resourceName, bytes, call.write);
  return ok(input.personFields ? { person: call.store.toWire(call.account, contact, parseMask(input.personFields, 'personFields', { required: true, method: 'updateContactPhoto' })) } : {});
}

function deletePhoto(call: ApiCall, resourceName: string) {
  requireContactName(resourceName);
  const contact = call.store.deletePhoto(call.account, resourceName, call.write);
  const personFields = call.query.get('personFields');
  return ok(personFields ? { person: call.store.toWire(call.account, contact, parseMask(personFields, 'personFields', { required: true, method: 'deleteContactPhoto' })) } : {});
}

function searchContacts(call: ApiCall) {
  const fields = parseMask(call.query.get('readMask'), 'readMask', { required: true, method: 'searchContacts' });
  const pageSize = parsePageSize(call.query.get('pageSize'), 10, 30);
  const q = (call.query.get('query') ?? '').trim().toLowerCase();
  if (!q) return ok({});
  const matches = call.store.sorted(call.account, 'FIRST_NAME_ASCENDING').list.filter((c) => searchableText(c).includes(q));
  const results = matches.slice(0, pageSize).map((c) => ({ person: call.store.toWire(call.account, c, fields) }));
  return ok(results.length ? { results } : {});
}

function searchableText(contact: StoredContact): string {
  const p = contact.person as Record<string, { value?: string; name?: string }[] | undefined>;
  return [displayNameOf(contact.person), ...(p.emailAddresses ?? []).map((e) => e.value), ...(p.phoneNumbers ?? []).map((e) => e.value), ...(p.organizations ?? []).map((o) => o.name)]
    .filter(Boolean)
    .join(' ')
    .toLowerCase();
}

// ------------------------------------------------------------------ routing

const route = (name: string, isWrite: boolean, run: (call: ApiCall) => ReturnType<ApiRoute['run']>): ApiRoute => ({ name, isWrite, run });

/** Maps `/v1/people...` to a route, or null (→ 404). */
export function resolvePeopleRoute(method: string, path: string): ApiRoute | null {
  const rest = path.slice('/v1/'.length);
  if (method === 'GET' && rest === 'people/me/connections') return route('people.connections.list', false, listConnections);
  if (method === 'GET' && rest === 'people:batchGet') return route('people.getBatchGet', false, batchGet);
  if (method === 'GET' && rest === 'people:searchContacts') return route('people.searchContacts', false, searchContacts);
  if (method === 'POST' && rest === 'people:createContact') return route('people.createContact', true, createContact);
  if (method === 'POST' && rest === 'people:batchCreateContacts') return route('people.batchCreateContacts', true, batchCreate);
  if (method === 'POST' && rest === 'people:batchUpdateContacts') return route('people.batchUpdateContacts', true, batchUpdate);
  if (method === 'POST' && rest === 'people:batchDeleteContacts') return route('people.batchDeleteContacts', true, batchDelete);
  const m = /^(people\/[^/:]+)(?::([A-Za-z]+))?$/.exec(decodeURIComponent(rest));
  if (!m) return null;
  const [, resourceName, verb] = m;
  if (!verb && method === 'GET') return route('people.get', false, (c) => getPerson(c, resourceName));
  if (verb === 'updateContact' && method === 'PATCH') return route('people.updateContact', true, (c) => updateContact(c, resourceName));
  if (verb === 'deleteContact' && method === 'DELETE') return route('people.deleteContact', true, (c) => deleteContact(c, resourceName));
  if (verb === 'updateContactPhoto' && method === 'PATCH') return route('people.updateContactPhoto', true, (c) => updatePhoto(c, resourceName));
  if (verb === 'deleteContactPhoto' && method === 'DELETE') return route('people.deleteContactPhoto', true, (c) => deletePhoto(c, resourceName));
  return null;
}
