/** contacts.* endpoints (§4.4): list/info/add/update/delete, company links and tags. */
import { badRequest } from './errors';
import {
  createdResponse,
  dataResponse,
  emptyResponse,
  objectField,
  pageMeta,
  paginate,
  parseIds,
  parseIncludes,
  parsePage,
  parseSince,
  serializeAddress,
  type ApiCall,
  type Endpoint,
} from './api-support';
import type { ContactSort } from './store';
import type { ContactRecord } from './types';

const SORT_FIELDS = ['name', 'added_at', 'updated_at'] as const;

export function serializeContact(contact: ContactRecord, webBase: string, mode: 'info' | 'list', withCustomFields: boolean) {
  const primary = contact.addresses.find((a) => a.type === 'primary');
  return {
    id: contact.id,
    first_name: contact.first_name,
    last_name: contact.last_name,
    status: contact.status,
    salutation: contact.salutation,
    ...(mode === 'info' ? { vat_number: contact.vat_number } : {}),
    emails: contact.emails.map((e) => ({ ...e })),
    telephones: contact.telephones.map((t) => ({ ...t })),
    website: contact.website,
    ...(mode === 'info'
      ? { addresses: contact.addresses.map(serializeAddress) }
      : { primary_address: primary ? serializeAddress(primary).address : null }),
    gender: contact.gender,
    birthdate: contact.birthdate,
    iban: contact.iban,
    bic: contact.bic,
    national_identification_number: contact.national_identification_number,
    language: contact.language,
    payment_term: null,
    invoicing_preferences: { electronic_invoicing_address: null },
    ...(mode === 'info'
      ? {
          companies: contact.companies.map((link) => ({
            position: link.position,
            secondary_position: link.secondary_position,
            division: link.division,
            decision_maker: link.decision_maker,
            company: { type: 'company', id: link.company_id },
          })),
          remarks: contact.remarks,
        }
      : {}),
    tags: [...contact.tags],
    ...(withCustomFields
      ? { custom_fields: contact.custom_fields.map((f) => ({ definition: { type: 'customFieldDefinition', id: f.id }, value: f.value })) }
      : {}),
    marketing_mails_consent: contact.marketing_mails_consent,
    added_at: contact.added_at,
    updated_at: contact.updated_at,
    web_url: `${webBase}/contacts/${contact.id}`,
  };
}

function parseSort(body: Record<string, unknown>): ContactSort[] {
  if (body.sort === undefined || body.sort === null) return [{ field: 'name', order: 'asc' }];
  if (!Array.isArray(body.sort)) throw badRequest('sort must be an array');
  return body.sort.map((item, i) => {
    const { field, order = 'asc' } = (item ?? {}) as Record<string, unknown>;
    if (!SORT_FIELDS.includes(field as ContactSort['field'])) throw badRequest(`sort.${i}.field must be one of: ${SORT_FIELDS.join(', ')}`);
    if (order !== 'asc' && order !== 'desc') throw badRequest(`sort.${i}.order must be one of: asc, desc`);
    return { field: field as ContactSort['field'], order };
  });
}

function buildFilter(filter: Record<string, unknown>): (c: ContactRecord) => boolean {
  const ids = parseIds(filter.ids, 'filter.ids');
  const since = parseSince(filter.updated_since, 'filter.updated_since');
  const companyId = filter.company_id;
  if (companyId !== undefined && typeof companyId !== 'string') throw badRequest('filter.company_id must be a string');
  const term = filter.term === undefined ? null : String(filter.term).toLowerCase();
  const tags = filter.tags === undefined ? null : filter.tags;
  if (tags !== null && (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string'))) throw badRequest('filter.tags must be an array of strings');
  const status = filter.status;
  if (status !== undefined && status !== 'active' && status !== 'deactivated') throw badRequest('filter.status must be one of: active, deactivated');
  let email: string | null = null;
  if (filter.email !== undefined) {
    const e = filter.email as Record<string, unknown>;
    if (!e || typeof e.email !== 'string') throw badRequest('filter.email.email must be a string');
    if (e.type !== undefined && e.type !== 'primary') throw badRequest('filter.email.type must be one of: primary');
    email = e.email.toLowerCase();
  }
  const consent = filter.marketing_mails_consent;
  return (c) =>
    (!ids || ids.has(c.id)) &&
    (since === null || Date.parse(c.updated_at) >= since) &&
    (companyId === undefined || c.companies.some((l) => l.company_id === companyId)) &&
    (!tags || (tags as string[]).every((t) => c.tags.includes(t))) &&
    (status === undefined || c.status === status) &&
    (email === null || c.emails.some((e) => e.email.toLowerCase() === email)) &&
    (consent === undefined || c.marketing_mails_consent === consent) &&
    (term === null ||
      `${c.first_name ?? ''} ${c.last_name}`.toLowerCase().includes(term) ||
      c.emails.some((e) => e.email.toLowerCase().includes(term)) ||
      c.telephones.some((t) => t.number.toLowerCase().includes(term)));
}

const list: Endpoint = ({ body, accountId, store, webBase }) => {
  const page = parsePage(body);
  const includes = parseIncludes(body);
  const matches = store.sortedContacts(accountId, parseSort(body)).filter(buildFilter(objectField(body, 'filter')));
  const rows = paginate(matches, page).map((c) => serializeContact(c, webBase, 'list', includes.has('custom_fields')));
  return dataResponse(rows, pageMeta(includes, page, matches.length));
};

const info: Endpoint = ({ body, accountId, store, webBase }) =>
  dataResponse(serializeContact(store.requireContact(accountId, body.id), webBase, 'info', true));

const add: Endpoint = ({ body, accountId, userId, store }) => createdResponse('contact', store.createContact(accountId, body, userId).id);

const update: Endpoint = ({ body, accountId, userId, store }) => {
  if (typeof body.id !== 'string') throw badRequest('id must be a string');
  store.updateContact(accountId, body.id, body, userId);
  return emptyResponse();
};

const remove: Endpoint = ({ body, accountId, userId, store }) => {
  if (typeof body.id !== 'string') throw badRequest('id must be a string');
  store.deleteContact(accountId, body.id, userId);
  return emptyResponse();
};

const withId = (call: ApiCall): string => {
  if (typeof call.body.id !== 'string') throw badRequest('id must be a string');
  return call.body.id;
};

export const contactEndpoints: Record<string, Endpoint> = {
  'contacts.list': list,
  'contacts.info': info,
  'contacts.add': add,
  'contacts.update': update,
  'contacts.delete': remove,
  'contacts.linkToCompany': (call) => {
    call.store.linkContactToCompany(call.accountId, withId(call), call.body as { company_id: unknown }, call.userId);
    return emptyResponse();
  },
  'contacts.updateCompanyLink': (call) => {
    call.store.updateCompanyLink(call.accountId, withId(call), call.body as { company_id: unknown }, call.userId);
    return emptyResponse();
  },
  'contacts.unlinkFromCompany': (call) => {
    call.store.unlinkContactFromCompany(call.accountId, withId(call), call.body.company_id, call.userId);
    return emptyResponse();
  },
  'contacts.tag': (call) => {
    call.store.tagContact(call.accountId, withId(call), call.body.tags, true, call.userId);
    return emptyResponse();
  },
  'contacts.untag': (call) => {
    call.store.tagContact(call.accountId, withId(call), call.body.tags, false, call.userId);
    return emptyResponse();
  },
};
