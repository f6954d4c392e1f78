/**
 * `/api/v1/personFields` and `/api/v1/organizationFields` (reference §3.4): standard fields, the contact-sync fields only when the
 * company set up Contact Sync, `visible_to` options by plan, custom fields with 40-char hex keys.
 */
import { ApiRoutes, idParam, jsonBody } from './api-context';
import type { EmulatorDeps } from './emulator-deps';
import { visibilityOptions } from './plans';
import { ApiFailure } from './store';
import { ORG_PHONE_FIELD_KEY } from './demo-data';
import type { Company, CustomPersonField } from './types';
import { ok, v1Time } from './wire-format';

type StandardField = { id: number; key: string; name: string; field_type: string; contactSync?: boolean; mandatory?: boolean };

const STANDARD_FIELDS: StandardField[] = [
  { id: 9001, key: 'id', name: 'ID', field_type: 'int' },
  { id: 9002, key: 'name', name: 'Name', field_type: 'varchar', mandatory: true },
  { id: 9003, key: 'first_name', name: 'First name', field_type: 'varchar' },
  { id: 9004, key: 'last_name', name: 'Last name', field_type: 'varchar' },
  { id: 9005, key: 'label_ids', name: 'Labels', field_type: 'set' },
  { id: 9006, key: 'org_id', name: 'Organization', field_type: 'org' },
  { id: 9007, key: 'owner_id', name: 'Owner', field_type: 'user' },
  { id: 9008, key: 'phone', name: 'Phone', field_type: 'phone' },
  { id: 9009, key: 'email', name: 'Email', field_type: 'varchar' },
  { id: 9010, key: 'visible_to', name: 'Visible to', field_type: 'visible_to' },
  { id: 9011, key: 'picture_id', name: 'Profile picture', field_type: 'picture' },
  { id: 9012, key: 'add_time', name: 'Person created', field_type: 'date' },
  { id: 9013, key: 'update_time', name: 'Update time', field_type: 'date' },
  { id: 9020, key: 'job_title', name: 'Job title', field_type: 'varchar', contactSync: true },
  { id: 9021, key: 'birthday', name: 'Birthday', field_type: 'date', contactSync: true },
  { id: 9022, key: 'postal_address', name: 'Postal address', field_type: 'address', contactSync: true },
  { id: 9023, key: 'notes', name: 'Notes', field_type: 'text', contactSync: true },
  { id: 9024, key: 'im', name: 'Instant messenger', field_type: 'varchar', contactSync: true },
];

const FIELD_EPOCH = Date.UTC(2024, 0, 1);

function standardFields(company: Company): Record<string, unknown>[] {
  return STANDARD_FIELDS.filter((f) => !f.contactSync || company.contactSyncFields).map((f, i) => ({
    id: f.id,
    key: f.key,
    name: f.name,
    order_nr: i,
    field_type: f.field_type,
    add_time: v1Time(FIELD_EPOCH),
    update_time: v1Time(FIELD_EPOCH),
    last_updated_by_user_id: null,
    created_by_user_id: null,
    active_flag: true,
    edit_flag: false,
    index_visible_flag: true,
    details_visible_flag: true,
    add_visible_flag: true,
    important_flag: false,
    bulk_edit_allowed: f.key !== 'id',
    searchable_flag: ['name', 'phone', 'email', 'notes'].includes(f.key),
    filtering_allowed: true,
    sortable_flag: true,
    mandatory_flag: Boolean(f.mandatory),
    ...(f.key === 'visible_to' ? { options: visibilityOptions(company.plan) } : {}),
  }));
}

export function serializeCustomField(field: CustomPersonField, orderNr: number): Record<string, unknown> {
  return {
    id: field.id,
    key: field.key,
    name: field.name,
    order_nr: orderNr,
    field_type: field.field_type,
    add_time: v1Time(field.add_time),
    update_time: v1Time(field.update_time),
    last_updated_by_user_id: field.createdByUserId,
    created_by_user_id: field.createdByUserId,
    active_flag: field.active,
    edit_flag: true,
    index_visible_flag: true,
    details_visible_flag: true,
    add_visible_flag: field.add_visible_flag,
    important_flag: false,
    bulk_edit_allowed: true,
    searchable_flag: false,
    filtering_allowed: true,
    sortable_flag: true,
    mandatory_flag: false,
    options: field.options,
  };
}

export function registerPersonFieldRoutes(api: ApiRoutes, { store }: EmulatorDeps): void {
  const allFields = (company: Company) => {
    const standard = standardFields(company);
    return [...standard, ...store.customFields(company.id).map((f, i) => serializeCustomField(f, standard.length + i))];
  };

  api.add('GET', '/api/v1/personFields', (req, caller) => {
    const query = req.url.searchParams;
    const start = Number(query.get('start') ?? 0);
    const limit = Number(query.get('limit') ?? 100);
    if (!Number.isInteger(start) || start < 0) throw new ApiFailure(400, 'start must be a non-negative integer.');
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new ApiFailure(400, 'limit must be an integer between 1 and 500.');
    const fields = allFields(caller.company);
    const page = fields.slice(start, start + limit);
    const more = start + limit < fields.length;
    return ok(page, { pagination: { start, limit, more_items_in_collection: more, ...(more ? { next_start: start + limit } : {}) } });
  });

  api.add('GET', '/api/v1/personFields/:id', (req, caller) => {
    const id = idParam(req);
    const field = allFields(caller.company).find((f) => f.id === id);
    if (!field) throw new ApiFailure(404, 'Field not found');
    return ok(field);
  });

  api.add('POST', '/api/v1/personFields', (req, caller) => {
    const field = store.createCustomField(caller.company.id, caller.user.id, jsonBody(req));
    return ok(serializeCustomField(field, allFields(caller.company).length - 1));
  });

  api.add('DELETE', '/api/v1/personFields/:id', (req, caller) => {
    const id = idParam(req);
    if (STANDARD_FIELDS.some((f) => f.id === id)) throw new ApiFailure(400, 'Standard fields cannot be deleted.');
    store.deleteCustomField(caller.company.id, caller.user.id, id);
    return ok({ id });
  });
}

/** Organizations have no built-in phone: Northwind keeps it in a custom field of type `phone`. */
const ORGANIZATION_FIELDS: { id: number; key: string; name: string; field_type: string; edit_flag: boolean }[] = [
  { id: 4001, key: 'id', name: 'ID', field_type: 'int', edit_flag: false },
  { id: 4002, key: 'name', name: 'Name', field_type: 'varchar', edit_flag: false },
  { id: 4003, key: 'owner_id', name: 'Owner', field_type: 'user', edit_flag: false },
  { id: 4004, key: 'address', name: 'Address', field_type: 'address', edit_flag: false },
  { id: 4005, key: 'visible_to', name: 'Visible to', field_type: 'visible_to', edit_flag: false },
  { id: 4101, key: ORG_PHONE_FIELD_KEY, name: 'Phone', field_type: 'phone', edit_flag: true },
];

export function registerOrganizationFieldRoutes(api: ApiRoutes): void {
  api.add('GET', '/api/v1/organizationFields', (req) => {
    const query = req.url.searchParams;
    const start = Number(query.get('start') ?? 0);
    const limit = Number(query.get('limit') ?? 100);
    if (!Number.isInteger(start) || start < 0) throw new ApiFailure(400, 'start must be a non-negative integer.');
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new ApiFailure(400, 'limit must be an integer between 1 and 500.');
    const fields = ORGANIZATION_FIELDS.map((f, i) => ({
      ...f,
      order_nr: i,
      add_time: v1Time(FIELD_EPOCH),
      update_time: v1Time(FIELD_EPOCH),
      active_flag: true,
      mandatory_flag: f.key === 'name',
    }));
    const page = fields.slice(start, start + limit);
    const more = start + limit < fields.length;
    return ok(page, { pagination: { start, limit, more_items_in_collection: more, ...(more ? { next_start: start + limit } : {}) } });
  });
}
