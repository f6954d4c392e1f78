/** Canonical contact ↔ Google People `Person` (reference/providers.md §6). Pure. */
import type { people_v1 } from '@googleapis/people';
import { normalizeContact, type Contact } from '@/lib/sync/contacts/model';
import { CLIENT_DATA_KEY } from '@/lib/sync/contacts/constants';

type Person = people_v1.Schema$Person;

/** Every field we write; `updatePersonFields` replaces exactly these. */
export const GOOGLE_WRITE_FIELDS = 'names,emailAddresses,phoneNumbers,addresses,organizations,biographies,birthdays,imClients,clientData';
export const GOOGLE_READ_FIELDS = `${GOOGLE_WRITE_FIELDS},memberships,metadata,photos`;

const ORG_PHONE_TYPE = 'Company';

function birthdayToGoogle(b: string | null): people_v1.Schema$Birthday[] {
  if (!b) return [];
  const m = /^(\d{4}|--)-?(\d{2})-(\d{2})$/.exec(b);
  if (!m) return [{ text: b }];
  return [{ date: { year: m[1] === '--' ? 0 : Number(m[1]), month: Number(m[2]), day: Number(m[3]) } }];
}

function birthdayFromGoogle(list: people_v1.Schema$Birthday[] | undefined): string | null {
  const d = list?.[0]?.date;
  if (!d?.month || !d?.day) return list?.[0]?.text ?? null;
  const mm = String(d.month).padStart(2, '0');
  const dd = String(d.day).padStart(2, '0');
  return d.year ? `${String(d.year).padStart(4, '0')}-${mm}-${dd}` : `--${mm}-${dd}`;
}

export function contactToGooglePerson(c: Contact, ref: string, groupResourceName: string | null): Person {
  const phones = c.phones.map((p) => ({ value: p.value, type: p.type === 'fax' ? 'workFax' : p.type }));
  // Always written, even when the person has the same number: the "Company" entry is how the read side
  // recovers organizationPhone, so skipping it would make every round trip look like a provider edit.
  if (c.organizationPhone) phones.push({ value: c.organizationPhone, type: ORG_PHONE_TYPE });
  const person: Person = {
    names: [{ givenName: c.firstName ?? undefined, familyName: c.lastName ?? undefined }],
    emailAddresses: c.emails.map((e) => ({ value: e.value, type: e.type })),
    phoneNumbers: phones,
    addresses: c.address
      ? [
          {
            streetAddress: c.address.street,
            city: c.address.city,
            region: c.address.region,
            postalCode: c.address.postalCode,
            country: c.address.country,
            formattedValue: c.address.formatted,
            type: 'work',
          },
        ]
      : [],
    organizations: c.organization || c.jobTitle ? [{ name: c.organization ?? undefined, title: c.jobTitle ?? undefined, type: 'work', current: true }] : [],
    biographies: c.notes ? [{ value: c.notes, contentType: 'TEXT_PLAIN' }] : [],
    birthdays: birthdayToGoogle(c.birthday),
    imClients: c.ims.map((i) => ({ username: i.value, protocol: i.type === 'other' ? undefined : i.type })),
    clientData: [{ key: CLIENT_DATA_KEY, value: ref }],
  };
  if (groupResourceName) person.memberships = [{ contactGroupMembership: { contactGroupResourceName: groupResourceName } }];
  return person;
}

export function contactFromGooglePerson(p: Person): Contact {
  const name = p.names?.[0];
  const org = p.organizations?.find((o) => o.current) ?? p.organizations?.[0];
  const orgPhone = p.phoneNumbers?.find((n) => n.type === ORG_PHONE_TYPE);
  const addr = p.addresses?.[0];
  return normalizeContact({
    firstName: name?.givenName ?? null,
    lastName: name?.familyName ?? null,
    emails: (p.emailAddresses ?? []).filter((e) => e.value).map((e) => ({ value: e.value!, type: e.type ?? 'other' })),
    phones: (p.phoneNumbers ?? [])
      .filter((n) => n.value && n.type !== ORG_PHONE_TYPE)
      .map((n) => ({ value: n.value!, type: n.type === 'workFax' || n.type === 'homeFax' ? 'fax' : n.type === 'workMobile' ? 'mobile' : (n.type ?? 'other') })),
    address: addr
      ? { street: addr.streetAddress ?? undefined, city: addr.city ?? undefined, region: addr.region ?? undefined, postalCode: addr.postalCode ?? undefined, country: addr.country ?? undefined, formatted: addr.formattedValue ?? undefined }
      : null,
    organization: org?.name ?? null,
    organizationPhone: orgPhone?.value ?? null,
    jobTitle: org?.title ?? null,
    notes: p.biographies?.[0]?.value ?? null,
    birthday: birthdayFromGoogle(p.birthdays),
    ims: (p.imClients ?? []).filter((i) => i.username).map((i) => ({ value: i.username!, type: i.protocol ?? 'other' })),
  });
}

export const refOf = (p: Person) => p.clientData?.find((d) => d.key === CLIENT_DATA_KEY)?.value ?? null;
export const realPhotoUrl = (p: Person) => (p.photos ?? []).find((ph) => ph.url && !ph.default)?.url ?? undefined;
export const hasRealPhoto = (p: Person) => !!realPhotoUrl(p);
