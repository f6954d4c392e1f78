/**
 * The account data of the emulated Teamleader Focus (contacts, companies, custom field definitions,
 * webhook registrations) and every mutation of it. The API, the host web UI and the in-process helpers
 * all go through these methods, so each path bumps `updated_at` and fires webhooks the same way.
 */
import type { SandboxContext } from '../lib/types';
import {
  parseContactPatch,
  parseCustomFieldsStrategy,
  type ContactPatch,
} from './contact-input';
import { createDemoState, generatedContact } from './demo-data';
import { badRequest, forbidden, notFound } from './errors';
import { formatTimestamp, randomId } from './ids';
import {
  WEBHOOK_TYPES,
  type CompanyRecord,
  type ContactRecord,
  type CustomFieldContext,
  type CustomFieldDefinition,
  type TeamleaderState,
  type TeamleaderUser,
  type Webhook,
} from './types';

export type ChangeEvent = {
  accountId: string;
  type: string;
  subject: { type: 'contact' | 'company'; id: string };
  userId: string | null;
};

export type ContactSort = { field: 'name' | 'added_at' | 'updated_at'; order: 'asc' | 'desc' };

/** `null` actor = an in-process/admin change (no permission check). */
type Actor = string | null;

const CUSTOM_FIELD_TYPES = [
  'single_line', 'multi_line', 'single_select', 'multi_select', 'date', 'money', 'auto_increment', 'integer',
  'number', 'boolean', 'email', 'telephone', 'url', 'company', 'contact', 'product', 'user',
];
const CUSTOM_FIELD_CONTEXTS: CustomFieldContext[] = ['contact', 'company', 'deal', 'project', 'milestone', 'product', 'invoice', 'subscription', 'ticket'];
const CUSTOM_FIELDS_PER_CONTEXT = 50;
const NO_PERMISSION = 'You do not have the permission to add contacts';
const collator = new Intl.Collator('nl', { sensitivity: 'base' });

export class TeamleaderStore {
  state: TeamleaderState = createDemoState();
  /** Bumped on every contact change; invalidates the sorted-list cache used by contacts.list paging. */
  private contactsVersion = 0;
  private sortedCache = new Map<string, { version: number; contacts: ContactRecord[] }>();

  constructor(
    private readonly ctx: SandboxContext,
    private readonly emit: (event: ChangeEvent) => void,
  ) {}

  now(): number {
    return this.ctx.now();
  }

  timestamp(): string {
    return formatTimestamp(this.ctx.now());
  }

  replaceState(state: TeamleaderState): void {
    this.state = state;
    this.contactsVersion++;
    this.sortedCache.clear();
  }

  // ---- lookups ----------------------------------------------------------------------------------

  account(accountId: string) {
    return this.state.accounts.find((a) => a.id === accountId);
  }

  user(userId: string): TeamleaderUser | undefined {
    return this.state.users.find((u) => u.id === userId);
  }

  usersOf(accountId: string): TeamleaderUser[] {
    return this.state.users.filter((u) => u.account_id === accountId);
  }

  contactsOf(accountId: string): ContactRecord[] {
    return Object.values(this.state.contacts).filter((c) => c.account_id === accountId);
  }

  getContact(accountId: string, id: string): ContactRecord | undefined {
    const contact = this.state.contacts[id];
    return contact?.account_id === accountId ? contact : undefined;
  }

  requireContact(accountId: string, id: unknown): ContactRecord {
    if (typeof id !== 'string' || !id) throw badRequest('id must be a string');
    const contact = this.getContact(accountId, id);
    if (!contact) throw notFound(`Contact ${id} not found`);
    return contact;
  }

  /** Contacts of an account in a stable order (ties broken by id so pages never overlap). */
  sortedContacts(accountId: string, sort: ContactSort[]): ContactRecord[] {
    const key = `${accountId}|${sort.map((s) => `${s.field}:${s.order}`).join(',')}`;
    const cached = this.sortedCache.get(key);
    if (cached && cached.version === this.contactsVersion) return cached.contacts;
    const compare = (a: ContactRecord, b: ContactRecord): number => {
      for (const { field, order } of sort) {
        const sign = order === 'desc' ? -1 : 1;
        let result = 0;
        if (field === 'name') {
          result = collator.compare(a.last_name, b.last_name) || collator.compare(a.first_name ?? '', b.first_name ?? '');
        } else {
          result = Date.parse(a[field]) - Date.parse(b[field]);
        }
        if (result) return result * sign;
      }
      return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
    };
    const contacts = this.contactsOf(accountId).sort(compare);
    this.sortedCache.set(key, { version: this.contactsVersion, contacts });
    return contacts;
  }

  companiesOf(accountId: string): CompanyRecord[] {
    return Object.values(this.state.companies).filter((c) => c.account_id === accountId);
  }

  getCompany(accountId: string, id: string): CompanyRecord | undefined {
    const company = this.state.companies[id];
    return company?.account_id === accountId ? company : undefined;
  }

  definitionsOf(accountId: string, context?: CustomFieldContext): CustomFieldDefinition[] {
    return this.state.customFieldDefinitions.filter((d) => d.account_id === accountId && (!context || d.context === context));
  }

  // ---- contact mutations ------------------------------------------------------------------------

  private assertCanAddContacts(actor: Actor): void {
    if (actor === null) return;
    const user = this.user(actor);
    if (!user?.can_add_contacts) throw forbidden(NO_PERMISSION);
  }

  private assertBelowRecordLimit(accountId: string): void {
    const limit = this.state.config.recordLimit;
    if (limit === null) return;
    if (this.contactsOf(accountId).length + this.companiesOf(accountId).length >= limit) {
      throw badRequest(`The maximum number of contacts and companies (${limit}) for this account has been reached`);
    }
  }

  private touch(contact: ContactRecord): void {
    contact.updated_at = this.timestamp();
    this.contactsVersion++;
  }

  createContact(accountId: string, body: Record<string, unknown>, actor: Actor = null): ContactRecord {
    if (!this.account(accountId)) throw notFound(`Account ${accountId} not found`);
    this.assertCanAddContacts(actor);
    const patch = parseContactPatch(body, { isAdd: true, definitions: this.definitionsOf(accountId, 'contact') });
    this.assertBelowRecordLimit(accountId);
    const at = this.timestamp();
    const contact: ContactRecord = {
      id: randomId(), account_id: accountId, first_name: null, last_name: patch.last_name!, status: 'active',
      salutation: null, vat_number: null, emails: [], telephones: [], website: null, addresses: [], gender: null,
      birthdate: null, iban: null, bic: null, national_identification_number: null, language: null, companies: [],
      remarks: null, tags: [], custom_fields: [], marketing_mails_consent: false, added_at: at, updated_at: at,
      ...patch,
    };
    this.state.contacts[contact.id] = contact;
    this.contactsVersion++;
    this.emit({ accountId, type: 'contact.added', subject: { type: 'contact', id: contact.id }, userId: actor });
    return contact;
  }

  /** companies.add (§4.5): `name` required; emails/telephones/website/remarks accepted. Same permission as contacts. */
  createCompany(accountId: string, body: Record<string, unknown>, actor: Actor = null): CompanyRecord {
    if (!this.account(accountId)) throw notFound(`Account ${accountId} not found`);
    this.assertCanAddContacts(actor);
    const name = typeof body.name === 'string' ? body.name.trim() : '';
    if (!name) throw badRequest('Company name must not be empty');
    this.assertBelowRecordLimit(accountId);
    const list = <T>(value: unknown, field: string): T[] => {
      if (value === undefined) return [];
      if (!Array.isArray(value)) throw badRequest(`${field} must be an array`);
      return value as T[];
    };
    const at = this.timestamp();
    const company: CompanyRecord = {
      id: randomId(), account_id: accountId, name, status: 'active', vat_number: typeof body.vat_number === 'string' ? body.vat_number : null,
      national_identification_number: null, emails: list(body.emails, 'emails'), telephones: list(body.telephones, 'telephones'),
      website: typeof body.website === 'string' ? body.website : null, addresses: [], iban: null, bic: null, language: null,
      responsible_user_id: typeof actor === 'string' ? actor : null, remarks: typeof body.remarks === 'string' ? body.remarks : null,
      tags: [], custom_fields: [], marketing_mails_consent: false, added_at: at, updated_at: at,
    };
    this.state.companies[company.id] = company;
    this.emit({ accountId, type: 'company.added', subject: { type: 'company', id: company.id }, userId: actor });
    return company;
  }

  /** A company renamed in the Teamleader UI: fires `company.updated` (thin payload, like contacts). */
  renameCompany(accountId: string, id: string, name: string, actor: Actor = null): CompanyRecord {
    const company = this.requireCompany(accountId, id);
    if (!name.trim()) throw badRequest('name must not be empty');
    company.name = name.trim();
    this.emit({ accountId, type: 'company.updated', subject: { type: 'company', id }, userId: actor });
    return company;
  }

  updateContact(accountId: string, id: string, body: Record<string, unknown>, actor: Actor = null): ContactRecord {
    this.assertCanAddContacts(actor);
    const contact = this.requireContact(accountId, id);
    const patch: ContactPatch = parseContactPatch(body, { isAdd: false, definitions: this.definitionsOf(accountId, 'contact') });
    if (patch.custom_fields && parseCustomFieldsStrategy(body) === 'partial') {
      const merged = new Map(contact.custom_fields.map((f) => [f.id, f]));
      for (const field of patch.custom_fields) merged.set(field.id, field);
      patch.custom_fields = [...merged.values()];
    }
    // Collections arrive as complete arrays and replace the stored ones wholesale.
    Object.assign(contact, patch);
    this.touch(contact);
    this.emit({ accountId, type: 'contact.updated', subject: { type: 'contact', id }, userId: actor });
    return contact;
  }

  deleteContact(accountId: string, id: string, actor: Actor = null): void {
    this.assertCanAddContacts(actor);
    this.requireContact(accountId, id);
    delete this.state.contacts[id];
    this.contactsVersion++;
    this.emit({ accountId, type: 'contact.deleted', subject: { type: 'contact', id }, userId: actor });
  }

  linkContactToCompany(
    accountId: string,
    id: string,
    link: { company_id: unknown; position?: unknown; decision_maker?: unknown },
    actor: Actor = null,
  ): void {
    this.assertCanAddContacts(actor);
    const contact = this.requireContact(accountId, id);
    const company = this.requireCompany(accountId, link.company_id);
    if (contact.companies.some((c) => c.company_id === company.id)) throw badRequest('The contact is already linked to this company');
    contact.companies.push({
      company_id: company.id,
      position: typeof link.position === 'string' ? link.position : null,
      secondary_position: null,
      division: null,
      decision_maker: link.decision_maker === true,
    });
    this.touch(contact);
    this.emit({ accountId, type: 'contact.linkedToCompany', subject: { type: 'contact', id }, userId: actor });
  }

  updateCompanyLink(
    accountId: string,
    id: string,
    link: { company_id: unknown; position?: unknown; decision_maker?: unknown },
    actor: Actor = null,
  ): void {
    this.assertCanAddContacts(actor);
    const contact = this.requireContact(accountId, id);
    const existing = contact.companies.find((c) => c.company_id === link.company_id);
    if (!existing) throw badRequest('The contact is not linked to this company');
    if ('position' in link) existing.position = typeof link.position === 'string' ? link.position : null;
    if ('decision_maker' in link) existing.decision_maker = link.decision_maker === true;
    this.touch(contact);
    this.emit({ accountId, type: 'contact.updatedLinkToCompany', subject: { type: 'contact', id }, userId: actor });
  }

  unlinkContactFromCompany(accountId: string, id: string, companyId: unknown, actor: Actor = null): void {
    this.assertCanAddContacts(actor);
    const contact = this.requireContact(accountId, id);
    const before = contact.companies.length;
    contact.companies = contact.companies.filter((c) => c.company_id !== companyId);
    if (contact.companies.length === before) throw badRequest('The contact is not linked to this company');
    this.touch(contact);
    this.emit({ accountId, type: 'contact.unlinkedFromCompany', subject: { type: 'contact', id }, userId: actor });
  }

  tagContact(accountId: string, id: string, tags: unknown, add: boolean, actor: Actor = null): void {
    this.assertCanAddContacts(actor);
    const contact = this.requireContact(accountId, id);
    if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string')) throw badRequest('tags must be an array of strings');
    contact.tags = add ? [...new Set([...contact.tags, ...tags])] : contact.tags.filter((t) => !tags.includes(t));
    this.touch(contact);
    this.emit({ accountId, type: 'contact.updated', subject: { type: 'contact', id }, userId: actor });
  }

  /** Deterministic bulk data for volume tests; no webhooks (like an import). Fast for 50,000 rows. */
  generateContacts(accountId: string, count: number): { created: number; total: number } {
    if (!this.account(accountId)) throw notFound(`Account ${accountId} not found`);
    if (!Number.isInteger(count) || count < 0 || count > 1_000_000) throw badRequest('count must be an integer between 0 and 1000000');
    const companyIds = this.companiesOf(accountId).map((c) => c.id);
    const start = this.state.generatedContacts[accountId] ?? 0;
    const at = this.timestamp();
    for (let n = start; n < start + count; n++) {
      const contact = generatedContact(accountId, n, at, companyIds);
      this.state.contacts[contact.id] = contact;
    }
    this.state.generatedContacts[accountId] = start + count;
    this.contactsVersion++;
    return { created: count, total: this.contactsOf(accountId).length };
  }

  // ---- companies ----------------------------------------------------------------------------------

  requireCompany(accountId: string, id: unknown): CompanyRecord {
    if (typeof id !== 'string' || !id) throw badRequest('company_id must be a string');
    const company = this.getCompany(accountId, id);
    if (!company) throw notFound(`Company ${id} not found`);
    return company;
  }

  // ---- custom field definitions -------------------------------------------------------------------

  createCustomFieldDefinition(accountId: string, body: Record<string, unknown>): CustomFieldDefinition {
    const { context, label, type } = body;
    if (!CUSTOM_FIELD_CONTEXTS.includes(context as CustomFieldContext)) throw badRequest(`context must be one of: ${CUSTOM_FIELD_CONTEXTS.join(', ')}`);
    if (typeof label !== 'string' || !label.trim()) throw badRequest('Label must not be empty');
    if (!CUSTOM_FIELD_TYPES.includes(type as string)) throw badRequest(`type must be one of: ${CUSTOM_FIELD_TYPES.join(', ')}`);
    const existing = this.definitionsOf(accountId, context as CustomFieldContext);
    if (existing.length >= CUSTOM_FIELDS_PER_CONTEXT) throw badRequest(`You can create at most ${CUSTOM_FIELDS_PER_CONTEXT} custom fields for ${context as string}`);
    if (existing.some((d) => d.label.toLowerCase() === label.trim().toLowerCase())) throw badRequest(`A custom field with label "${label}" already exists`);
    const options = Array.isArray((body.configuration as { options?: unknown })?.options)
      ? ((body.configuration as { options: unknown[] }).options.filter((o) => typeof o === 'string') as string[]).map((value) => ({ id: randomId(), value }))
      : undefined;
    const definition: CustomFieldDefinition = {
      id: randomId(), account_id: accountId, context: context as CustomFieldContext, type: type as string,
      label: label.trim(), group: typeof body.group === 'string' ? body.group : null, required: body.required === true,
      configuration: options ? { options, extra_option_allowed: false } : null,
    };
    this.state.customFieldDefinitions.push(definition);
    return definition;
  }

  // ---- webhooks -----------------------------------------------------------------------------------

  webhooksOf(accountId: string, clientId?: string): Webhook[] {
    return this.state.webhooks
      .filter((w) => w.account_id === accountId && (!clientId || w.client_id === clientId))
      .sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
  }

  registerWebhook(accountId: string, clientId: string, url: unknown, types: unknown): void {
    if (typeof url !== 'string' || !/^https?:\/\/\S+$/.test(url)) throw badRequest('url must be a valid URL');
    const list = this.parseWebhookTypes(types);
    const existing = this.state.webhooks.find((w) => w.account_id === accountId && w.client_id === clientId && w.url === url);
    if (existing) existing.types = [...new Set([...existing.types, ...list])];
    else this.state.webhooks.push({ account_id: accountId, client_id: clientId, url, types: list });
  }

  unregisterWebhook(accountId: string, clientId: string, url: unknown, types: unknown): void {
    if (typeof url !== 'string') throw badRequest('url must be a valid URL');
    const list = this.parseWebhookTypes(types);
    const existing = this.state.webhooks.find((w) => w.account_id === accountId && w.client_id === clientId && w.url === url);
    if (!existing) return;
    existing.types = existing.types.filter((t) => !list.includes(t));
    if (!existing.types.length) this.state.webhooks = this.state.webhooks.filter((w) => w !== existing);
  }

  removeWebhooksOf(accountId: string, clientId: string): void {
    this.state.webhooks = this.state.webhooks.filter((w) => !(w.account_id === accountId && w.client_id === clientId));
  }

  private parseWebhookTypes(types: unknown): string[] {
    if (!Array.isArray(types) || !types.length) throw badRequest('types must be a non-empty array');
    for (const type of types) {
      if (!WEBHOOK_TYPES.includes(type as (typeof WEBHOOK_TYPES)[number])) throw badRequest(`Unknown webhook type: ${String(type)}`);
    }
    return types as string[];
  }
}
