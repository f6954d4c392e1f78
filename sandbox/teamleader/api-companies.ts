/** companies.list / companies.info / companies.add (§4.5): company names, phones and addresses; apps create companies for their contacts. */
import { badRequest } from './errors';
import {
  createdResponse,
  dataResponse,
  objectField,
  pageMeta,
  paginate,
  parseIds,
  parseIncludes,
  parsePage,
  parseSince,
  serializeAddress,
  type Endpoint,
} from './api-support';
import type { CompanyRecord } from './types';

export function serializeCompany(company: CompanyRecord, webBase: string, mode: 'info' | 'list', withCustomFields: boolean) {
  const primary = company.addresses.find((a) => a.type === 'primary');
  return {
    id: company.id,
    name: company.name,
    status: company.status,
    business_type: null,
    vat_number: company.vat_number,
    national_identification_number: company.national_identification_number,
    emails: company.emails.map((e) => ({ ...e })),
    telephones: company.telephones.map((t) => ({ ...t })),
    website: company.website,
    ...(mode === 'info'
      ? { addresses: company.addresses.map(serializeAddress) }
      : { primary_address: primary ? serializeAddress(primary).address : null }),
    iban: company.iban,
    bic: company.bic,
    language: company.language,
    preferred_currency: 'EUR',
    payment_term: null,
    invoicing_preferences: { electronic_invoicing_address: null },
    responsible_user: company.responsible_user_id ? { type: 'user', id: company.responsible_user_id } : null,
    ...(mode === 'info' ? { remarks: company.remarks } : {}),
    tags: [...company.tags],
    ...(withCustomFields
      ? { custom_fields: company.custom_fields.map((f) => ({ definition: { type: 'customFieldDefinition', id: f.id }, value: f.value })) }
      : {}),
    marketing_mails_consent: company.marketing_mails_consent,
    added_at: company.added_at,
    updated_at: company.updated_at,
    web_url: `${webBase}/companies/${company.id}`,
  };
}

const collator = new Intl.Collator('nl', { sensitivity: 'base' });

export const companyEndpoints: Record<string, Endpoint> = {
  'companies.list': ({ body, accountId, store, webBase }) => {
    const filter = objectField(body, 'filter');
    const ids = parseIds(filter.ids, 'filter.ids');
    const since = parseSince(filter.updated_since, 'filter.updated_since');
    const term = filter.term === undefined ? null : String(filter.term).toLowerCase();
    const tags = filter.tags as string[] | undefined;
    if (tags !== undefined && !Array.isArray(tags)) throw badRequest('filter.tags must be an array of strings');
    const email = (filter.email as { email?: string } | undefined)?.email?.toLowerCase();
    const page = parsePage(body);
    const includes = parseIncludes(body);
    const matches = store
      .companiesOf(accountId)
      .filter(
        (c) =>
          (!ids || ids.has(c.id)) &&
          (since === null || Date.parse(c.updated_at) >= since) &&
          (!tags || tags.every((t) => c.tags.includes(t))) &&
          (filter.status === undefined || c.status === filter.status) &&
          (filter.vat_number === undefined || c.vat_number === filter.vat_number) &&
          (email === undefined || c.emails.some((e) => e.email.toLowerCase() === email)) &&
          (term === null ||
            c.name.toLowerCase().includes(term) ||
            (c.vat_number ?? '').toLowerCase().includes(term) ||
            c.emails.some((e) => e.email.toLowerCase().includes(term)) ||
            c.telephones.some((t) => t.number.includes(term))),
      )
      .sort((a, b) => collator.compare(a.name, b.name) || (a.id < b.id ? -1 : 1));
    const rows = paginate(matches, page).map((c) => serializeCompany(c, webBase, 'list', includes.has('custom_fields')));
    return dataResponse(rows, pageMeta(includes, page, matches.length));
  },
  'companies.add': ({ body, accountId, store, userId }) => createdResponse('company', store.createCompany(accountId, body, userId).id),
  'companies.info': ({ body, accountId, store, webBase }) =>
    dataResponse(serializeCompany(store.requireCompany(accountId, body.id), webBase, 'info', true)),
};
