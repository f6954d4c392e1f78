/** Teamleader Focus contact/company payloads ↔ CrmPerson (C8, C11; missing and invalid values). */
import { describe, expect, it } from 'vitest';
import { ZTlCompany, ZTlContact, addressFromTeamleader, contactFromTeamleader, contactToTeamleader } from './mapper';

const webUrl = (id: string) => `https://focus.teamleader.eu/contact_detail.php?id=${id}`;
const contact = (patch: Record<string, unknown> = {}) =>
  ZTlContact.parse({
    id: 'c0ffee-1',
    first_name: 'Ada',
    last_name: 'Lovelace',
    emails: [{ type: 'primary', email: 'ada@example.com' }],
    telephones: [
      { type: 'phone', number: '+32 9 123 45 67' },
      { type: 'mobile', number: '+32 470 12 34 56' },
      { type: 'fax', number: '+32 9 123 45 68' },
    ],
    addresses: [
      { type: 'invoicing', address: { line_1: 'Factuurstraat 9', postal_code: '1000', city: 'Brussel', country: 'BE' } },
      { type: 'primary', address: { line_1: 'Kerkstraat 1', postal_code: '9000', city: 'Gent', country: 'BE' } },
    ],
    birthdate: '1815-12-10',
    remarks: 'Met at the fair',
    companies: [{ position: 'Engineer', company: { id: 'comp-1' } }],
    updated_at: '2025-03-01T10:00:00+00:00',
    web_url: 'https://focus.teamleader.eu/contact_detail.php?id=c0ffee-1',
    ...patch,
  });

describe('contactFromTeamleader', () => {
  it('C8: maps names, e-mails, telephones (phone/mobile/fax), primary address, birthday, notes, job title', () => {
    expect(contactFromTeamleader(contact(), webUrl)).toEqual({
      id: 'c0ffee-1',
      firstName: 'Ada',
      lastName: 'Lovelace',
      name: 'Ada Lovelace',
      emails: [{ value: 'ada@example.com', label: 'work', primary: true }],
      phones: [
        { value: '+32 9 123 45 67', label: 'work', primary: true },
        { value: '+32 470 12 34 56', label: 'mobile', primary: false },
        { value: '+32 9 123 45 68', label: 'fax', primary: false },
      ],
      ownerId: null,
      orgId: 'comp-1',
      jobTitle: 'Engineer',
      notes: 'Met at the fair',
      birthday: '1815-12-10',
      postalAddress: { street: 'Kerkstraat 1', postalCode: '9000', city: 'Gent', country: 'BE' },
      ims: [],
      hasPicture: false,
      updatedAt: '2025-03-01T10:00:00+00:00',
      webUrl: 'https://focus.teamleader.eu/contact_detail.php?id=c0ffee-1',
    });
  });

  it('C11: the first linked company is the organization and its position the job title', () => {
    const p = contactFromTeamleader(contact({ companies: [{ position: null, company: { id: 'a' } }, { position: 'CEO', company: { id: 'b' } }] }), webUrl);
    expect(p).toMatchObject({ orgId: 'a', jobTitle: null });
  });

  it('C5: Teamleader contacts have no owner', () => {
    expect(contactFromTeamleader(contact(), webUrl).ownerId).toBeNull();
  });

  it('the list shape (primary_address, no companies/remarks) is mapped too', () => {
    const p = contactFromTeamleader(
      ZTlContact.parse({ id: 'x', first_name: 'A', last_name: 'B', primary_address: { line_1: 'Dorp 2', postal_code: '8000', city: 'Brugge', country: 'BE' } }),
      webUrl,
    );
    expect(p).toMatchObject({ postalAddress: { street: 'Dorp 2', postalCode: '8000', city: 'Brugge', country: 'BE' }, orgId: null, jobTitle: null, notes: null });
  });

  it('without a primary-typed address the first address is used', () => {
    const p = contactFromTeamleader(contact({ addresses: [{ type: 'delivery', address: { line_1: 'Lever 1', city: 'Gent', country: 'BE' } }] }), webUrl);
    expect(p.postalAddress).toEqual({ street: 'Lever 1', city: 'Gent', country: 'BE', postalCode: undefined });
  });

  it('missing values: blank entries dropped, names trimmed, blanks become null, defaults for updatedAt and webUrl', () => {
    const p = contactFromTeamleader(
      ZTlContact.parse({
        id: 'y',
        first_name: '  ',
        last_name: ' Lovelace ',
        emails: [{ type: 'primary', email: '  ' }, { email: ' b@example.com ' }],
        telephones: [{ type: 'phone', number: ' ' }, { number: '123' }],
        addresses: null,
        birthdate: null,
        remarks: '  ',
        companies: null,
        updated_at: null,
        web_url: null,
      }),
      webUrl,
    );
    expect(p).toMatchObject({
      firstName: null,
      lastName: 'Lovelace',
      name: 'Lovelace',
      emails: [{ value: 'b@example.com', label: 'work', primary: true }],
      phones: [{ value: '123', label: 'work', primary: true }],
      postalAddress: null,
      birthday: null,
      notes: null,
      orgId: null,
      updatedAt: new Date(0).toISOString(),
      webUrl: webUrl('y'),
    });
  });

  it('a contact with no name at all has a null name', () => {
    expect(contactFromTeamleader(ZTlContact.parse({ id: 'z' }), webUrl)).toMatchObject({ firstName: null, lastName: null, name: null, emails: [], phones: [] });
  });

  it('the schema rejects invalid payloads (no id, e-mail without address)', () => {
    expect(ZTlContact.safeParse({ first_name: 'A' }).success).toBe(false);
    expect(ZTlContact.safeParse({ id: 'a', emails: [{ type: 'primary' }] }).success).toBe(false);
    expect(ZTlCompany.safeParse({ id: 'c' }).success).toBe(false);
    expect(ZTlCompany.parse({ id: 'c', name: 'ACME', telephones: [{ type: 'phone', number: '1' }] })).toMatchObject({ name: 'ACME' });
  });
});

describe('addressFromTeamleader', () => {
  it('trims parts and returns null for an empty address', () => {
    expect(addressFromTeamleader({ line_1: ' Kerkstraat 1 ', city: 'Gent', postal_code: '', country: null })).toEqual({ street: 'Kerkstraat 1', city: 'Gent', postalCode: undefined, country: undefined });
    expect(addressFromTeamleader({ line_1: ' ', city: null })).toBeNull();
    expect(addressFromTeamleader(null)).toBeNull();
  });
});

describe('contactToTeamleader', () => {
  it('C8: writes names, e-mails (type primary), telephones (phone/mobile/fax), birthdate and remarks', () => {
    expect(
      contactToTeamleader({
        firstName: 'Ada',
        lastName: 'Lovelace',
        emails: [{ value: 'ada@example.com', label: 'work' }],
        phones: [
          { value: '1', label: 'work' },
          { value: '2', label: 'mobile' },
          { value: '3', label: 'fax' },
          { value: '4', label: 'home' },
        ],
        birthday: '1815-12-10',
        notes: 'hello',
      }),
    ).toEqual({
      first_name: 'Ada',
      last_name: 'Lovelace',
      emails: [{ type: 'primary', email: 'ada@example.com' }],
      telephones: [
        { type: 'phone', number: '1' },
        { type: 'mobile', number: '2' },
        { type: 'fax', number: '3' },
        { type: 'phone', number: '4' },
      ],
      birthdate: '1815-12-10',
      remarks: 'hello',
    });
  });

  it('only sends what the input contains', () => {
    expect(contactToTeamleader({})).toEqual({});
  });

  it('Teamleader requires a last name: falls back to the full name, then an empty string', () => {
    expect(contactToTeamleader({ lastName: null, name: 'Prince' })).toEqual({ last_name: 'Prince' });
    expect(contactToTeamleader({ lastName: null })).toEqual({ last_name: '' });
  });

  it('invalid values: a year-less or free-text birthday is cleared (birthdate must be YYYY-MM-DD); null notes become ""', () => {
    expect(contactToTeamleader({ birthday: '--12-10' })).toEqual({ birthdate: null });
    expect(contactToTeamleader({ birthday: 'soon' })).toEqual({ birthdate: null });
    expect(contactToTeamleader({ birthday: null, notes: null })).toEqual({ birthdate: null, remarks: '' });
  });

  it('round trip: what we write reads back the same', () => {
    const body = contactToTeamleader({ firstName: 'Ada', lastName: 'Lovelace', emails: [{ value: 'ada@example.com', label: 'work' }], phones: [{ value: '2', label: 'mobile' }], birthday: '1815-12-10', notes: 'n' });
    const back = contactFromTeamleader(ZTlContact.parse({ id: 'r', ...body }), webUrl);
    expect(back).toMatchObject({ firstName: 'Ada', lastName: 'Lovelace', emails: [{ value: 'ada@example.com' }], phones: [{ value: '2', label: 'mobile' }], birthday: '1815-12-10', notes: 'n' });
  });
});
