/**
 * Canonical contact ↔ Microsoft Graph `contact` (reference/providers.md §5.3, §6). Pure.
 *
 * Lossy spots (Graph v1.0 cannot hold them; `projectContactForGraph` shows what survives a round trip,
 * so the engine can compare a provider read against a snapshot projected the same way):
 * - e-mail types (Graph keeps only address + name) → read back as `other`; more than 3 e-mails dropped;
 * - phones: work → businessPhones, home → homePhones, first mobile → mobilePhone, `other` fills spare
 *   businessPhones slots (read back as `work`); fax and extra mobiles are not representable;
 * - one postal address, written as businessAddress (read: business, else home, else other);
 * - organizationPhone: no Graph field, never written, read as null;
 * - year-less birthdays (`--MM-DD`) are not representable in a DateTimeOffset: left untouched;
 * - IM protocol is kept as a `protocol:username` prefix (app convention, parsed back).
 * C10: notes ARE synced, through `personalNotes`.
 */
import { normalizeContact, type Contact, type ContactValue } from '@/lib/sync/contacts/model';
import type { PostalAddress } from '@/lib/crm/port';

/** Multi-value limits Graph enforces with a 400 (providers.md §5.3; homePhones/imAddresses assumed). */
export const GRAPH_LIMITS = { emailAddresses: 3, businessPhones: 2, homePhones: 2, imAddresses: 3 } as const;
/** Open extension stamped on every contact we create (idempotent creates, crash recovery). */
export const GRAPH_REF_EXTENSION = 'com.synclane.crm';
/** Properties we read; also the `$select` of list and delta calls. */
export const GRAPH_SELECT = [
  'id', 'parentFolderId', 'lastModifiedDateTime', 'givenName', 'surname', 'displayName', 'emailAddresses', 'businessPhones', 'homePhones',
  'mobilePhone', 'businessAddress', 'homeAddress', 'otherAddress', 'companyName', 'jobTitle', 'personalNotes', 'birthday', 'imAddresses',
].join(',');

export type GraphPhysicalAddress = { street?: string | null; city?: string | null; state?: string | null; postalCode?: string | null; countryOrRegion?: string | null };
export type GraphExtension = { '@odata.type'?: string; id?: string; extensionName?: string; [key: string]: unknown };
export type GraphContact = {
  id?: string;
  '@odata.etag'?: string;
  '@removed'?: { reason?: string };
  changeKey?: string;
  parentFolderId?: string;
  lastModifiedDateTime?: string;
  displayName?: string | null;
  givenName?: string | null;
  surname?: string | null;
  emailAddresses?: { address?: string | null; name?: string | null }[];
  businessPhones?: string[];
  homePhones?: string[];
  mobilePhone?: string | null;
  businessAddress?: GraphPhysicalAddress | null;
  homeAddress?: GraphPhysicalAddress | null;
  otherAddress?: GraphPhysicalAddress | null;
  companyName?: string | null;
  jobTitle?: string | null;
  personalNotes?: string | null;
  birthday?: string | null;
  imAddresses?: string[];
  extensions?: GraphExtension[];
};

const FULL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` → midnight UTC; year-less or unparsable → undefined (property not sent). */
export function birthdayToGraph(birthday: string | null): string | null | undefined {
  if (birthday === null) return null;
  return FULL_DATE.test(birthday) ? `${birthday}T00:00:00Z` : undefined;
}

/**
 * DateTimeOffset → `YYYY-MM-DD`, rounded to the nearest UTC day: Outlook may store a birthday at a
 * local midnight or around noon, so `1990-04-11T22:00:00Z` (midnight in UTC+2) is April 12.
 */
export function birthdayFromGraph(value: string | null | undefined): string | null {
  if (!value) return null;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return null;
  return new Date(ms + DAY_MS / 2).toISOString().slice(0, 10);
}

function addressToGraph(a: PostalAddress | null): GraphPhysicalAddress | null {
  if (!a) return null;
  const street = a.street ?? (a.city || a.postalCode || a.country ? undefined : a.formatted);
  return { street: street ?? null, city: a.city ?? null, state: a.region ?? null, postalCode: a.postalCode ?? null, countryOrRegion: a.country ?? null };
}

function addressFromGraph(c: GraphContact): PostalAddress | null {
  const hasAny = (a: GraphPhysicalAddress | null | undefined): a is GraphPhysicalAddress => !!a && Object.values(a).some((v) => typeof v === 'string' && v.trim() !== '');
  const a = [c.businessAddress, c.homeAddress, c.otherAddress].find(hasAny);
  if (!a) return null;
  return { street: a.street ?? undefined, city: a.city ?? undefined, region: a.state ?? undefined, postalCode: a.postalCode ?? undefined, country: a.countryOrRegion ?? undefined };
}

function imToGraph(i: ContactValue): string {
  return i.type && i.type !== 'other' ? `${i.type}:${i.value}` : i.value;
}

function imFromGraph(value: string): ContactValue {
  const m = /^([a-z][a-z0-9]{1,19}):(?!\/\/)(.+)$/i.exec(value.trim());
  return m ? { value: m[2], type: m[1].toLowerCase() } : { value, type: 'other' };
}

function phonesToGraph(phones: ContactValue[]): Pick<GraphContact, 'businessPhones' | 'homePhones' | 'mobilePhone'> {
  const business = phones.filter((p) => p.type === 'work').map((p) => p.value);
  const home = phones.filter((p) => p.type === 'home').map((p) => p.value);
  const mobile = phones.find((p) => p.type === 'mobile')?.value ?? null;
  const other = phones.filter((p) => p.type === 'other').map((p) => p.value);
  return {
    businessPhones: [...business, ...other].slice(0, GRAPH_LIMITS.businessPhones),
    homePhones: home.slice(0, GRAPH_LIMITS.homePhones),
    mobilePhone: mobile,
  };
}

const composeDisplayName = (c: Contact) => [c.firstName, c.lastName].filter(Boolean).join(' ') || c.organization || c.emails[0]?.value || '';

/**
 * The full write body for create and PATCH (arrays are replaced whole; limits truncated in the
 * contact's order, so the first — primary — values are kept).
 */
export function contactToGraph(contact: Contact): GraphContact {
  const c = normalizeContact(contact);
  const body: GraphContact = {
    givenName: c.firstName,
    surname: c.lastName,
    displayName: composeDisplayName(c),
    emailAddresses: c.emails.slice(0, GRAPH_LIMITS.emailAddresses).map((e) => ({ address: e.value, name: e.value })),
    ...phonesToGraph(c.phones),
    businessAddress: addressToGraph(c.address),
    companyName: c.organization,
    jobTitle: c.jobTitle,
    personalNotes: c.notes ?? '',
    imAddresses: c.ims.map(imToGraph).slice(0, GRAPH_LIMITS.imAddresses),
  };
  const birthday = birthdayToGraph(c.birthday);
  if (birthday !== undefined) body.birthday = birthday;
  return body;
}

export function contactFromGraph(g: GraphContact): Contact {
  const phones: ContactValue[] = [
    ...(g.mobilePhone ? [{ value: g.mobilePhone, type: 'mobile' }] : []),
    ...(g.businessPhones ?? []).map((value) => ({ value, type: 'work' })),
    ...(g.homePhones ?? []).map((value) => ({ value, type: 'home' })),
  ];
  return normalizeContact({
    firstName: g.givenName ?? null,
    lastName: g.surname ?? null,
    emails: (g.emailAddresses ?? []).filter((e) => e.address).map((e) => ({ value: e.address!, type: 'other' })),
    phones,
    address: addressFromGraph(g),
    organization: g.companyName ?? null,
    organizationPhone: null,
    jobTitle: g.jobTitle ?? null,
    notes: g.personalNotes ?? null,
    birthday: birthdayFromGraph(g.birthday),
    ims: (g.imAddresses ?? []).filter((v) => v.trim()).map(imFromGraph),
  });
}

/** What a canonical contact looks like after a write to Graph and a read back (the lossy spots above). */
export function projectContactForGraph(contact: Contact): Contact {
  const projected = contactFromGraph(contactToGraph(contact));
  // A year-less birthday is not written, so whatever Outlook holds stays; keep the canonical value.
  return birthdayToGraph(contact.birthday) === undefined ? { ...projected, birthday: normalizeContact(contact).birthday } : projected;
}

export function refExtension(ref: string): GraphExtension {
  return { '@odata.type': 'microsoft.graph.openTypeExtension', extensionName: GRAPH_REF_EXTENSION, ref };
}

export function refOf(g: GraphContact): string | null {
  const ext = (g.extensions ?? []).find(
    (e) => e.extensionName?.toLowerCase() === GRAPH_REF_EXTENSION || e.id?.toLowerCase().endsWith(`.${GRAPH_REF_EXTENSION}`),
  );
  return typeof ext?.ref === 'string' ? ext.ref : null;
}
