/**
 * Validation of the writable contact fields (`contacts.add` / `contacts.update` bodies). The host web UI
 * builds the same wire-shaped object from its form, so the UI and the API change records identically.
 */
import { badRequest } from './errors';
import type { Address, ContactRecord, CustomFieldDefinition, CustomFieldValue, Email, Telephone } from './types';

export type ContactPatch = Partial<
  Pick<
    ContactRecord,
    | 'first_name' | 'last_name' | 'salutation' | 'emails' | 'telephones' | 'website' | 'addresses' | 'gender'
    | 'birthdate' | 'iban' | 'bic' | 'national_identification_number' | 'language' | 'remarks' | 'tags'
    | 'custom_fields' | 'marketing_mails_consent'
  >
>;

export type CustomFieldsStrategy = 'replace' | 'partial';

const TELEPHONE_TYPES = ['phone', 'mobile', 'fax'] as const;
const ADDRESS_TYPES = ['primary', 'invoicing', 'delivery', 'visiting'] as const;
const GENDERS = ['female', 'male', 'non_binary', 'prefers_not_to_say', 'unknown'] as const;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(body: Record<string, unknown>, field: string): string | null | undefined {
  if (!(field in body)) return undefined;
  const value = body[field];
  if (value === null) return null;
  if (typeof value !== 'string') throw badRequest(`${field} must be a string`);
  return value;
}

function arrayField(body: Record<string, unknown>, field: string): unknown[] | undefined {
  if (!(field in body)) return undefined;
  const value = body[field];
  if (value === null) return [];
  if (!Array.isArray(value)) throw badRequest(`${field} must be an array`);
  return value;
}

function parseEmails(items: unknown[]): Email[] {
  return items.map((item, i) => {
    if (!isObject(item) || typeof item.email !== 'string') throw badRequest(`emails.${i}.email must be a string`);
    if (item.type !== 'primary') throw badRequest(`emails.${i}.type must be one of: primary`);
    if (!/^[^\s@]+@[^\s@]+$/.test(item.email)) throw badRequest(`emails.${i}.email is not a valid email address`);
    return { type: 'primary', email: item.email };
  });
}

function parseTelephones(items: unknown[]): Telephone[] {
  return items.map((item, i) => {
    if (!isObject(item) || typeof item.number !== 'string' || !item.number.trim()) {
      throw badRequest(`telephones.${i}.number must not be empty`);
    }
    if (!TELEPHONE_TYPES.includes(item.type as Telephone['type'])) {
      throw badRequest(`telephones.${i}.type must be one of: ${TELEPHONE_TYPES.join(', ')}`);
    }
    return { type: item.type as Telephone['type'], number: item.number };
  });
}

export function parseAddresses(items: unknown[]): Address[] {
  return items.map((item, i) => {
    if (!isObject(item) || !isObject(item.address)) throw badRequest(`addresses.${i}.address must be an object`);
    if (!ADDRESS_TYPES.includes(item.type as Address['type'])) {
      throw badRequest(`addresses.${i}.type must be one of: ${ADDRESS_TYPES.join(', ')}`);
    }
    const a = item.address;
    if (typeof a.country !== 'string' || !/^[A-Z]{2}$/.test(a.country)) {
      throw badRequest(`addresses.${i}.address.country must be an ISO 3166-1 alpha-2 country code`);
    }
    if (item.type === 'primary' && a.addressee) throw badRequest(`addresses.${i}.address.addressee is not allowed for primary addresses`);
    const text = (key: string) => {
      const v = a[key];
      if (v === undefined || v === null || v === '') return null;
      if (typeof v !== 'string') throw badRequest(`addresses.${i}.address.${key} must be a string`);
      return v;
    };
    return {
      type: item.type as Address['type'],
      address: {
        ...(item.type === 'primary' ? {} : { addressee: text('addressee') }),
        line_1: text('line_1'),
        postal_code: text('postal_code'),
        city: text('city'),
        country: a.country,
        area_level_two_id: text('area_level_two_id'),
      },
    };
  });
}

export function parseCustomFields(items: unknown[], definitions: CustomFieldDefinition[]): CustomFieldValue[] {
  return items.map((item, i) => {
    if (!isObject(item) || typeof item.id !== 'string') throw badRequest(`custom_fields.${i}.id must be a string`);
    const definition = definitions.find((d) => d.id === item.id);
    if (!definition) throw badRequest(`Custom field definition ${item.id} does not exist`);
    return { id: item.id, value: item.value ?? null };
  });
}

/** Parses the writable fields of an add/update body. `last_name` is the only field required on add. */
export function parseContactPatch(
  body: Record<string, unknown>,
  options: { isAdd: boolean; definitions: CustomFieldDefinition[] },
): ContactPatch {
  const patch: ContactPatch = {};
  const lastName = optionalString(body, 'last_name');
  if (options.isAdd || lastName !== undefined) {
    if (!lastName || !lastName.trim()) throw badRequest('Last name must not be empty');
    patch.last_name = lastName;
  }
  for (const field of ['first_name', 'salutation', 'website', 'iban', 'bic', 'national_identification_number', 'language', 'remarks'] as const) {
    const value = optionalString(body, field);
    if (value !== undefined) patch[field] = value;
  }
  const birthdate = optionalString(body, 'birthdate');
  if (birthdate !== undefined) {
    if (birthdate !== null && (!/^\d{4}-\d{2}-\d{2}$/.test(birthdate) || Number.isNaN(Date.parse(birthdate)))) {
      throw badRequest('birthdate must be a date in the format YYYY-MM-DD');
    }
    patch.birthdate = birthdate;
  }
  if ('gender' in body) {
    if (body.gender !== null && !GENDERS.includes(body.gender as (typeof GENDERS)[number])) {
      throw badRequest(`gender must be one of: ${GENDERS.join(', ')}`);
    }
    patch.gender = body.gender as ContactPatch['gender'];
  }
  if ('marketing_mails_consent' in body) {
    if (typeof body.marketing_mails_consent !== 'boolean') throw badRequest('marketing_mails_consent must be a boolean');
    patch.marketing_mails_consent = body.marketing_mails_consent;
  }
  const emails = arrayField(body, 'emails');
  if (emails) patch.emails = parseEmails(emails);
  const telephones = arrayField(body, 'telephones');
  if (telephones) patch.telephones = parseTelephones(telephones);
  const addresses = arrayField(body, 'addresses');
  if (addresses) patch.addresses = parseAddresses(addresses);
  const tags = arrayField(body, 'tags');
  if (tags) {
    if (!tags.every((t) => typeof t === 'string')) throw badRequest('tags must be an array of strings');
    patch.tags = [...new Set(tags as string[])];
  }
  const customFields = arrayField(body, 'custom_fields');
  if (customFields) patch.custom_fields = parseCustomFields(customFields, options.definitions);
  return patch;
}

export function parseCustomFieldsStrategy(body: Record<string, unknown>): CustomFieldsStrategy {
  const value = body.custom_fields_update_strategy;
  if (value === undefined || value === null || value === 'replace') return 'replace';
  if (value === 'partial') return 'partial';
  throw badRequest('custom_fields_update_strategy must be one of: replace, partial');
}
