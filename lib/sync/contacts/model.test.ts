/** The canonical contact: normalization, hash stability (ARCHITECTURE §3) and CRM person mapping (C8, C11). */
import { describe, expect, it } from 'vitest';
import type { CrmOrganization, CrmPerson } from '@/lib/crm/port';
import { CONTACT_FIELDS, contactFromCrmPerson, displayName, hashContact, normalizeContact, type Contact } from './model';

const base = (patch: Partial<Contact> = {}): Contact => ({
  firstName: 'Ada',
  lastName: 'Lovelace',
  emails: [{ value: 'ada@example.com', type: 'work' }],
  phones: [{ value: '+32 470 12 34 56', type: 'mobile' }],
  address: { street: 'Kerkstraat 1', city: 'Gent', postalCode: '9000', country: 'Belgium' },
  organization: 'Analytical Engines',
  organizationPhone: '+32 9 123 45 67',
  jobTitle: 'Engineer',
  notes: 'Met at the fair',
  birthday: '1815-12-10',
  ims: [{ value: 'ada.l', type: 'skype' }],
  ...patch,
});

const person = (patch: Partial<CrmPerson> = {}): CrmPerson => ({
  id: '42',
  firstName: 'Ada',
  lastName: 'Lovelace',
  name: 'Ada Lovelace',
  emails: [{ value: 'ada@example.com', label: 'work', primary: true }],
  phones: [{ value: '+32 470 12 34 56', label: 'mobile', primary: true }],
  ownerId: '7',
  orgId: '9',
  jobTitle: 'Engineer',
  notes: null,
  birthday: null,
  postalAddress: null,
  ims: [],
  hasPicture: false,
  updatedAt: '2025-01-01T00:00:00Z',
  webUrl: 'https://example.pipedrive.com/person/42',
  ...patch,
});

describe('normalizeContact', () => {
  it('trims and collapses whitespace; blank strings become null', () => {
    const n = normalizeContact(base({ firstName: '  Ada   Augusta ', lastName: '   ', jobTitle: '', organization: null }));
    expect(n.firstName).toBe('Ada Augusta');
    expect(n.lastName).toBeNull();
    expect(n.jobTitle).toBeNull();
    expect(n.organization).toBeNull();
  });

  it('lower-cases e-mails, drops empties and duplicates (case-insensitive), unknown types become "other"', () => {
    const n = normalizeContact(
      base({
        emails: [
          { value: ' Ada@Example.com ', type: 'work' },
          { value: 'ADA@example.com', type: 'home' },
          { value: '  ', type: 'work' },
          { value: 'b@example.com', type: 'custom-label' },
        ],
      }),
    );
    expect(n.emails).toEqual([
      { value: 'ada@example.com', type: 'work' },
      { value: 'b@example.com', type: 'other' },
    ]);
  });

  it('de-duplicates phones by digits only, keeps the first spelling, unknown types become "other"', () => {
    const n = normalizeContact(
      base({
        phones: [
          { value: '+32  470 12 34 56', type: 'mobile' },
          { value: '+32470123456', type: 'work' },
          { value: '+32 (470) 12-34-56', type: 'home' },
          { value: '09 123 45 67', type: 'pager' },
          { value: '---', type: 'work' },
        ],
      }),
    );
    expect(n.phones).toEqual([
      { value: '+32 470 12 34 56', type: 'mobile' },
      { value: '09 123 45 67', type: 'other' },
    ]);
  });

  it('keeps notes multi-line (CRLF → LF, outer whitespace trimmed) instead of collapsing them', () => {
    expect(normalizeContact(base({ notes: '  line 1\r\nline 2  \n' })).notes).toBe('line 1\nline 2');
    expect(normalizeContact(base({ notes: ' \r\n ' })).notes).toBeNull();
  });

  it('drops the derived formatted address when structured parts exist, keeps it when it is all there is', () => {
    expect(normalizeContact(base({ address: { street: ' Kerkstraat  1 ', city: 'Gent', formatted: 'Kerkstraat 1, Gent' } })).address).toEqual({
      street: 'Kerkstraat 1',
      city: 'Gent',
    });
    expect(normalizeContact(base({ address: { formatted: ' Kerkstraat 1, 9000 Gent ' } })).address).toEqual({ formatted: 'Kerkstraat 1, 9000 Gent' });
    expect(normalizeContact(base({ address: { street: '  ', city: '' } })).address).toBeNull();
  });

  it('drops IMs without a value and defaults an empty type to "other"', () => {
    expect(normalizeContact(base({ ims: [{ value: ' x ', type: '' }, { value: ' ', type: 'skype' }] })).ims).toEqual([{ value: 'x', type: 'other' }]);
  });

  it('is idempotent', () => {
    const once = normalizeContact(base({ firstName: ' Ada ', emails: [{ value: 'A@X.com ', type: 'zzz' }] }));
    expect(normalizeContact(once)).toEqual(once);
  });
});

describe('hashContact (hash only stable, mapped fields)', () => {
  const h = hashContact(base());

  it('is deterministic', () => {
    expect(hashContact(base())).toBe(h);
    expect(h).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });

  it('ignores differences that normalization removes (whitespace, e-mail case, duplicate entries, phone spacing)', () => {
    const noisy = base({
      firstName: '  Ada ',
      lastName: 'Lovelace  ',
      emails: [
        { value: 'ADA@EXAMPLE.COM', type: 'work' },
        { value: 'ada@example.com', type: 'work' },
      ],
      phones: [{ value: ' +32 470  12 34 56 ', type: 'mobile' }],
      notes: 'Met at the fair\r\n',
      address: { street: 'Kerkstraat 1', city: 'Gent', postalCode: '9000', country: 'Belgium', formatted: 'anything' },
    });
    expect(hashContact(noisy)).toBe(h);
  });

  it('ignores object key order and volatile properties that are not canonical fields', () => {
    const c = base();
    const reordered = Object.fromEntries(Object.entries(c).reverse()) as Contact;
    expect(hashContact(reordered)).toBe(h);
    const withVolatile = { ...c, updatedAt: '2030-01-01T00:00:00Z', etag: 'W/"123"', id: 'abc' } as unknown as Contact;
    expect(hashContact(withVolatile)).toBe(h);
    const addrReordered = base({ address: { country: 'Belgium', postalCode: '9000', city: 'Gent', street: 'Kerkstraat 1' } });
    expect(hashContact(addrReordered)).toBe(h);
  });

  it.each(CONTACT_FIELDS)('changes when the synced field %s really changes', (field) => {
    const changed: Record<(typeof CONTACT_FIELDS)[number], Partial<Contact>> = {
      firstName: { firstName: 'Augusta' },
      lastName: { lastName: 'King' },
      emails: { emails: [{ value: 'ada@other.com', type: 'work' }] },
      phones: { phones: [{ value: '+32 470 99 99 99', type: 'mobile' }] },
      address: { address: { street: 'Kerkstraat 2', city: 'Gent', postalCode: '9000', country: 'Belgium' } },
      organization: { organization: 'Difference Engines' },
      organizationPhone: { organizationPhone: '+32 9 000 00 00' },
      jobTitle: { jobTitle: 'Countess' },
      notes: { notes: 'Met at the fair.\nFollow up' },
      birthday: { birthday: '--12-10' },
      ims: { ims: [{ value: 'ada.l', type: 'jabber' }] },
    };
    expect(hashContact(base(changed[field]))).not.toBe(h);
  });

  it('changes when an e-mail or phone type changes (types are mapped to the provider)', () => {
    expect(hashContact(base({ emails: [{ value: 'ada@example.com', type: 'home' }] }))).not.toBe(h);
    expect(hashContact(base({ phones: [{ value: '+32 470 12 34 56', type: 'work' }] }))).not.toBe(h);
  });
});

describe('contactFromCrmPerson', () => {
  const org: CrmOrganization = { id: '9', name: ' Analytical  Engines ', phone: ' +32 9 123 45 67 ', address: null };

  it('C11: adds the related organization name and the organization phone', () => {
    const c = contactFromCrmPerson(person(), org);
    expect(c.organization).toBe('Analytical Engines');
    expect(c.organizationPhone).toBe('+32 9 123 45 67');
    // the company phone is not one of the person's own phones
    expect(c.phones).toEqual([{ value: '+32 470 12 34 56', type: 'mobile' }]);
  });

  it('C11: without an organization both company fields are null; an organization without phone gives only the name', () => {
    expect(contactFromCrmPerson(person({ orgId: null }), null)).toMatchObject({ organization: null, organizationPhone: null });
    expect(contactFromCrmPerson(person(), { ...org, phone: null })).toMatchObject({ organization: 'Analytical Engines', organizationPhone: null });
  });

  it('C8: maps name, job title, notes, birthday, postal address and IMs', () => {
    const c = contactFromCrmPerson(
      person({
        jobTitle: ' CTO ',
        notes: 'a\r\nb',
        birthday: '--12-10',
        postalAddress: { street: 'Kerkstraat 1', city: 'Gent' },
        ims: [{ value: 'ada.l', label: 'skype' }],
      }),
      null,
    );
    expect(c).toMatchObject({
      firstName: 'Ada',
      lastName: 'Lovelace',
      jobTitle: 'CTO',
      notes: 'a\nb',
      birthday: '--12-10',
      address: { street: 'Kerkstraat 1', city: 'Gent' },
      ims: [{ value: 'ada.l', type: 'skype' }],
    });
  });

  it('puts the primary e-mail and phone first and maps CRM labels to canonical types', () => {
    const c = contactFromCrmPerson(
      person({
        emails: [
          { value: 'other@example.com', label: 'Other' },
          { value: 'home@example.com', label: 'HOME' },
          { value: 'main@example.com', label: 'work', primary: true },
        ],
        phones: [
          { value: '111', label: 'fax' },
          { value: '222', label: 'Mobile', primary: true },
          { value: '333', label: 'assistant' },
        ],
      }),
      null,
    );
    expect(c.emails).toEqual([
      { value: 'main@example.com', type: 'work' },
      { value: 'other@example.com', type: 'other' },
      { value: 'home@example.com', type: 'home' },
    ]);
    expect(c.phones).toEqual([
      { value: '222', type: 'mobile' },
      { value: '111', type: 'fax' },
      { value: '333', type: 'other' },
    ]);
  });

  it('does not depend on volatile CRM fields (updatedAt, owner, picture, web URL)', () => {
    const a = hashContact(contactFromCrmPerson(person(), org));
    const b = hashContact(contactFromCrmPerson(person({ updatedAt: '2030-01-01T00:00:00Z', ownerId: '8', hasPicture: true, webUrl: 'x' }), org));
    expect(b).toBe(a);
  });
});

describe('displayName', () => {
  it('prefers first + last, then the CRM name, then the fallback', () => {
    expect(displayName({ firstName: 'Ada', lastName: 'Lovelace' }, 'x')).toBe('Ada Lovelace');
    expect(displayName({ firstName: null, lastName: 'Lovelace' }, 'x')).toBe('Lovelace');
    expect(displayName({ firstName: null, lastName: null, name: 'ACME' }, 'x')).toBe('ACME');
    expect(displayName({ firstName: null, lastName: null }, 'Person 42')).toBe('Person 42');
  });
});
