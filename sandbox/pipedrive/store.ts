/**
 * The emulator's data model: companies, users, persons, organizations, deals, custom fields, pictures.
 * Every write goes through here (API, host UI and in-process helpers alike), so validation,
 * update_time bumps and change events are identical whichever door a change comes through.
 */
import { randomBytes } from 'node:crypto';
import type { SandboxContext } from '../lib/types';
import { createDemoState, generatedPersonFields, ORG_PHONE_FIELD_KEY } from './demo-data';
import { allowedVisibility, customFieldCap, defaultVisibility, isOwnerOnly } from './plans';
import type {
  Address,
  ChangeActor,
  Company,
  CustomPersonField,
  DealRecord,
  FileRecord,
  LabeledValue,
  OrganizationRecord,
  PersonRecord,
  PersonV2,
  PipedriveSettings,
  PipedriveState,
  ProductRecord,
  User,
} from './types';
import { rfc3339, toSecond } from './wire-format';

export const DEFAULT_SETTINGS: PipedriveSettings = {
  accessTokenTtlSeconds: 3600,
  refreshTokenTtlDays: 60,
  authCodeTtlSeconds: 300,
  burstLimit: null,
  burstWindowMs: 2000,
  fileMaxBytes: 50 * 1024 * 1024,
};

/** The contact-sync-only person fields (reference §3.2). */
export const CONTACT_SYNC_FIELDS = ['job_title', 'birthday', 'postal_address', 'notes', 'im'] as const;

/** A client or validation failure with the HTTP status the API answers with. */
export class ApiFailure extends Error {
  constructor(public status: number, message: string, public extra: Record<string, unknown> = {}) {
    super(message);
  }
}

export type ChangeEvent = {
  entity: 'person' | 'organization' | 'deal';
  action: 'create' | 'change' | 'delete';
  companyId: number;
  entityId: number;
  data: Record<string, unknown> | null;
  previous: Record<string, unknown> | null;
  actor: ChangeActor;
  /** Owner and visibility of the record, to decide which webhook users may see it. */
  ownerId: number;
  visibleTo: number;
};

export type PersonInput = Record<string, unknown>;

const ADDRESS_KEYS: (keyof Address)[] = ['value', 'country', 'admin_area_level_1', 'admin_area_level_2', 'locality', 'sublocality', 'route', 'street_number', 'subpremise', 'postal_code'];

export class PipedriveStore {
  state: PipedriveState;
  private personIndex = new Map<number, PersonRecord>();
  private listeners: ((event: ChangeEvent) => void)[] = [];

  constructor(private ctx: SandboxContext) {
    this.state = createDemoState(DEFAULT_SETTINGS);
    this.reindex();
  }

  onChange(listener: (event: ChangeEvent) => void): void {
    this.listeners.push(listener);
  }

  reset(): void {
    this.state = createDemoState(DEFAULT_SETTINGS);
    this.reindex();
  }

  load(state: PipedriveState): void {
    const demo = createDemoState(DEFAULT_SETTINGS);
    this.state = { ...demo, ...state, settings: { ...DEFAULT_SETTINGS, ...state.settings }, nextIds: { ...demo.nextIds, ...state.nextIds } };
    for (const company of this.state.companies) company.productsEnabled ??= true;
    // States saved before per-plan burst limits stored the old flat default (80) as if it were an override.
    if (!('fileMaxBytes' in (state.settings ?? {}))) this.state.settings.burstLimit = null;
    this.reindex();
  }

  private reindex(): void {
    this.personIndex = new Map(this.state.persons.map((p) => [p.id, p]));
  }

  now(): number {
    return toSecond(this.ctx.now());
  }

  // ── companies & users ────────────────────────────────────────────────────────────────────────

  company(companyId: number): Company {
    const company = this.state.companies.find((c) => c.id === companyId);
    if (!company) throw new ApiFailure(404, 'Company not found');
    return company;
  }

  companyByDomain(domain: string): Company | undefined {
    return this.state.companies.find((c) => c.domain === domain);
  }

  user(userId: number): User | undefined {
    return this.state.users.find((u) => u.id === userId);
  }

  usersOf(companyId: number): User[] {
    return this.state.users.filter((u) => u.companyId === companyId);
  }

  /** Admins see everything; others see what they own and everything not restricted to its owner. */
  canSee(user: User, item: { owner_id: number; visible_to: number; companyId: number }): boolean {
    if (user.companyId !== item.companyId) return false;
    if (user.isAdmin || item.owner_id === user.id) return true;
    return !isOwnerOnly(this.company(item.companyId).plan, item.visible_to);
  }

  // ── persons ──────────────────────────────────────────────────────────────────────────────────

  personsOf(companyId: number): PersonRecord[] {
    return this.state.persons.filter((p) => p.companyId === companyId);
  }

  person(companyId: number, id: number): PersonRecord | undefined {
    const person = this.personIndex.get(id);
    return person && person.companyId === companyId ? person : undefined;
  }

  /** The v2 person object (reference §3.2); contact-sync fields only when the company has them. */
  serializePerson(person: PersonRecord): PersonV2 {
    const company = this.company(person.companyId);
    const out: PersonV2 = {
      id: person.id,
      name: person.name,
      first_name: person.first_name,
      last_name: person.last_name,
      add_time: rfc3339(person.add_time),
      update_time: rfc3339(person.update_time),
      visible_to: person.visible_to,
      custom_fields: this.customFieldValues(person.companyId, person.custom_fields),
      owner_id: person.owner_id,
      label_ids: [...person.label_ids],
      org_id: person.org_id,
      is_deleted: person.is_deleted,
      picture_id: person.picture_id,
      phones: person.phones.map((x) => ({ ...x })),
      emails: person.emails.map((x) => ({ ...x })),
    };
    if (company.contactSyncFields) {
      out.postal_address = person.postal_address ? { ...person.postal_address } : null;
      out.notes = person.notes;
      out.im = person.im.map((x) => ({ ...x }));
      out.birthday = person.birthday;
      out.job_title = person.job_title;
    }
    return out;
  }

  private customFieldValues(companyId: number, values: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const field of this.customFields(companyId)) out[field.key] = values[field.key] ?? null;
    return out;
  }

  createPerson(companyId: number, input: PersonInput, actor: ChangeActor): PersonRecord {
    const company = this.company(companyId);
    const user = this.requireUser(companyId, actor.userId);
    if (!user.canAddPersons) throw new ApiFailure(403, 'You do not have permissions to do this.');
    const patch = this.parsePersonInput(company, input);
    const hasName = typeof patch.name === 'string' && patch.name.trim() !== '';
    const hasSplitName = Boolean((patch.first_name ?? '').trim() || (patch.last_name ?? '').trim());
    if (!hasName && !hasSplitName) throw new ApiFailure(400, 'Name must be given (name or first_name and last_name).');
    const now = this.now();
    const person: PersonRecord = {
      id: this.state.nextIds.person++,
      companyId,
      name: '',
      first_name: null,
      last_name: null,
      owner_id: user.id,
      org_id: null,
      add_time: now,
      update_time: now,
      is_deleted: false,
      visible_to: defaultVisibility(company.plan),
      label_ids: [],
      picture_id: null,
      emails: [],
      phones: [],
      im: [],
      postal_address: null,
      notes: null,
      birthday: null,
      job_title: null,
      custom_fields: {},
    };
    this.applyPersonPatch(person, patch);
    this.state.persons.push(person);
    this.personIndex.set(person.id, person);
    this.emit({ entity: 'person', action: 'create', companyId, entityId: person.id, data: this.serializePerson(person), previous: null, actor, ownerId: person.owner_id, visibleTo: person.visible_to });
    return person;
  }

  updatePerson(companyId: number, id: number, input: PersonInput, actor: ChangeActor): PersonRecord {
    const company = this.company(companyId);
    this.requireUser(companyId, actor.userId);
    const person = this.person(companyId, id);
    if (!person || person.is_deleted) throw new ApiFailure(404, 'Person not found');
    const patch = this.parsePersonInput(company, input);
    const before = this.serializePerson(person);
    const draft: PersonRecord = structuredClone(person);
    this.applyPersonPatch(draft, patch);
    if (!draft.name.trim()) throw new ApiFailure(400, 'Name cannot be empty.');
    Object.assign(person, draft, { update_time: this.now() });
    const after = this.serializePerson(person);
    this.emit({ entity: 'person', action: 'change', companyId, entityId: id, data: after, previous: changedFields(before, after), actor, ownerId: person.owner_id, visibleTo: person.visible_to });
    return person;
  }

  deletePerson(companyId: number, id: number, actor: ChangeActor): PersonRecord {
    this.requireUser(companyId, actor.userId);
    const person = this.person(companyId, id);
    if (!person || person.is_deleted) throw new ApiFailure(404, 'Person not found');
    const before = this.serializePerson(person);
    person.is_deleted = true;
    person.update_time = this.now();
    this.emit({ entity: 'person', action: 'delete', companyId, entityId: id, data: null, previous: before, actor, ownerId: person.owner_id, visibleTo: person.visible_to });
    return person;
  }

  /** Bulk import: deterministic content, no webhooks (like a Pipedrive import), fast for 50,000. */
  generatePersons(companyId: number, ownerId: number, count: number): { firstId: number; lastId: number } {
    const company = this.company(companyId);
    this.requireUser(companyId, ownerId);
    const now = this.now();
    const firstId = this.state.nextIds.person;
    const start = this.state.persons.filter((p) => p.companyId === companyId).length;
    for (let i = 0; i < count; i++) {
      const person: PersonRecord = {
        id: this.state.nextIds.person++,
        companyId,
        ...generatedPersonFields(start + i),
        owner_id: ownerId,
        org_id: null,
        add_time: now,
        update_time: now,
        is_deleted: false,
        visible_to: defaultVisibility(company.plan),
        label_ids: [],
        picture_id: null,
        im: [],
        postal_address: null,
        notes: null,
        birthday: null,
        job_title: null,
        custom_fields: {},
      };
      this.state.persons.push(person);
      this.personIndex.set(person.id, person);
    }
    return { firstId, lastId: this.state.nextIds.person - 1 };
  }

  /** Sets (or replaces) the person's picture; fires a change webhook like Pipedrive's picture upload. */
  setPersonPicture(companyId: number, personId: number, file: { contentType: string; fileName: string; bytes: Buffer }, actor: ChangeActor) {
    const person = this.person(companyId, personId);
    if (!person || person.is_deleted) throw new ApiFailure(404, 'Person not found');
    const before = this.serializePerson(person);
    const now = this.now();
    const picture = {
      id: this.state.nextIds.picture++,
      companyId,
      personId,
      contentType: file.contentType,
      fileName: file.fileName,
      base64: file.bytes.toString('base64'),
      addedByUserId: actor.userId,
      add_time: now,
    };
    this.state.pictures = this.state.pictures.filter((p) => p.personId !== personId || p.companyId !== companyId);
    this.state.pictures.push(picture);
    person.picture_id = picture.id;
    person.update_time = now;
    const after = this.serializePerson(person);
    this.emit({ entity: 'person', action: 'change', companyId, entityId: personId, data: after, previous: changedFields(before, after), actor, ownerId: person.owner_id, visibleTo: person.visible_to });
    return picture;
  }

  removePersonPicture(companyId: number, personId: number, actor: ChangeActor): void {
    const person = this.person(companyId, personId);
    if (!person || person.is_deleted) throw new ApiFailure(404, 'Person not found');
    if (person.picture_id === null) return;
    const before = this.serializePerson(person);
    this.state.pictures = this.state.pictures.filter((p) => p.id !== person.picture_id);
    person.picture_id = null;
    person.update_time = this.now();
    const after = this.serializePerson(person);
    this.emit({ entity: 'person', action: 'change', companyId, entityId: personId, data: after, previous: changedFields(before, after), actor, ownerId: person.owner_id, visibleTo: person.visible_to });
  }

  picture(pictureId: number) {
    return this.state.pictures.find((p) => p.id === pictureId);
  }

  private applyPersonPatch(person: PersonRecord, patch: ParsedPersonPatch): void {
    const { name, first_name, last_name, custom_fields, ...rest } = patch;
    Object.assign(person, rest);
    if (custom_fields) {
      for (const [key, value] of Object.entries(custom_fields)) {
        if (value === null) delete person.custom_fields[key];
        else person.custom_fields[key] = value;
      }
    }
    if (name !== undefined) {
      // Pipedrive splits a full name into first (first word) and last (the rest).
      const trimmed = name.trim();
      const space = trimmed.indexOf(' ');
      person.name = trimmed;
      person.first_name = first_name !== undefined ? first_name : space < 0 ? trimmed || null : trimmed.slice(0, space);
      person.last_name = last_name !== undefined ? last_name : space < 0 ? null : trimmed.slice(space + 1).trim() || null;
    } else if (first_name !== undefined || last_name !== undefined) {
      if (first_name !== undefined) person.first_name = first_name;
      if (last_name !== undefined) person.last_name = last_name;
      person.name = [person.first_name, person.last_name].filter((x) => x && x.trim()).join(' ');
    }
  }

  private parsePersonInput(company: Company, input: PersonInput): ParsedPersonPatch {
    if (!input || typeof input !== 'object' || Array.isArray(input)) throw new ApiFailure(400, 'Request body must be a JSON object.');
    const out: ParsedPersonPatch = {};
    if ('name' in input) out.name = requireString(input.name, 'name');
    if ('first_name' in input) out.first_name = optionalString(input.first_name, 'first_name');
    if ('last_name' in input) out.last_name = optionalString(input.last_name, 'last_name');
    if ('owner_id' in input) {
      const ownerId = requireInteger(input.owner_id, 'owner_id');
      if (!this.usersOf(company.id).some((u) => u.id === ownerId)) throw new ApiFailure(400, 'owner_id does not match any user.');
      out.owner_id = ownerId;
    }
    if ('org_id' in input) {
      const orgId = input.org_id === null ? null : requireInteger(input.org_id, 'org_id');
      if (orgId !== null && !this.organization(company.id, orgId)) throw new ApiFailure(400, 'Organization not found.');
      out.org_id = orgId;
    }
    if ('visible_to' in input) out.visible_to = this.parseVisibility(company, input.visible_to);
    if ('label_ids' in input) out.label_ids = requireIntegerArray(input.label_ids, 'label_ids');
    if ('emails' in input) out.emails = parseLabeledValues(input.emails, 'emails');
    if ('phones' in input) out.phones = parseLabeledValues(input.phones, 'phones');
    if ('custom_fields' in input) out.custom_fields = this.parseCustomFieldValues(company.id, input.custom_fields);
    // Contact-sync fields do not exist unless the company set up Contact Sync: writes to them are dropped.
    if (company.contactSyncFields) {
      const im = 'im' in input ? input.im : 'ims' in input ? input.ims : undefined;
      if (im !== undefined) out.im = parseLabeledValues(im, 'im');
      if ('postal_address' in input) out.postal_address = parseAddress(input.postal_address, 'postal_address');
      if ('notes' in input) {
        const notes = optionalString(input.notes, 'notes');
        if (notes && notes.length > 10_000) throw new ApiFailure(400, 'notes must be at most 10000 characters.');
        out.notes = notes;
      }
      if ('birthday' in input) {
        const birthday = optionalString(input.birthday, 'birthday');
        if (birthday !== null && !isDate(birthday)) throw new ApiFailure(400, 'birthday must be a date in YYYY-MM-DD format.');
        out.birthday = birthday;
      }
      if ('job_title' in input) out.job_title = optionalString(input.job_title, 'job_title');
    }
    return out;
  }

  parseVisibility(company: Company, value: unknown): number {
    const visibleTo = requireInteger(value, 'visible_to');
    if (!allowedVisibility(company.plan).includes(visibleTo)) {
      throw new ApiFailure(400, `visible_to must be one of ${allowedVisibility(company.plan).join(', ')} on this plan.`);
    }
    return visibleTo;
  }

  private parseCustomFieldValues(companyId: number, value: unknown): Record<string, unknown> {
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new ApiFailure(400, 'custom_fields must be an object.');
    const fields = new Map(this.customFields(companyId).map((f) => [f.key, f]));
    const out: Record<string, unknown> = {};
    for (const [key, raw] of Object.entries(value as Record<string, unknown>)) {
      const field = fields.get(key);
      if (!field) throw new ApiFailure(400, `Unknown custom field: ${key}`);
      out[key] = raw === null ? null : validateCustomValue(field, raw);
    }
    return out;
  }

  // ── person fields ────────────────────────────────────────────────────────────────────────────

  customFields(companyId: number): CustomPersonField[] {
    return this.state.customPersonFields.filter((f) => f.companyId === companyId && f.active);
  }

  createCustomField(companyId: number, userId: number, input: Record<string, unknown>): CustomPersonField {
    const company = this.company(companyId);
    const user = this.requireUser(companyId, userId);
    if (!user.isAdmin) throw new ApiFailure(403, 'You do not have permissions to do this.');
    const name = requireString(input.name, 'name').trim();
    if (!name) throw new ApiFailure(400, 'Field name is required.');
    const fieldType = requireString(input.field_type, 'field_type');
    if (!FIELD_TYPES.includes(fieldType)) throw new ApiFailure(400, `field_type must be one of ${FIELD_TYPES.join(', ')}.`);
    if (this.customFields(companyId).length >= customFieldCap(company)) {
      throw new ApiFailure(403, 'You have reached the limit of custom fields for your plan.', { code: 'feature_capping_custom_fields' });
    }
    let options: CustomPersonField['options'] = null;
    if (fieldType === 'enum' || fieldType === 'set') {
      if (!Array.isArray(input.options) || !input.options.length) throw new ApiFailure(400, 'options are required for enum and set fields.');
      options = input.options.map((o, i) => ({ id: i + 1, label: requireString((o as { label?: unknown })?.label, 'options.label') }));
    }
    const now = this.now();
    const field: CustomPersonField = {
      id: this.state.nextIds.field++,
      companyId,
      key: randomBytes(20).toString('hex'),
      name,
      field_type: fieldType,
      options,
      add_visible_flag: input.add_visible_flag === undefined ? true : Boolean(input.add_visible_flag),
      add_time: now,
      update_time: now,
      createdByUserId: userId,
      active: true,
    };
    this.state.customPersonFields.push(field);
    return field;
  }

  deleteCustomField(companyId: number, userId: number, fieldId: number): void {
    const user = this.requireUser(companyId, userId);
    const field = this.customFields(companyId).find((f) => f.id === fieldId);
    if (!field) throw new ApiFailure(404, 'Field not found');
    if (!user.isAdmin) throw new ApiFailure(403, 'You do not have permissions to do this.');
    field.active = false;
    field.update_time = this.now();
    for (const p of this.state.persons) if (p.companyId === companyId) delete p.custom_fields[field.key];
  }

  // ── organizations ────────────────────────────────────────────────────────────────────────────

  organizationsOf(companyId: number): OrganizationRecord[] {
    return this.state.organizations.filter((o) => o.companyId === companyId);
  }

  organization(companyId: number, id: number): OrganizationRecord | undefined {
    return this.state.organizations.find((o) => o.id === id && o.companyId === companyId && !o.is_deleted);
  }

  organizationIncludingDeleted(companyId: number, id: number): OrganizationRecord | undefined {
    return this.state.organizations.find((o) => o.id === id && o.companyId === companyId);
  }

  serializeOrganization(org: OrganizationRecord): Record<string, unknown> {
    return {
      id: org.id,
      name: org.name,
      owner_id: org.owner_id,
      add_time: rfc3339(org.add_time),
      update_time: rfc3339(org.update_time),
      is_deleted: org.is_deleted,
      visible_to: org.visible_to,
      label_ids: [...org.label_ids],
      address: org.address ? { ...org.address } : null,
      website: org.website,
      linkedin: org.linkedin,
      industry: org.industry,
      annual_revenue: org.annual_revenue,
      employee_count: org.employee_count,
      custom_fields: { [ORG_PHONE_FIELD_KEY]: null, ...org.custom_fields },
    };
  }

  createOrganization(companyId: number, input: Record<string, unknown>, actor: ChangeActor): OrganizationRecord {
    const company = this.company(companyId);
    const user = this.requireUser(companyId, actor.userId);
    if (!user.canAddOrganizations) throw new ApiFailure(403, 'You do not have permissions to do this.');
    if (!input || typeof input !== 'object') throw new ApiFailure(400, 'Request body must be a JSON object.');
    if (typeof input.name !== 'string' || !input.name.trim()) throw new ApiFailure(400, 'Name must be given.');
    const now = this.now();
    const org: OrganizationRecord = {
      id: this.state.nextIds.organization++,
      companyId,
      name: '',
      owner_id: user.id,
      add_time: now,
      update_time: now,
      is_deleted: false,
      visible_to: defaultVisibility(company.plan),
      label_ids: [],
      address: null,
      website: null,
      linkedin: null,
      industry: null,
      annual_revenue: null,
      employee_count: null,
      custom_fields: {},
    };
    Object.assign(org, this.parseOrganizationInput(company, input));
    this.state.organizations.push(org);
    this.emit({ entity: 'organization', action: 'create', companyId, entityId: org.id, data: this.serializeOrganization(org), previous: null, actor, ownerId: org.owner_id, visibleTo: org.visible_to });
    return org;
  }

  updateOrganization(companyId: number, id: number, input: Record<string, unknown>, actor: ChangeActor): OrganizationRecord {
    const company = this.company(companyId);
    this.requireUser(companyId, actor.userId);
    const org = this.organization(companyId, id);
    if (!org) throw new ApiFailure(404, 'Organization not found');
    const patch = this.parseOrganizationInput(company, input);
    if ('name' in patch && !String(patch.name).trim()) throw new ApiFailure(400, 'Name cannot be empty.');
    const before = this.serializeOrganization(org);
    const { custom_fields, ...rest } = patch;
    Object.assign(org, rest);
    if (custom_fields) org.custom_fields = { ...org.custom_fields, ...custom_fields };
    org.update_time = this.now();
    const after = this.serializeOrganization(org);
    this.emit({ entity: 'organization', action: 'change', companyId, entityId: id, data: after, previous: changedFields(before, after), actor, ownerId: org.owner_id, visibleTo: org.visible_to });
    return org;
  }

  deleteOrganization(companyId: number, id: number, actor: ChangeActor): OrganizationRecord {
    this.requireUser(companyId, actor.userId);
    const org = this.organization(companyId, id);
    if (!org) throw new ApiFailure(404, 'Organization not found');
    const before = this.serializeOrganization(org);
    org.is_deleted = true;
    org.update_time = this.now();
    this.emit({ entity: 'organization', action: 'delete', companyId, entityId: id, data: null, previous: before, actor, ownerId: org.owner_id, visibleTo: org.visible_to });
    return org;
  }

  private parseOrganizationInput(company: Company, input: Record<string, unknown>): Partial<OrganizationRecord> {
    if (!input || typeof input !== 'object' || Array.isArray(input)) throw new ApiFailure(400, 'Request body must be a JSON object.');
    const out: Partial<OrganizationRecord> = {};
    if ('name' in input) out.name = requireString(input.name, 'name').trim();
    if ('owner_id' in input) {
      const ownerId = requireInteger(input.owner_id, 'owner_id');
      if (!this.usersOf(company.id).some((u) => u.id === ownerId)) throw new ApiFailure(400, 'owner_id does not match any user.');
      out.owner_id = ownerId;
    }
    if ('visible_to' in input) out.visible_to = this.parseVisibility(company, input.visible_to);
    if ('label_ids' in input) out.label_ids = requireIntegerArray(input.label_ids, 'label_ids');
    if ('address' in input) out.address = parseAddress(input.address, 'address');
    if ('website' in input) out.website = optionalString(input.website, 'website');
    if ('linkedin' in input) out.linkedin = optionalString(input.linkedin, 'linkedin');
    if ('industry' in input) out.industry = input.industry === null ? null : requireInteger(input.industry, 'industry');
    if ('annual_revenue' in input) out.annual_revenue = input.annual_revenue === null ? null : requireNumber(input.annual_revenue, 'annual_revenue');
    if ('employee_count' in input) out.employee_count = input.employee_count === null ? null : requireInteger(input.employee_count, 'employee_count');
    if ('custom_fields' in input) {
      const value = input.custom_fields;
      if (!value || typeof value !== 'object' || Array.isArray(value)) throw new ApiFailure(400, 'custom_fields must be an object.');
      for (const key of Object.keys(value)) if (key !== ORG_PHONE_FIELD_KEY) throw new ApiFailure(400, `Unknown custom field: ${key}`);
      out.custom_fields = value as Record<string, unknown>;
    }
    return out;
  }

  // ── deals ────────────────────────────────────────────────────────────────────────────────────

  dealsOf(companyId: number): DealRecord[] {
    return this.state.deals.filter((d) => d.companyId === companyId);
  }

  deal(companyId: number, id: number): DealRecord | undefined {
    return this.state.deals.find((d) => d.id === id && d.companyId === companyId);
  }

  /** A change made in the Pipedrive UI (title, status): fires `change.deal` webhooks like the real one. */
  updateDeal(companyId: number, id: number, input: { title?: string; status?: DealRecord['status'] }, actor: ChangeActor): DealRecord {
    this.requireUser(companyId, actor.userId);
    const deal = this.deal(companyId, id);
    if (!deal || deal.is_deleted) throw new ApiFailure(404, 'Deal not found');
    if (input.title !== undefined && !input.title.trim()) throw new ApiFailure(400, 'Title cannot be empty.');
    const before = this.serializeDeal(deal);
    if (input.title !== undefined) deal.title = input.title.trim();
    if (input.status !== undefined) deal.status = input.status;
    deal.update_time = this.now();
    const after = this.serializeDeal(deal);
    this.emit({ entity: 'deal', action: 'change', companyId, entityId: id, data: after, previous: changedFields(before, after), actor, ownerId: deal.owner_id, visibleTo: deal.visible_to });
    return deal;
  }

  serializeDeal(deal: DealRecord): Record<string, unknown> {
    return {
      id: deal.id,
      title: deal.title,
      owner_id: deal.owner_id,
      person_id: deal.person_id,
      org_id: deal.org_id,
      pipeline_id: deal.pipeline_id,
      stage_id: deal.stage_id,
      value: deal.value,
      currency: deal.currency,
      add_time: rfc3339(deal.add_time),
      update_time: rfc3339(deal.update_time),
      stage_change_time: rfc3339(deal.update_time),
      is_deleted: deal.is_deleted,
      status: deal.status,
      probability: deal.probability,
      lost_reason: null,
      visible_to: deal.visible_to,
      close_time: deal.status === 'open' ? null : rfc3339(deal.update_time),
      won_time: deal.status === 'won' ? rfc3339(deal.update_time) : null,
      lost_time: deal.status === 'lost' ? rfc3339(deal.update_time) : null,
      expected_close_date: deal.expected_close_date,
      label_ids: [],
      custom_fields: {},
    };
  }

  // ── products ─────────────────────────────────────────────────────────────────────────────────

  productsOf(companyId: number): ProductRecord[] {
    return this.state.products.filter((p) => p.companyId === companyId);
  }

  product(companyId: number, id: number): ProductRecord | undefined {
    return this.state.products.find((p) => p.id === id && p.companyId === companyId);
  }

  /** The v2 product object (the fields the emulator keeps). */
  serializeProduct(product: ProductRecord): Record<string, unknown> {
    return {
      id: product.id,
      name: product.name,
      code: product.code,
      unit: product.unit,
      owner_id: product.owner_id,
      add_time: rfc3339(product.add_time),
      update_time: rfc3339(product.update_time),
      is_deleted: product.is_deleted,
      visible_to: product.visible_to,
      is_linkable: true,
      tax: 0,
      prices: [],
      custom_fields: {},
    };
  }

  // ── files (reference §3.7: no folders, soft delete, no webhooks) ────────────────────────────

  filesOf(companyId: number): FileRecord[] {
    return this.state.files.filter((f) => f.companyId === companyId);
  }

  file(companyId: number, id: number): FileRecord | undefined {
    return this.state.files.find((f) => f.id === id && f.companyId === companyId);
  }

  addFile(
    companyId: number,
    target: Pick<FileRecord, 'person_id' | 'org_id' | 'deal_id' | 'product_id'>,
    upload: { fileName: string; contentType: string; bytes: Buffer },
    userId: number,
  ): FileRecord {
    const now = this.now();
    const file: FileRecord = {
      id: this.state.nextIds.file++,
      companyId,
      userId,
      ...target,
      file_name: upload.fileName,
      name: upload.fileName,
      description: null,
      contentType: upload.contentType,
      file_size: upload.bytes.length,
      active_flag: true,
      add_time: now,
      update_time: now,
      base64: upload.bytes.toString('base64'),
    };
    this.state.files.push(file);
    return file;
  }

  updateFile(companyId: number, id: number, patch: { name?: string; description?: string | null }): FileRecord {
    const file = this.file(companyId, id);
    if (!file || !file.active_flag) throw new ApiFailure(404, 'File not found');
    if (patch.name !== undefined) {
      if (!patch.name.trim()) throw new ApiFailure(400, 'Name cannot be empty.');
      file.name = patch.name.trim();
    }
    if (patch.description !== undefined) file.description = patch.description;
    file.update_time = this.now();
    return file;
  }

  /** Soft delete: the file keeps its id with active_flag false and drops out of every list. */
  deleteFile(companyId: number, id: number): FileRecord {
    const file = this.file(companyId, id);
    if (!file || !file.active_flag) throw new ApiFailure(404, 'File not found');
    file.active_flag = false;
    file.update_time = this.now();
    file.base64 = '';
    return file;
  }

  // ── helpers ──────────────────────────────────────────────────────────────────────────────────

  requireUser(companyId: number, userId: number): User {
    const user = this.user(userId);
    if (!user || user.companyId !== companyId) throw new ApiFailure(400, `User ${userId} is not a user of company ${companyId}.`);
    return user;
  }

  private emit(event: ChangeEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

type ParsedPersonPatch = Partial<Omit<PersonRecord, 'id' | 'companyId' | 'add_time' | 'update_time' | 'is_deleted' | 'picture_id'>>;

const FIELD_TYPES = ['address', 'date', 'daterange', 'double', 'enum', 'monetary', 'org', 'people', 'phone', 'set', 'text', 'time', 'timerange', 'user', 'varchar', 'varchar_auto', 'visible_to'];

/** Only the fields whose value changed, with their previous value (v2 webhook `previous`). */
export function changedFields(before: Record<string, unknown>, after: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(before)) {
    if (key === 'update_time') continue;
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) out[key] = before[key];
  }
  return out;
}

function requireString(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new ApiFailure(400, `${field} must be a string.`);
  return value;
}

function optionalString(value: unknown, field: string): string | null {
  if (value === null) return null;
  return requireString(value, field);
}

/** v2 does not coerce: "5" is not a number. */
function requireInteger(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new ApiFailure(400, `${field} must be an integer.`);
  return value;
}

function requireNumber(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new ApiFailure(400, `${field} must be a number.`);
  return value;
}

function requireIntegerArray(value: unknown, field: string): number[] {
  if (!Array.isArray(value)) throw new ApiFailure(400, `${field} must be an array of integers.`);
  return value.map((x) => requireInteger(x, field));
}

function isDate(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`));
}

function parseLabeledValues(value: unknown, field: string): LabeledValue[] {
  if (value === null) return [];
  if (!Array.isArray(value)) throw new ApiFailure(400, `${field} must be an array of objects.`);
  const items = value.map((item) => {
    if (!item || typeof item !== 'object') throw new ApiFailure(400, `${field} must be an array of objects.`);
    const { value: v, primary, label } = item as Record<string, unknown>;
    if (typeof v !== 'string') throw new ApiFailure(400, `${field}.value must be a string.`);
    if (primary !== undefined && typeof primary !== 'boolean') throw new ApiFailure(400, `${field}.primary must be a boolean.`);
    if (label !== undefined && typeof label !== 'string') throw new ApiFailure(400, `${field}.label must be a string.`);
    return { value: v, primary: primary === true, label: label ?? 'work' };
  });
  const filtered = items.filter((x) => x.value.trim() !== '');
  // At most one primary; the first becomes primary when none is marked.
  const primaryIndex = Math.max(0, filtered.findIndex((x) => x.primary));
  return filtered.map((x, i) => ({ ...x, primary: i === primaryIndex }));
}

function parseAddress(value: unknown, field: string): Address | null {
  if (value === null) return null;
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new ApiFailure(400, `${field} must be an object.`);
  const input = value as Record<string, unknown>;
  const out = {} as Address;
  for (const key of ADDRESS_KEYS) {
    const v = input[key];
    if (v !== undefined && v !== null && typeof v !== 'string') throw new ApiFailure(400, `${field}.${key} must be a string.`);
    out[key] = (v as string | undefined) ?? null;
  }
  if (!out.value) out.value = [out.street_number, out.route, out.postal_code, out.locality, out.country].filter(Boolean).join(' ') || null;
  return out;
}

function validateCustomValue(field: CustomPersonField, value: unknown): unknown {
  const fail = (what: string) => new ApiFailure(400, `Custom field ${field.key} (${field.name}) expects ${what}.`);
  switch (field.field_type) {
    case 'double':
      if (typeof value !== 'number') throw fail('a number');
      return value;
    case 'date':
      if (typeof value !== 'string' || !isDate(value)) throw fail('a date YYYY-MM-DD');
      return value;
    case 'enum':
    case 'user':
    case 'org':
    case 'people':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw fail('an integer id');
      if (field.field_type === 'enum' && !field.options?.some((o) => o.id === value)) throw fail('an existing option id');
      return value;
    case 'set':
      if (!Array.isArray(value) || value.some((x) => typeof x !== 'number')) throw fail('an array of option ids');
      return value;
    case 'address':
      if (!value || typeof value !== 'object' || typeof (value as { value?: unknown }).value !== 'string') throw fail('an object with a string value');
      return value;
    case 'monetary':
      if (!value || typeof value !== 'object' || typeof (value as { value?: unknown }).value !== 'number') throw fail('an object {value, currency}');
      return value;
    default:
      if (typeof value !== 'string') throw fail('a string');
      return value;
  }
}
