/** Canonical contact ↔ Google People Person (C8, C11; ARCHITECTURE §3 clientData stamp). */
import { describe, expect, it } from 'vitest';
import type { people_v1 } from '@googleapis/people';
import { normalizeContact, type Contact } from '@/lib/sync/contacts/model';
import { CLIENT_DATA_KEY } from '@/lib/sync/contacts/constants';
import { GOOGLE_READ_FIELDS, GOOGLE_WRITE_FIELDS, contactFromGooglePerson, contactToGooglePerson, hasRealPhoto, refOf } from './mapper';

const full = (patch: Partial<Contact> = {}): Contact =>
  normalizeContact({
    firstName: 'Ada',
    lastName: 'Lovelace',
    emails: [
      { value: 'ada@example.com', type: 'work' },
      { value: 'ada@home.example', type: 'home' },
    ],
    phones: [
      { value: '+32 470 12 34 56', type: 'mobile' },
      { value: '+32 2 555 00 00', type: 'work' },
      { value: '+32 2 555 00 01', type: 'fax' },
    ],
    address: { street: 'Kerkstraat 1', city: 'Gent', region: 'Oost-Vlaanderen', postalCode: '9000', country: 'Belgium' },
    organization: 'Analytical Engines',
    organizationPhone: '+32 9 123 45 67',
    jobTitle: 'Engineer',
    notes: 'Met at the fair\nFollow up in May',
    birthday: '1815-12-10',
    ims: [
      { value: 'ada.l', type: 'skype' },
      { value: 'ada@jabber.example', type: 'other' },
    ],
    ...patch,
  });

const roundTrip = (c: Contact) => contactFromGooglePerson(contactToGooglePerson(c, 'ref-1', null));

// Every field mask the People API accepts for updatePersonFields / personFields (reference/providers.md §4.4).
const UPDATE_PERSON_FIELDS = new Set(
  'addresses,biographies,birthdays,calendarUrls,clientData,emailAddresses,events,externalIds,genders,imClients,interests,locales,locations,memberships,miscKeywords,names,nicknames,occupations,organizations,phoneNumbers,relations,sipAddresses,urls,userDefined'.split(','),
);
const PERSON_FIELDS = new Set(
  'addresses,ageRanges,biographies,birthdays,calendarUrls,clientData,coverPhotos,emailAddresses,events,externalIds,genders,imClients,interests,locales,locations,memberships,metadata,miscKeywords,names,nicknames,occupations,organizations,phoneNumbers,photos,relations,sipAddresses,skills,urls,userDefined'.split(','),
);

describe('contactToGooglePerson', () => {
  const p = contactToGooglePerson(full(), 'link-123', 'contactGroups/abc');

  it('C8: writes names, e-mails and phones with Google types (fax → workFax)', () => {
    expect(p.names).toEqual([{ givenName: 'Ada', familyName: 'Lovelace' }]);
    expect(p.emailAddresses).toEqual([
      { value: 'ada@example.com', type: 'work' },
      { value: 'ada@home.example', type: 'home' },
    ]);
    expect(p.phoneNumbers).toEqual([
      { value: '+32 470 12 34 56', type: 'mobile' },
      { value: '+32 2 555 00 00', type: 'work' },
      { value: '+32 2 555 00 01', type: 'workFax' },
      { value: '+32 9 123 45 67', type: 'Company' },
    ]);
  });

  it('C11: the organization phone is written as a phone of type "Company"', () => {
    expect(p.phoneNumbers?.filter((n) => n.type === 'Company')).toEqual([{ value: '+32 9 123 45 67', type: 'Company' }]);
  });

  it('C8: writes address, organization + job title, notes (plain text) and IMs', () => {
    expect(p.addresses).toEqual([
      { streetAddress: 'Kerkstraat 1', city: 'Gent', region: 'Oost-Vlaanderen', postalCode: '9000', country: 'Belgium', formattedValue: undefined, type: 'work' },
    ]);
    expect(p.organizations).toEqual([{ name: 'Analytical Engines', title: 'Engineer', type: 'work', current: true }]);
    expect(p.biographies).toEqual([{ value: 'Met at the fair\nFollow up in May', contentType: 'TEXT_PLAIN' }]);
    expect(p.imClients).toEqual([
      { username: 'ada.l', protocol: 'skype' },
      { username: 'ada@jabber.example', protocol: undefined },
    ]);
  });

  it('C8: a birthday with a year is a full date; without a year the year is 0', () => {
    expect(p.birthdays).toEqual([{ date: { year: 1815, month: 12, day: 10 } }]);
    expect(contactToGooglePerson(full({ birthday: '--02-29' }), 'r', null).birthdays).toEqual([{ date: { year: 0, month: 2, day: 29 } }]);
  });

  it('C8: a birthday that is not a date is kept as text', () => {
    expect(contactToGooglePerson(full({ birthday: '10 December' }), 'r', null).birthdays).toEqual([{ text: '10 December' }]);
  });

  it('stamps the link reference into clientData (idempotent creates) and the group membership (C3/C11)', () => {
    expect(p.clientData).toEqual([{ key: CLIENT_DATA_KEY, value: 'link-123' }]);
    expect(refOf(p)).toBe('link-123');
    expect(p.memberships).toEqual([{ contactGroupMembership: { contactGroupResourceName: 'contactGroups/abc' } }]);
    expect(contactToGooglePerson(full(), 'r', null).memberships).toBeUndefined();
  });

  it('singleton fields (names, biographies, birthdays) never carry more than one entry', () => {
    for (const field of ['names', 'biographies', 'birthdays'] as const) expect((p[field] ?? []).length).toBeLessThanOrEqual(1);
  });

  it('empty fields are written as empty lists so updatePersonFields clears them on Google', () => {
    const empty = contactToGooglePerson(
      full({ emails: [], phones: [], address: null, organization: null, organizationPhone: null, jobTitle: null, notes: null, birthday: null, ims: [] }),
      'r',
      null,
    );
    expect(empty).toMatchObject({ emailAddresses: [], phoneNumbers: [], addresses: [], organizations: [], biographies: [], birthdays: [], imClients: [] });
  });

  it('a job title without an organization still produces an organization entry', () => {
    expect(contactToGooglePerson(full({ organization: null }), 'r', null).organizations).toEqual([{ name: undefined, title: 'Engineer', type: 'work', current: true }]);
  });

  it('writes only fields listed in GOOGLE_WRITE_FIELDS (plus memberships, which is part of the create body)', () => {
    const written = Object.keys(contactToGooglePerson(full(), 'r', 'contactGroups/x')).filter((k) => k !== 'memberships');
    expect(new Set(written)).toEqual(new Set(GOOGLE_WRITE_FIELDS.split(',')));
  });
});

describe('contactFromGooglePerson', () => {
  it('reads every mapped field and normalizes it', () => {
    const p: people_v1.Schema$Person = {
      resourceName: 'people/c1',
      etag: 'e1',
      names: [{ givenName: ' Ada ', familyName: 'Lovelace', displayName: 'Ada Lovelace' }],
      emailAddresses: [{ value: 'ADA@Example.com', type: 'work', formattedType: 'Work' }, { value: '' }],
      phoneNumbers: [
        { value: '+32 470 12 34 56', type: 'workMobile', canonicalForm: '+32470123456' },
        { value: '+32 2 555 00 01', type: 'homeFax' },
        { value: '+32 2 555 00 02', type: 'main' },
        { value: '+32 9 123 45 67', type: 'Company' },
      ],
      addresses: [{ streetAddress: 'Kerkstraat 1', city: 'Gent', postalCode: '9000', country: 'Belgium', formattedValue: 'Kerkstraat 1\n9000 Gent', type: 'home' }],
      organizations: [
        { name: 'Old Corp', title: 'Intern', current: false },
        { name: 'Analytical Engines', title: 'Engineer', current: true },
      ],
      biographies: [{ value: 'hello', contentType: 'TEXT_PLAIN' }],
      birthdays: [{ date: { year: 1815, month: 12, day: 10 }, text: '10/12/1815' }],
      imClients: [{ username: 'ada.l', protocol: 'skype' }, { username: 'x' }, { protocol: 'aim' }],
      clientData: [{ key: 'other', value: 'z' }, { key: CLIENT_DATA_KEY, value: 'link-9' }],
    };
    expect(contactFromGooglePerson(p)).toEqual({
      firstName: 'Ada',
      lastName: 'Lovelace',
      emails: [{ value: 'ada@example.com', type: 'work' }],
      phones: [
        { value: '+32 470 12 34 56', type: 'mobile' },
        { value: '+32 2 555 00 01', type: 'fax' },
        { value: '+32 2 555 00 02', type: 'other' },
      ],
      address: { street: 'Kerkstraat 1', city: 'Gent', postalCode: '9000', country: 'Belgium' },
      organization: 'Analytical Engines',
      organizationPhone: '+32 9 123 45 67',
      jobTitle: 'Engineer',
      notes: 'hello',
      birthday: '1815-12-10',
      ims: [
        { value: 'ada.l', type: 'skype' },
        { value: 'x', type: 'other' },
      ],
    });
    expect(refOf(p)).toBe('link-9');
  });

  it('an empty person (e.g. a contact with only a photo) becomes an empty contact', () => {
    expect(contactFromGooglePerson({})).toEqual({
      firstName: null,
      lastName: null,
      emails: [],
      phones: [],
      address: null,
      organization: null,
      organizationPhone: null,
      jobTitle: null,
      notes: null,
      birthday: null,
      ims: [],
    });
    expect(refOf({})).toBeNull();
  });

  it('birthdays: year 0 or missing year → --MM-DD; no date → the text; incomplete date → text or null', () => {
    const b = (birthdays: people_v1.Schema$Birthday[]) => contactFromGooglePerson({ birthdays }).birthday;
    expect(b([{ date: { year: 0, month: 3, day: 7 } }])).toBe('--03-07');
    expect(b([{ date: { month: 3, day: 7 } }])).toBe('--03-07');
    expect(b([{ text: 'next spring' }])).toBe('next spring');
    expect(b([{ date: { year: 1990, month: 3 } }])).toBeNull();
  });

  it('the first organization is used when none is marked current', () => {
    expect(contactFromGooglePerson({ organizations: [{ name: 'A', title: 'T' }, { name: 'B' }] })).toMatchObject({ organization: 'A', jobTitle: 'T' });
  });

  it('hasRealPhoto ignores Google’s default (monogram) photo', () => {
    expect(hasRealPhoto({ photos: [{ url: 'https://x/default', default: true }] })).toBe(false);
    expect(hasRealPhoto({ photos: [{ url: 'https://x/default', default: true }, { url: 'https://x/real' }] })).toBe(true);
    expect(hasRealPhoto({})).toBe(false);
  });
});

describe('round trip canonical → Google → canonical', () => {
  it('C8/C11: a full contact survives unchanged (names, e-mails, phones incl. org phone, address, org+title, notes, birthday, IMs)', () => {
    const c = full();
    expect(roundTrip(c)).toEqual(c);
  });

  it('C8: a birthday without a year survives', () => {
    const c = full({ birthday: '--12-10' });
    expect(roundTrip(c).birthday).toBe('--12-10');
  });

  it('C8: a text-only birthday survives', () => {
    expect(roundTrip(full({ birthday: 'around Easter' })).birthday).toBe('around Easter');
  });

  it('C8: a formatted-only address survives', () => {
    const c = full({ address: { formatted: 'Kerkstraat 1, 9000 Gent' } });
    expect(roundTrip(c).address).toEqual({ formatted: 'Kerkstraat 1, 9000 Gent' });
  });

  it('C8: a job title without organization and an organization without title survive', () => {
    expect(roundTrip(full({ organization: null }))).toMatchObject({ organization: null, jobTitle: 'Engineer' });
    expect(roundTrip(full({ jobTitle: null }))).toMatchObject({ organization: 'Analytical Engines', jobTitle: null });
  });

  it('C11: the organization phone survives even when the person has the very same number', () => {
    const c = full({ phones: [{ value: '+32 9 123 45 67', type: 'work' }], organizationPhone: '+32 9 123 45 67' });
    const p = contactToGooglePerson(c, 'r', null);
    expect(p.phoneNumbers).toEqual([
      { value: '+32 9 123 45 67', type: 'work' },
      { value: '+32 9 123 45 67', type: 'Company' },
    ]);
    expect(roundTrip(c)).toEqual(c);
  });

  it('C12: a minimal exportable contact survives', () => {
    const c = full({ emails: [], phones: [{ value: '+32 470 12 34 56', type: 'mobile' }], address: null, organization: null, organizationPhone: null, jobTitle: null, notes: null, birthday: null, ims: [] });
    expect(roundTrip(c)).toEqual(c);
  });
});

describe('GOOGLE_WRITE_FIELDS / GOOGLE_READ_FIELDS', () => {
  it('are valid People API field masks (no spaces, no duplicates, every entry known)', () => {
    for (const mask of [GOOGLE_WRITE_FIELDS, GOOGLE_READ_FIELDS]) {
      expect(mask).toMatch(/^[a-zA-Z]+(,[a-zA-Z]+)*$/);
      const fields = mask.split(',');
      expect(new Set(fields).size).toBe(fields.length);
    }
    for (const f of GOOGLE_WRITE_FIELDS.split(',')) expect(UPDATE_PERSON_FIELDS.has(f), `updatePersonFields: ${f}`).toBe(true);
    for (const f of GOOGLE_READ_FIELDS.split(',')) expect(PERSON_FIELDS.has(f), `personFields: ${f}`).toBe(true);
  });

  it('the write mask never contains read-only fields (photos, metadata)', () => {
    const w = GOOGLE_WRITE_FIELDS.split(',');
    expect(w).not.toContain('photos');
    expect(w).not.toContain('metadata');
  });

  it('the read mask covers every written field plus memberships, metadata and photos', () => {
    const r = new Set(GOOGLE_READ_FIELDS.split(','));
    for (const f of [...GOOGLE_WRITE_FIELDS.split(','), 'memberships', 'metadata', 'photos']) expect(r.has(f), f).toBe(true);
  });
});
