/**
 * The canonical contact: what we compare, hash and map to every provider. Only stable, mapped fields —
 * never volatile ones (timestamps, etags) — so the hash changes only when a synced field changes.
 */
import { createHash } from 'node:crypto';
import type { CrmOrganization, CrmPerson, PostalAddress } from '@/lib/crm/port';

export type ContactValue = { value: string; type: string };

export type Contact = {
  firstName: string | null;
  lastName: string | null;
  emails: ContactValue[];
  phones: ContactValue[];
  address: PostalAddress | null;
  organization: string | null;
  organizationPhone: string | null;
  jobTitle: string | null;
  notes: string | null;
  /** YYYY-MM-DD or --MM-DD */
  birthday: string | null;
  ims: ContactValue[];
};

export const CONTACT_FIELDS = [
  'firstName',
  'lastName',
  'emails',
  'phones',
  'address',
  'organization',
  'organizationPhone',
  'jobTitle',
  'notes',
  'birthday',
  'ims',
] as const satisfies readonly (keyof Contact)[];

const text = (v: string | null | undefined): string | null => {
  if (v === null || v === undefined) return null;
  const s = v.replace(/\s+/g, ' ').trim();
  return s === '' ? null : s;
};
const multiline = (v: string | null | undefined): string | null => {
  if (v === null || v === undefined) return null;
  const s = v.replace(/\r\n/g, '\n').trim();
  return s === '' ? null : s;
};

const PHONE_TYPES = new Set(['work', 'home', 'mobile', 'other', 'fax']);
const EMAIL_TYPES = new Set(['work', 'home', 'other']);

function normalizeAddress(a: PostalAddress | null | undefined): PostalAddress | null {
  if (!a) return null;
  const r: PostalAddress = {};
  for (const k of ['street', 'city', 'region', 'postalCode', 'country', 'formatted'] as const) {
    const v = text(a[k]);
    if (v) r[k] = v;
  }
  // formatted is derived when structured parts exist; keep it only when it is all we have.
  if (r.street || r.city || r.postalCode || r.country) delete r.formatted;
  return Object.keys(r).length ? r : null;
}

/** Normalizes for comparison: trimmed, collapsed whitespace, lower-cased e-mails, de-duplicated lists. */
export function normalizeContact(c: Contact): Contact {
  const seenEmail = new Set<string>();
  const emails = c.emails
    .map((e) => ({ value: e.value.trim().toLowerCase(), type: EMAIL_TYPES.has(e.type) ? e.type : 'other' }))
    .filter((e) => e.value && !seenEmail.has(e.value) && seenEmail.add(e.value));
  const seenPhone = new Set<string>();
  const phones = c.phones
    .map((p) => ({ value: p.value.replace(/\s+/g, ' ').trim(), type: PHONE_TYPES.has(p.type) ? p.type : 'other' }))
    .filter((p) => {
      const key = p.value.replace(/[^\d+]/g, '');
      return key && !seenPhone.has(key) && seenPhone.add(key);
    });
  return {
    firstName: text(c.firstName),
    lastName: text(c.lastName),
    emails,
    phones,
    address: normalizeAddress(c.address),
    organization: text(c.organization),
    organizationPhone: text(c.organizationPhone),
    jobTitle: text(c.jobTitle),
    notes: multiline(c.notes),
    birthday: text(c.birthday),
    ims: c.ims.map((i) => ({ value: i.value.trim(), type: i.type || 'other' })).filter((i) => i.value),
  };
}

export function hashContact(c: Contact): string {
  const n = normalizeContact(c);
  return createHash('sha256').update(JSON.stringify(CONTACT_FIELDS.map((f) => n[f]))).digest('base64url').slice(0, 32);
}

const phoneType = (label: string) => {
  const l = label.toLowerCase();
  return l === 'mobile' || l === 'home' || l === 'fax' || l === 'work' ? l : 'other';
};
const emailType = (label: string) => {
  const l = label.toLowerCase();
  return l === 'home' || l === 'work' ? l : 'other';
};

/** CRM person (+ its organization) → canonical contact (C11: company name and company phone included). */
export function contactFromCrmPerson(p: CrmPerson, org: CrmOrganization | null): Contact {
  const primaryFirst = <T extends { primary?: boolean }>(list: T[]) => [...list].sort((a, b) => Number(!!b.primary) - Number(!!a.primary));
  return normalizeContact({
    firstName: p.firstName,
    lastName: p.lastName,
    emails: primaryFirst(p.emails).map((e) => ({ value: e.value, type: emailType(e.label) })),
    phones: primaryFirst(p.phones).map((e) => ({ value: e.value, type: phoneType(e.label) })),
    address: p.postalAddress,
    organization: org?.name ?? null,
    organizationPhone: org?.phone ?? null,
    jobTitle: p.jobTitle,
    notes: p.notes,
    birthday: p.birthday,
    ims: p.ims.map((i) => ({ value: i.value, type: i.label })),
  });
}

export function displayName(p: { firstName: string | null; lastName: string | null; name?: string | null }, fallback: string): string {
  return [p.firstName, p.lastName].filter(Boolean).join(' ') || p.name || fallback;
}
