/** `/api/v2/persons` (reference §3.2): cursor list, get, create, patch, soft delete, search. */
import { ApiRoutes, idParam, integerQuery, jsonBody, paginate, type ApiCaller } from './api-context';
import type { EmulatorDeps } from './emulator-deps';
import { ApiFailure } from './store';
import type { PersonRecord } from './types';
import { ok } from './wire-format';

export function registerPersonRoutes(api: ApiRoutes, { store }: EmulatorDeps): void {
  const visiblePerson = (caller: ApiCaller, id: number): PersonRecord => {
    const person = store.person(caller.company.id, id);
    if (!person || person.is_deleted || !store.canSee(caller.user, person)) throw new ApiFailure(404, 'Person not found');
    return person;
  };

  /** `custom_fields=key1,key2` narrows the custom_fields object (≤15 keys). */
  const serialize = (person: PersonRecord, query: URLSearchParams) => {
    const data = store.serializePerson(person);
    const wanted = query.get('custom_fields');
    if (wanted) {
      const keys = wanted.split(',');
      if (keys.length > 15) throw new ApiFailure(400, 'custom_fields accepts at most 15 keys.');
      const all = data.custom_fields as Record<string, unknown>;
      data.custom_fields = Object.fromEntries(keys.filter((k) => k in all).map((k) => [k, all[k]]));
    }
    return data;
  };

  api.add('GET', '/api/v2/persons', (req, caller) => {
    const query = req.url.searchParams;
    const orgId = integerQuery(query, 'org_id');
    // `ids`: up to 100 comma-separated ids (reference §3: "ids (≤100, comma)"); unknown or deleted ids are simply absent.
    const idList = query.get('ids');
    const ids = idList === null ? null : new Set(idList.split(',').map((x) => x.trim()).filter(Boolean).map(Number));
    if (ids && ([...ids].some((id) => !Number.isInteger(id) || id <= 0) || ids.size > 100)) throw new ApiFailure(400, 'ids must be up to 100 comma-separated integer ids.');
    const persons = store
      .personsOf(caller.company.id)
      .filter((p) => !p.is_deleted && (orgId === null || p.org_id === orgId) && (!ids || ids.has(p.id)) && store.canSee(caller.user, p));
    const { page, nextCursor } = paginate(persons, query);
    return ok(page.map((p) => serialize(p, query)), { next_cursor: nextCursor });
  });

  api.add('GET', '/api/v2/persons/search', (req, caller) => {
    const query = req.url.searchParams;
    const term = (query.get('term') ?? '').trim();
    const exact = query.get('exact_match') === 'true';
    if (term.length < (exact ? 1 : 2)) throw new ApiFailure(400, 'term must be at least 2 characters long (1 with exact_match).');
    const fields = (query.get('fields') ?? 'custom_fields,email,notes,phone,name').split(',');
    const orgId = integerQuery(query, 'organization_id');
    const needle = term.toLowerCase();
    const hit = (value: string | null | undefined) => {
      const v = (value ?? '').toLowerCase();
      return exact ? v === needle : v.includes(needle);
    };
    const contactSync = caller.company.contactSyncFields;
    const matches = store.personsOf(caller.company.id).filter((p) => {
      if (p.is_deleted || !store.canSee(caller.user, p) || (orgId !== null && p.org_id !== orgId)) return false;
      return (
        (fields.includes('name') && hit(p.name)) ||
        (fields.includes('email') && p.emails.some((x) => hit(x.value))) ||
        (fields.includes('phone') && p.phones.some((x) => hit(x.value) || hit(x.value.replace(/[^\d+]/g, '')))) ||
        (fields.includes('notes') && contactSync && hit(p.notes)) ||
        (fields.includes('custom_fields') && Object.values(p.custom_fields).some((v) => typeof v === 'string' && hit(v)))
      );
    });
    const { page, nextCursor } = paginate(matches, new URLSearchParams({ limit: query.get('limit') ?? '100', ...(query.get('cursor') ? { cursor: query.get('cursor')! } : {}) }));
    const items = page.map((p) => {
      const org = p.org_id ? store.organizationIncludingDeleted(caller.company.id, p.org_id) : undefined;
      return {
        result_score: p.name.toLowerCase() === needle ? 1 : 0.5,
        item: {
          id: p.id,
          type: 'person',
          name: p.name,
          phones: p.phones.map((x) => x.value),
          emails: p.emails.map((x) => x.value),
          visible_to: p.visible_to,
          owner: { id: p.owner_id },
          organization: org ? { id: org.id, name: org.name, address: org.address?.value ?? null } : null,
          custom_fields: Object.values(p.custom_fields).filter((v) => typeof v === 'string'),
          notes: contactSync && p.notes ? [p.notes] : [],
        },
      };
    });
    return ok({ items }, { next_cursor: nextCursor });
  });

  api.add('GET', '/api/v2/persons/:id', (req, caller) => ok(serialize(visiblePerson(caller, idParam(req)), req.url.searchParams)));

  api.add('POST', '/api/v2/persons', (req, caller) => {
    const person = store.createPerson(caller.company.id, jsonBody(req), { userId: caller.user.id, source: 'api' });
    return ok(store.serializePerson(person));
  });

  api.add('PATCH', '/api/v2/persons/:id', (req, caller) => {
    const id = idParam(req);
    visiblePerson(caller, id);
    const person = store.updatePerson(caller.company.id, id, jsonBody(req), { userId: caller.user.id, source: 'api' });
    return ok(store.serializePerson(person));
  });

  api.add('DELETE', '/api/v2/persons/:id', (req, caller) => {
    const id = idParam(req);
    visiblePerson(caller, id);
    store.deletePerson(caller.company.id, id, { userId: caller.user.id, source: 'api' });
    return ok({ id });
  });
}
