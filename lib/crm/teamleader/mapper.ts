/** Teamleader contact/company ↔ canonical CrmPerson. Pure. */
import { z } from 'zod';
import type { CrmPerson, LabeledValue, PersonInput, PostalAddress } from '../port';

const ZTlAddress = z
  .object({
    line_1: z.string().nullable().optional(),
    postal_code: z.string().nullable().optional(),
    city: z.string().nullable().optional(),
    country: z.string().nullable().optional(),
  })
  .passthrough();

export const ZTlContact = z
  .object({
    id: z.string(),
    first_name: z.string().nullable().optional(),
    last_name: z.string().nullable().optional(),
    emails: z.array(z.object({ type: z.string().optional(), email: z.string() })).nullable().optional(),
    telephones: z.array(z.object({ type: z.string().optional(), number: z.string() })).nullable().optional(),
    primary_address: ZTlAddress.nullable().optional(),
    addresses: z.array(z.object({ type: z.string().optional(), address: ZTlAddress })).nullable().optional(),
    birthdate: z.string().nullable().optional(),
    remarks: z.string().nullable().optional(),
    companies: z
      .array(z.object({ position: z.string().nullable().optional(), company: z.object({ id: z.string() }) }))
      .nullable()
      .optional(),
    updated_at: z.string().nullable().optional(),
    web_url: z.string().nullable().optional(),
  })
  .passthrough();
export type TlContact = z.infer<typeof ZTlContact>;

export const ZTlCompany = z
  .object({
    id: z.string(),
    name: z.string(),
    telephones: z.array(z.object({ type: z.string().optional(), number: z.string() })).nullable().optional(),
    addresses: z.array(z.object({ type: z.string().optional(), address: ZTlAddress })).nullable().optional(),
    primary_address: ZTlAddress.nullable().optional(),
  })
  .passthrough();

const clean = (v: unknown): string | null => {
  if (v === null || v === undefined) return null;
  const s = String(v).trim();
  return s === '' ? null : s;
};

export function addressFromTeamleader(a: z.infer<typeof ZTlAddress> | null | undefined): PostalAddress | null {
  if (!a) return null;
  const r: PostalAddress = { street: clean(a.line_1) ?? undefined, postalCode: clean(a.postal_code) ?? undefined, city: clean(a.city) ?? undefined, country: clean(a.country) ?? undefined };
  return Object.values(r).some(Boolean) ? r : null;
}

export function contactFromTeamleader(c: TlContact, webUrl: (id: string) => string): CrmPerson {
  const phones: LabeledValue[] = (c.telephones ?? [])
    .filter((t) => clean(t.number))
    .map((t, i) => ({ value: t.number.trim(), label: t.type === 'mobile' ? 'mobile' : t.type === 'fax' ? 'fax' : 'work', primary: i === 0 }));
  const emails: LabeledValue[] = (c.emails ?? [])
    .filter((e) => clean(e.email))
    .map((e, i) => ({ value: e.email.trim(), label: 'work', primary: e.type === 'primary' || i === 0 }));
  const primaryAddress = c.addresses?.find((a) => a.type === 'primary')?.address ?? c.addresses?.[0]?.address ?? c.primary_address;
  const first = clean(c.first_name);
  const last = clean(c.last_name);
  return {
    id: c.id,
    firstName: first,
    lastName: last,
    name: [first, last].filter(Boolean).join(' ') || null,
    emails,
    phones,
    ownerId: null,
    orgId: c.companies?.[0]?.company.id ?? null,
    jobTitle: clean(c.companies?.[0]?.position),
    notes: clean(c.remarks),
    birthday: clean(c.birthdate),
    postalAddress: addressFromTeamleader(primaryAddress),
    ims: [],
    hasPicture: false,
    updatedAt: c.updated_at ?? new Date(0).toISOString(),
    webUrl: clean(c.web_url) ?? webUrl(c.id),
  };
}

export function contactToTeamleader(input: PersonInput): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (input.firstName !== undefined) body.first_name = input.firstName;
  if (input.lastName !== undefined) body.last_name = input.lastName ?? input.name ?? '';
  if (input.emails !== undefined) body.emails = input.emails.map((e) => ({ type: 'primary', email: e.value }));
  if (input.phones !== undefined)
    body.telephones = input.phones.map((p) => ({ type: p.label === 'mobile' ? 'mobile' : p.label === 'fax' ? 'fax' : 'phone', number: p.value }));
  if (input.birthday !== undefined) body.birthdate = input.birthday && /^\d{4}-\d{2}-\d{2}$/.test(input.birthday) ? input.birthday : null;
  if (input.notes !== undefined) body.remarks = input.notes ?? '';
  return body;
}

/** A files.list / files.info row (reference §4.6). */
export const ZTlFile = z
  .object({
    id: z.string(),
    name: z.string(),
    size: z.number().nullable().optional(),
    mime_type: z.string().nullable().optional(),
    updated_at: z.string().nullable().optional(),
    folder: z.string().nullable().optional(),
    subject: z.object({ type: z.string(), id: z.string().nullable().optional() }).nullable().optional(),
  })
  .passthrough();

export function fileFromTeamleader(f: z.infer<typeof ZTlFile>) {
  const ms = f.updated_at ? Date.parse(f.updated_at) : NaN;
  return {
    id: f.id,
    name: f.name,
    size: f.size ?? 0,
    folder: f.folder ?? null,
    updatedAt: Number.isNaN(ms) ? new Date(0).toISOString() : new Date(ms).toISOString(),
    mimeType: f.mime_type ?? null,
  };
}
