/**
 * People API v1 `contactGroups.*` methods: list (paging + sync token), get/batchGet (maxMembers),
 * create (409 on a duplicate name), update, delete, members:modify (≤1000 changes).
 */
import { expiredSyncToken, invalidArgument } from './google-errors';
import type { GoogleAccount, StoredGroup } from './google-state';
import { GROUPS_PAGE_SIZE_DEFAULT, GROUPS_PAGE_SIZE_MAX, MODIFY_MEMBERS_LIMIT, SYSTEM_GROUPS } from './person-fields';
import { iso } from './person-store';
import { body, decodeToken, encodeToken, ok, paramsKey, parseBoolean, parsePageSize, type ApiCall, type ApiRoute } from './api-support';

const GROUP_FIELDS = ['clientData', 'groupType', 'memberCount', 'metadata', 'name'];
const DEFAULT_GROUP_FIELDS = new Set(['groupType', 'memberCount', 'metadata', 'name']);
const PAGE_PREFIX = 'G';
const SYNC_PREFIX = 'GS';

function parseGroupFields(value: string | null | undefined, param = 'groupFields'): Set<string> {
  const paths = (value ?? '').split(',').map((p) => p.trim()).filter(Boolean);
  if (!paths.length) return DEFAULT_GROUP_FIELDS;
  for (const path of paths) {
    if (!GROUP_FIELDS.includes(path)) throw invalidArgument(`Invalid ${param} mask path: "${path}". Valid paths are: ${GROUP_FIELDS.join(', ')}.`, param);
  }
  return new Set(paths);
}

function groupName(id: string): string {
  return id.startsWith('contactGroups/') ? id : `contactGroups/${id}`;
}

export function groupToWire(
  account: GoogleAccount,
  group: StoredGroup,
  fields: Set<string>,
  counts: Map<string, number>,
  members?: string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = { resourceName: group.resourceName, etag: group.etag };
  if (group.deleted) return { ...out, metadata: { updateTime: iso(group.updateTime), deleted: true } };
  if (fields.has('metadata')) out.metadata = { updateTime: iso(group.updateTime) };
  if (fields.has('groupType')) out.groupType = group.groupType;
  if (fields.has('name')) {
    out.name = group.name;
    out.formattedName = SYSTEM_GROUPS.find((s) => s.resourceName === group.resourceName)?.formattedName ?? group.name;
  }
  // proto3 JSON omits zero counts, like Google does for empty groups.
  const count = counts.get(group.resourceName) ?? 0;
  if (fields.has('memberCount') && count) out.memberCount = count;
  if (fields.has('clientData') && group.clientData?.length) out.clientData = group.clientData;
  if (members?.length) out.memberResourceNames = members;
  return out;
}

function orderedGroups(account: GoogleAccount): StoredGroup[] {
  const all = Object.values(account.groups);
  const system = all.filter((g) => g.groupType === 'SYSTEM_CONTACT_GROUP');
  const user = all.filter((g) => g.groupType === 'USER_CONTACT_GROUP').sort((a, b) => a.resourceName.localeCompare(b.resourceName));
  return [...system, ...user];
}

function listGroups(call: ApiCall) {
  const { account, query, store, now } = call;
  const fields = parseGroupFields(query.get('groupFields'));
  const pageSize = parsePageSize(query.get('pageSize'), GROUPS_PAGE_SIZE_DEFAULT, GROUPS_PAGE_SIZE_MAX);
  const syncValue = query.get('syncToken');
  const key = paramsKey([account.sub, [...fields].sort(), syncValue, pageSize]);
  let offset = 0;
  let cursor = account.seq;
  const pageValue = query.get('pageToken');
  if (pageValue) {
    const page = decodeToken<{ k: string; o: number; c: number }>(PAGE_PREFIX, pageValue);
    if (!page || page.k !== key) throw invalidArgument('Invalid pageToken or parameters do not match the page token.', 'page_token');
    offset = page.o;
    cursor = page.c;
  }
  let groups = orderedGroups(account);
  if (syncValue) {
    const sync = decodeToken<{ a: string; c: number; t: number }>(SYNC_PREFIX, syncValue);
    if (!sync || sync.a !== account.sub) throw invalidArgument('Sync token is invalid.', 'sync_token');
    if (sync.t + call.config.syncTokenLifetimeSeconds * 1000 <= now) throw expiredSyncToken();
    groups = groups.filter((g) => g.seq > sync.c && g.seq <= cursor);
  } else {
    groups = groups.filter((g) => !g.deleted);
  }
  const counts = store.memberCounts(account);
  const slice = groups.slice(offset, offset + pageSize);
  const result: Record<string, unknown> = { contactGroups: slice.map((g) => groupToWire(account, g, fields, counts)) };
  result.totalItems = groups.length;
  if (offset + pageSize < groups.length) result.nextPageToken = encodeToken(PAGE_PREFIX, { k: key, o: offset + pageSize, c: cursor });
  else result.nextSyncToken = encodeToken(SYNC_PREFIX, { a: account.sub, c: cursor, t: now });
  return ok(result);
}

function readGroup(call: ApiCall, resourceName: string, fields: Set<string>, maxMembers: number) {
  const group = call.store.getGroup(call.account, resourceName);
  const members = maxMembers > 0 ? call.store.members(call.account, resourceName).slice(0, maxMembers) : undefined;
  return groupToWire(call.account, group, fields, call.store.memberCounts(call.account), members);
}

function parseMaxMembers(value: string | null): number {
  if (!value) return 0;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw invalidArgument('Invalid maxMembers.', 'max_members');
  return n;
}

function getGroup(call: ApiCall, id: string) {
  const fields = parseGroupFields(call.query.get('groupFields'));
  return ok(readGroup(call, groupName(id), fields, parseMaxMembers(call.query.get('maxMembers'))));
}

function batchGetGroups(call: ApiCall) {
  const fields = parseGroupFields(call.query.get('groupFields'));
  const names = call.query.getAll('resourceNames');
  if (!names.length) throw invalidArgument('resourceNames is required.', 'resource_names');
  if (names.length > 200) throw invalidArgument('Too many resource names: at most 200 are allowed per request.', 'resource_names');
  const maxMembers = parseMaxMembers(call.query.get('maxMembers'));
  const responses = names.map((name) => {
    try {
      return { requestedResourceName: name, contactGroup: readGroup(call, groupName(name), fields, maxMembers), status: {} };
    } catch (error) {
      return { requestedResourceName: name, status: { code: 5, message: (error as Error).message } };
    }
  });
  return ok({ responses });
}

function createGroup(call: ApiCall) {
  const input = body<{ contactGroup?: { name?: unknown; clientData?: unknown }; readGroupFields?: string }>(call);
  if (!input.contactGroup) throw invalidArgument('contactGroup is required.', 'contact_group');
  const fields = parseGroupFields(input.readGroupFields, 'readGroupFields');
  const group = call.store.createGroup(call.account, input.contactGroup.name, input.contactGroup.clientData, call.now);
  return ok(groupToWire(call.account, group, fields, call.store.memberCounts(call.account)));
}

function updateGroup(call: ApiCall, id: string) {
  const input = body<{ contactGroup?: Record<string, unknown>; updateGroupFields?: string; readGroupFields?: string }>(call);
  if (!input.contactGroup) throw invalidArgument('contactGroup is required.', 'contact_group');
  const update = new Set((input.updateGroupFields ?? 'name').split(',').map((f) => f.trim()).filter(Boolean));
  for (const f of update) if (!['name', 'clientData'].includes(f)) throw invalidArgument(`Invalid updateGroupFields mask path: "${f}".`, 'update_group_fields');
  const fields = parseGroupFields(input.readGroupFields, 'readGroupFields');
  const group = call.store.updateGroup(call.account, groupName(id), input.contactGroup, update, call.now);
  return ok(groupToWire(call.account, group, fields, call.store.memberCounts(call.account)));
}

function deleteGroup(call: ApiCall, id: string) {
  call.store.deleteGroup(call.account, groupName(id), parseBoolean(call.query.get('deleteContacts')), call.write);
  return ok({});
}

function modifyMembers(call: ApiCall, id: string) {
  const input = body<{ resourceNamesToAdd?: string[]; resourceNamesToRemove?: string[] }>(call);
  const add = input.resourceNamesToAdd ?? [];
  const remove = input.resourceNamesToRemove ?? [];
  if (!Array.isArray(add) || !Array.isArray(remove)) throw invalidArgument('resourceNamesToAdd and resourceNamesToRemove must be lists.');
  if (add.length + remove.length > MODIFY_MEMBERS_LIMIT) {
    throw invalidArgument(`Too many resource names: at most ${MODIFY_MEMBERS_LIMIT} contacts can be added or removed per request.`, 'resource_names_to_add');
  }
  return ok(call.store.modifyMembers(call.account, groupName(id), add, remove, call.write));
}

const route = (name: string, isWrite: boolean, run: ApiRoute['run']): ApiRoute => ({ name, isWrite, run });

/** Maps `/v1/contactGroups...` to a route, or null (→ 404). */
export function resolveContactGroupsRoute(method: string, path: string): ApiRoute | null {
  const rest = path.slice('/v1/'.length);
  if (rest === 'contactGroups') {
    if (method === 'GET') return route('contactGroups.list', false, listGroups);
    if (method === 'POST') return route('contactGroups.create', true, createGroup);
    return null;
  }
  if (rest === 'contactGroups:batchGet' && method === 'GET') return route('contactGroups.batchGet', false, batchGetGroups);
  const members = /^contactGroups\/([^/:]+)\/members:modify$/.exec(rest);
  if (members && method === 'POST') return route('contactGroups.members.modify', true, (c) => modifyMembers(c, members[1]));
  const one = /^contactGroups\/([^/:]+)$/.exec(rest);
  if (!one) return null;
  const id = decodeURIComponent(one[1]);
  if (method === 'GET') return route('contactGroups.get', false, (c) => getGroup(c, id));
  if (method === 'PUT') return route('contactGroups.update', true, (c) => updateGroup(c, id));
  if (method === 'DELETE') return route('contactGroups.delete', true, (c) => deleteGroup(c, id));
  return null;
}
