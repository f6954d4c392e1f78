/** Pipedrive v2 person/organization ↔ our canonical CrmPerson. Pure. */
import { z } from 'zod';
import type { CrmPerson, LabeledValue, PersonInput, PostalAddress } from '../port';

/**
 * The contact-sync-only fields (job_title, birthday, postal_address, notes, im) exist natively only when
 * the company enabled Pipedrive's contact sync (C9). Otherwise Synclane creates custom fields and stores
 * their 40-char keys here.
 */
export type PipedriveFieldMap = Partial<Record<'jobTitle' | 'birthday' | 'postalAddress' | 'notes' | 'im', string>>;

const ZLabeled = z.object({ value: z.string().nullable().optional(), primary: z.boolean().optional(), label: z.string().nullable().optional() });
const ZAddress = z
  .object({
    value: z.string().nullable().optional(),
    country: z.string().nullable().optional(),
    admin_area_level_1: z.string().nullable().optional(),
    locality: z.string().nullable().optional(),
    route: z.string().nullable().optional(),
    street_number: z.string().nullable().optional(),
    postal_code: z.string().nullable().optional(),
  })
  .passthrough();

export const ZPdPerson = z
  .object({
    id: z.number(),
    name: z.string().nullable().optional(),
    first_name: z.string().nullable().optional(),
    last_name: z.string().nullable().optional(),
    owner_id: z.number().nullable().optional(),
    org_id: z.number().nullable().optional(),
    emails: z.array(ZLabeled).nullable().optional(),
    phones: z.array(ZLabeled).nullable().optional(),
    im: z.array(ZLabeled).nullable().optional(),
    ims: z.array(ZLabeled).nullable().optional(),
    postal_address: ZAddress.nullable().optional(),
    notes: z.string().nullable().optional(),
    birthday: z.string().nullable().optional(),
    job_title: z.string().nullable().optional(),
    picture_id: z.number().nullable().optional(),
    update_time: z.string().nullable().optional(),
    is_deleted: z.boolean().optional(),
    custom_fields: z.record(z.string(), z.unknown()).nullable().optional(),
  })
  .passthrough();
export type PdPerson = z.infer<typeof ZPdPerson>;

export const ZPdOrganization = z
  .object({
    id: z.number(),
    name: z.string(),
    address: ZAddress.nullable().optional(),
    phone: z.string().nullable().optional(),
  })
  .passthrough();

export const ZPdUserMe = z
  .object({
    id: z.number(),
    name: z.string(),
    email: z.string().nullable().optional(),
    locale: z.string().nullable().optional(),
    is_admin: z.union([z.boolean(), z.number()]).optional().transform((v) => !!v),
    access: z.array(z.object({ app: z.string(), admin: z.boolean().optional() })).optional(),
    company_id: z.number(),
    company_name: z.string(),
    company_domain: z.string().nullable().optional(),
  })
  .passthrough();

const clean = (v: unknown): string | null => {
  if (v === null || v === undefined) return null;
  const s = String(v).trim();
  return s === '' ? null : s;
};

const labeled = (list: z.infer<typeof ZLabeled>[] | null | undefined): LabeledValue[] =>
  (list ?? [])
    .map((i) => ({ value: clean(i.value) ?? '', label: clean(i.label) ?? 'other', primary: !!i.primary }))
    .filter((i) => i.value !== '');

function addressFrom(a: z.infer<typeof ZAddress> | string | null | undefined): PostalAddress | null {
  if (!a) return null;
  if (typeof a === 'string') return clean(a) ? { formatted: a.trim() } : null;
  const street = [a.route, a.street_number].filter(Boolean).join(' ') || undefined;
  const result: PostalAddress = {
    street,
    city: a.locality ?? undefined,
    region: a.admin_area_level_1 ?? undefined,
    postalCode: a.postal_code ?? undefined,
    country: a.country ?? undefined,
    formatted: a.value ?? undefined,
  };
  return Object.values(result).some((v) => v) ? result : null;
}

export function personFromPipedrive(p: PdPerson, fieldMap: PipedriveFieldMap, webUrl: (id: number) => string): CrmPerson {
  const custom = p.custom_fields ?? {};
  const pick = (key: keyof PipedriveFieldMap, native: unknown) => (fieldMap[key] ? custom[fieldMap[key]!] : native);
  const im = pick('im', p.im ?? p.ims);
  return {
    id: String(p.id),
    firstName: clean(p.first_name),
    lastName: clean(p.last_name),
    name: clean(p.name),
    emails: labeled(p.emails),
    phones: labeled(p.phones),
    ownerId: p.owner_id != null ? String(p.owner_id) : null,
    orgId: p.org_id != null ? String(p.org_id) : null,
    jobTitle: clean(pick('jobTitle', p.job_title)),
    notes: clean(pick('notes', p.notes)),
    birthday: clean(pick('birthday', p.birthday)),
    postalAddress: addressFrom(pick('postalAddress', p.postal_address) as z.infer<typeof ZAddress> | string | null),
    ims: Array.isArray(im) ? labeled(im as z.infer<typeof ZLabeled>[]) : typeof im === 'string' && im ? [{ value: im, label: 'other' }] : [],
    hasPicture: p.picture_id != null,
    updatedAt: p.update_time ?? new Date(0).toISOString(),
    webUrl: webUrl(p.id),
  };
}

export function personToPipedrive(input: PersonInput, fieldMap: PipedriveFieldMap): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const custom: Record<string, unknown> = {};
  const put = (key: keyof PipedriveFieldMap, native: string, value: unknown) => {
    if (value === undefined) return;
    if (fieldMap[key]) custom[fieldMap[key]!] = value;
    else body[native] = value;
  };
  if (input.firstName !== undefined) body.first_name = input.firstName ?? '';
  if (input.lastName !== undefined) body.last_name = input.lastName ?? '';
  if (input.firstName !== undefined || input.lastName !== undefined || input.name !== undefined) {
    body.name = input.name ?? ([input.firstName, input.lastName].filter(Boolean).join(' ') || undefined);
  }
  if (input.emails !== undefined) body.emails = input.emails.map((e, i) => ({ value: e.value, label: e.label || 'work', primary: e.primary ?? i === 0 }));
  if (input.phones !== undefined) body.phones = input.phones.map((e, i) => ({ value: e.value, label: e.label || 'work', primary: e.primary ?? i === 0 }));
  if (input.orgId !== undefined) body.org_id = input.orgId === null ? null : Number(input.orgId);
  if (input.visibleTo !== undefined && input.visibleTo !== null) body.visible_to = input.visibleTo;
  put('jobTitle', 'job_title', input.jobTitle === undefined ? undefined : input.jobTitle ?? null);
  put('notes', 'notes', input.notes === undefined ? undefined : input.notes ?? null);
  // Pipedrive date fields (native and ours) accept only YYYY-MM-DD; a year-less (--MM-DD) or free-text
  // birthday from the provider would fail the whole write with a 400, so it is left out (not cleared).
  put('birthday', 'birthday', input.birthday === undefined || (input.birthday !== null && !/^\d{4}-\d{2}-\d{2}$/.test(input.birthday)) ? undefined : input.birthday);
  if (input.postalAddress !== undefined) {
    const a = input.postalAddress;
    const value = a ? a.formatted ?? [a.street, [a.postalCode, a.city].filter(Boolean).join(' '), a.region, a.country].filter(Boolean).join(', ') : null;
    put('postalAddress', 'postal_address', value ? (fieldMap.postalAddress ? value : { value }) : null);
  }
  if (input.ims !== undefined) {
    put('im', 'im', fieldMap.im ? input.ims.map((i) => i.value).join(', ') || null : input.ims.map((i, n) => ({ value: i.value, label: i.label || 'other', primary: n === 0 })));
  }
  if (Object.keys(custom).length) body.custom_fields = custom;
  return body;
}

/** A v1 File object (reference §3.7); only what the file sync reads. */
export const ZPdFile = z
  .object({
    id: z.number(),
    name: z.string().nullable().optional(),
    file_name: z.string().nullable().optional(),
    file_size: z.number().nullable().optional(),
    file_type: z.string().nullable().optional(),
    update_time: z.string().nullable().optional(),
    add_time: z.string().nullable().optional(),
    active_flag: z.boolean().optional(),
    person_id: z.number().nullable().optional(),
    org_id: z.number().nullable().optional(),
    deal_id: z.number().nullable().optional(),
    product_id: z.number().nullable().optional(),
  })
  .passthrough();
export type PdFile = z.infer<typeof ZPdFile>;

/** v1 times are `YYYY-MM-DD HH:MM:SS` in UTC. */
export function v1TimeToIso(value: string | null | undefined): string {
  if (!value) return new Date(0).toISOString();
  const iso = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(value) ? `${value.replace(' ', 'T')}Z` : value;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? new Date(0).toISOString() : new Date(ms).toISOString();
}

/** Pipedrive has no folders; the visible `name` (what PUT renames) is the file's name. */
export function fileFromPipedrive(f: PdFile) {
  return {
    id: String(f.id),
    name: f.name || f.file_name || `file-${f.id}`,
    size: f.file_size ?? 0,
    folder: null,
    updatedAt: v1TimeToIso(f.update_time ?? f.add_time),
    mimeType: null,
  };
}

/** An entry of `/api/v1/organizationFields`; only key and type matter to us. */
export const ZPdOrganizationField = z.object({ key: z.string(), field_type: z.string() }).passthrough();

/**
 * C11: a Pipedrive organization has no built-in phone; companies keep it in custom field(s) of type
 * `phone`. Returns the first non-empty value among those fields (v2 puts custom values under
 * `custom_fields`, v1 at the root; a value may be a plain string or a labelled list).
 */
export function organizationPhone(org: Record<string, unknown>, phoneFieldKeys: string[]): string | null {
  const custom = (org.custom_fields ?? {}) as Record<string, unknown>;
  for (const key of phoneFieldKeys) {
    const raw = key in custom ? custom[key] : org[key];
    const values = Array.isArray(raw) ? raw.map((v) => (v && typeof v === 'object' ? (v as { value?: unknown }).value : v)) : [raw && typeof raw === 'object' ? (raw as { value?: unknown }).value : raw];
    for (const v of values) {
      const s = clean(v);
      if (s) return s;
    }
  }
  return clean(org.phone);
}
