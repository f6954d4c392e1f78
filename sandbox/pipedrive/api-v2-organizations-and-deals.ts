/** `/api/v2/organizations` (reference §3.3) and `/api/v2/deals` (read only). */
import { ApiRoutes, idParam, integerQuery, jsonBody, paginate, type ApiCaller } from './api-context';
import type { EmulatorDeps } from './emulator-deps';
import { ApiFailure } from './store';
import { ok } from './wire-format';

export function registerOrganizationAndDealRoutes(api: ApiRoutes, { store }: EmulatorDeps): void {
  const visibleOrganization = (caller: ApiCaller, id: number) => {
    const org = store.organization(caller.company.id, id);
    if (!org || !store.canSee(caller.user, org)) throw new ApiFailure(404, 'Organization not found');
    return org;
  };
  const actor = (caller: ApiCaller) => ({ userId: caller.user.id, source: 'api' as const });

  api.add('GET', '/api/v2/organizations', (req, caller) => {
    const orgs = store.organizationsOf(caller.company.id).filter((o) => !o.is_deleted && store.canSee(caller.user, o));
    const { page, nextCursor } = paginate(orgs, req.url.searchParams);
    return ok(page.map((o) => store.serializeOrganization(o)), { next_cursor: nextCursor });
  });

  api.add('GET', '/api/v2/organizations/search', (req, caller) => {
    const query = req.url.searchParams;
    const term = (query.get('term') ?? '').trim();
    const exact = query.get('exact_match') === 'true';
    if (term.length < (exact ? 1 : 2)) throw new ApiFailure(400, 'term must be at least 2 characters long (1 with exact_match).');
    const needle = term.toLowerCase();
    const matches = store
      .organizationsOf(caller.company.id)
      .filter((o) => !o.is_deleted && store.canSee(caller.user, o))
      .filter((o) => (exact ? o.name.toLowerCase() === needle : o.name.toLowerCase().includes(needle)));
    const { page, nextCursor } = paginate(matches, new URLSearchParams({ limit: query.get('limit') ?? '100', ...(query.get('cursor') ? { cursor: query.get('cursor')! } : {}) }));
    const items = page.map((o) => ({
      result_score: o.name.toLowerCase() === needle ? 1 : 0.5,
      item: { id: o.id, type: 'organization', name: o.name, address: o.address?.value ?? null, visible_to: o.visible_to, owner: { id: o.owner_id }, custom_fields: [] },
    }));
    return ok({ items }, { next_cursor: nextCursor });
  });

  api.add('GET', '/api/v2/organizations/:id', (req, caller) => ok(store.serializeOrganization(visibleOrganization(caller, idParam(req)))));

  api.add('POST', '/api/v2/organizations', (req, caller) => ok(store.serializeOrganization(store.createOrganization(caller.company.id, jsonBody(req), actor(caller)))));

  api.add('PATCH', '/api/v2/organizations/:id', (req, caller) => {
    const id = idParam(req);
    visibleOrganization(caller, id);
    return ok(store.serializeOrganization(store.updateOrganization(caller.company.id, id, jsonBody(req), actor(caller))));
  });

  api.add('DELETE', '/api/v2/organizations/:id', (req, caller) => {
    const id = idParam(req);
    visibleOrganization(caller, id);
    store.deleteOrganization(caller.company.id, id, actor(caller));
    return ok({ id });
  });

  api.add('GET', '/api/v2/deals', (req, caller) => {
    const query = req.url.searchParams;
    const personId = integerQuery(query, 'person_id');
    const orgId = integerQuery(query, 'org_id');
    const status = query.get('status');
    const deals = store
      .dealsOf(caller.company.id)
      .filter((d) => !d.is_deleted && store.canSee(caller.user, d))
      .filter((d) => (personId === null || d.person_id === personId) && (orgId === null || d.org_id === orgId))
      .filter((d) => !status || status.split(',').includes(d.status));
    const { page, nextCursor } = paginate(deals, query);
    return ok(page.map((d) => store.serializeDeal(d)), { next_cursor: nextCursor });
  });

  api.add('GET', '/api/v2/deals/:id', (req, caller) => {
    const deal = store.deal(caller.company.id, idParam(req));
    if (!deal || deal.is_deleted || !store.canSee(caller.user, deal)) throw new ApiFailure(404, 'Deal not found');
    return ok(store.serializeDeal(deal));
  });
}
