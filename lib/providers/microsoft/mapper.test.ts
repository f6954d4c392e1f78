import { describe, expect, it } from 'vitest';
import { normalizeContact, type Contact } from '@/lib/sync/contacts/model';
import {
  GRAPH_LIMITS,
  birthdayFromGraph,
  birthdayToGraph,
  contactFromGraph,
  contactToGraph,
  projectContactForGraph,
  refExtension,
  refOf,
} from './mapper';

const contact = (patch: Partial<Contact> = {}): Contact =>
  normalizeContact({
    firstName: 'Grace',
    lastName: 'Hopper',
    emails: [{ value: 'grace@navy.example', type: 'other' }],
    phones: [
      { value: '+1 202 555 0100', type: 'mobile' },
      { value: '+1 202 555 0101', type: 'work' },
      { value: '+1 202 555 0102', type: 'home' },
    ],
    address: { street: '1 Navy Yard', city: 'Washington', region: 'DC', postalCode: '20374', country: 'USA' },
    organization: 'US Navy',
    organizationPhone: null,
    jobTitle: 'Rear Admiral',
    notes: 'Coined "debugging".\nLikes COBOL.',
    birthday: '1906-12-09',
    ims: [{ value: 'grace', type: 'skype' }, { value: 'ghopper', type: 'other' }],
    ...patch,
  });

describe('Microsoft mapper', () => {
  it('§6: a contact survives the Graph round trip', () => {
    const c = contact();
    expect(contactFromGraph(contactToGraph(c))).toEqual(c);
  });

  it('§6: writes the documented Graph properties', () => {
    expect(contactToGraph(contact())).toEqual({
      givenName: 'Grace',
      surname: 'Hopper',
      displayName: 'Grace Hopper',
      emailAddresses: [{ address: 'grace@navy.example', name: 'grace@navy.example' }],
      businessPhones: ['+1 202 555 0101'],
      homePhones: ['+1 202 555 0102'],
      mobilePhone: '+1 202 555 0100',
      businessAddress: { street: '1 Navy Yard', city: 'Washington', state: 'DC', postalCode: '20374', countryOrRegion: 'USA' },
      companyName: 'US Navy',
      jobTitle: 'Rear Admiral',
      personalNotes: 'Coined "debugging".\nLikes COBOL.',
      birthday: '1906-12-09T00:00:00Z',
      imAddresses: ['skype:grace', 'ghopper'],
    });
  });

  it('C10: notes are synced through personalNotes, both ways', () => {
    expect(contactToGraph(contact({ notes: 'Call after 5' })).personalNotes).toBe('Call after 5');
    expect(contactFromGraph({ personalNotes: 'From Outlook' }).notes).toBe('From Outlook');
  });

  it('§5.3: multi-value limits are truncated deterministically, first values kept', () => {
    const many = contact({
      emails: ['a', 'b', 'c', 'd', 'e'].map((x) => ({ value: `${x}@example.com`, type: 'work' })),
      phones: [
        ...['1', '2', '3'].map((x) => ({ value: `+3210000000${x}`, type: 'work' })),
        ...['4', '5', '6'].map((x) => ({ value: `+3210000000${x}`, type: 'home' })),
        { value: '+32100000007', type: 'mobile' },
        { value: '+32100000008', type: 'mobile' },
      ],
      ims: ['a', 'b', 'c', 'd'].map((x) => ({ value: x, type: 'other' })),
    });
    const g = contactToGraph(many);
    expect(g.emailAddresses!.map((e) => e.address)).toEqual(['a@example.com', 'b@example.com', 'c@example.com']);
    expect(g.businessPhones).toEqual(['+32100000001', '+32100000002']);
    expect(g.homePhones).toEqual(['+32100000004', '+32100000005']);
    expect(g.mobilePhone).toBe('+32100000007');
    expect(g.imAddresses).toEqual(['a', 'b', 'c']);
    expect(g.emailAddresses!.length).toBeLessThanOrEqual(GRAPH_LIMITS.emailAddresses);
    expect(contactToGraph(many)).toEqual(g);
  });

  it('§6: "other" phones fill spare business slots; fax is not representable', () => {
    const g = contactToGraph(contact({ phones: [{ value: '+3211', type: 'other' }, { value: '+3212', type: 'fax' }, { value: '+3213', type: 'other' }, { value: '+3214', type: 'other' }] }));
    expect(g.businessPhones).toEqual(['+3211', '+3213']);
    expect(g.homePhones).toEqual([]);
    expect(g.mobilePhone).toBeNull();
  });

  it('§6: organizationPhone has no Graph field — never written, read as null', () => {
    const g = contactToGraph(contact({ organizationPhone: '+1 202 555 0199' }));
    expect(JSON.stringify(g)).not.toContain('555 0199');
    expect(projectContactForGraph(contact({ organizationPhone: '+1 202 555 0199' })).organizationPhone).toBeNull();
  });

  it.each([
    ['1990-04-12', '1990-04-12T00:00:00Z'],
    [null, null],
    ['--04-12', undefined],
  ])('§6 birthday: %s is written as %s (year-less birthdays are skipped)', (canonical, wire) => {
    expect(birthdayToGraph(canonical)).toBe(wire);
    const g = contactToGraph(contact({ birthday: canonical }));
    if (wire === undefined) expect('birthday' in g).toBe(false);
    else expect(g.birthday).toBe(wire);
  });

  it.each([
    ['2016-10-19T10:37:00Z', '2016-10-19'],
    ['1990-04-12T00:00:00Z', '1990-04-12'],
    ['1990-04-11T22:00:00Z', '1990-04-12'], // local midnight in UTC+2
    ['1990-04-12T07:00:00Z', '1990-04-12'], // local midnight in UTC-7
    ['1990-04-12T11:59:00Z', '1990-04-12'],
    ['1990-04-12T11:59:00+02:00', '1990-04-12'],
    [null, null],
    ['not a date', null],
  ])('§6 birthday: Graph %s reads as %s (date part, nearest day)', (wire, canonical) => {
    expect(birthdayFromGraph(wire)).toBe(canonical);
  });

  it('§6: reads the first filled address of business, home, other', () => {
    expect(contactFromGraph({ businessAddress: {}, homeAddress: { city: 'Ghent', countryOrRegion: 'Belgium' } }).address).toEqual({ city: 'Ghent', country: 'Belgium' });
    expect(contactFromGraph({ otherAddress: { street: 'Main St 1' } }).address).toEqual({ street: 'Main St 1' });
    expect(contactFromGraph({}).address).toBeNull();
  });

  it('§6: a formatted-only address goes into street', () => {
    expect(contactToGraph(contact({ address: { formatted: 'Kerkstraat 1, 9000 Gent' } })).businessAddress).toMatchObject({ street: 'Kerkstraat 1, 9000 Gent' });
  });

  it('§6: IM protocol survives as a prefix; URLs are not mistaken for protocols', () => {
    expect(contactFromGraph({ imAddresses: ['skype:grace', 'plain', 'https://example.com/x'] }).ims).toEqual([
      { value: 'grace', type: 'skype' },
      { value: 'plain', type: 'other' },
      { value: 'https://example.com/x', type: 'other' },
    ]);
  });

  it('§6: the projection shows exactly what comes back (e-mail types, phone order)', () => {
    const c = contact({ emails: [{ value: 'w@example.com', type: 'work' }], phones: [{ value: '+3221', type: 'work' }, { value: '+3222', type: 'mobile' }], organizationPhone: '+3299' });
    const back = contactFromGraph(contactToGraph(c));
    expect(projectContactForGraph(c)).toEqual(back);
    expect(back.emails).toEqual([{ value: 'w@example.com', type: 'other' }]);
    expect(back.phones.map((p) => p.type)).toEqual(['mobile', 'work']);
    expect(projectContactForGraph(contact({ birthday: '--04-12' })).birthday).toBe('--04-12');
  });

  it('reads the reference stamp from the expanded open extension', () => {
    expect(refOf({ extensions: [{ ...refExtension('crm:42'), id: 'Microsoft.OutlookServices.OpenTypeExtension.com.synclane.crm' }] })).toBe('crm:42');
    expect(refOf({ extensions: [{ id: 'Microsoft.OutlookServices.OpenTypeExtension.com.synclane.crm', ref: 'crm:7' }] })).toBe('crm:7');
    expect(refOf({ extensions: [{ extensionName: 'com.other', ref: 'x' }] })).toBeNull();
    expect(refOf({})).toBeNull();
  });
});
