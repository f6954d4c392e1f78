/** Pipedrive v2 person payloads ↔ CrmPerson, incl. contact-sync fields in native or custom fields (C8, C9). */
import { describe, expect, it } from 'vitest';
import type { PersonInput } from '../port';
import { ZPdOrganization, ZPdPerson, ZPdUserMe, organizationPhone, personFromPipedrive, personToPipedrive, type PipedriveFieldMap } from './mapper';

const webUrl = (id: number) => `https://acme.pipedrive.com/person/${id}`;
const KEYS: Required<PipedriveFieldMap> = {
  jobTitle: 'a'.repeat(40),
  birthday: 'b'.repeat(40),
  postalAddress: 'c'.repeat(40),
  notes: 'd'.repeat(40),
  im: 'e'.repeat(40),
};

const raw = (patch: Record<string, unknown> = {}) =>
  ZPdPerson.parse({
    id: 42,
    name: 'Ada Lovelace',
    first_name: 'Ada',
    last_name: 'Lovelace',
    owner_id: 7,
    org_id: 9,
    emails: [
      { value: 'ada@example.com', primary: true, label: 'work' },
      { value: 'home@example.com', primary: false, label: 'home' },
    ],
    phones: [{ value: '+32 470 12 34 56', primary: true, label: 'mobile' }],
    update_time: '2025-03-01T10:00:00Z',
    picture_id: null,
    ...patch,
  });

describe('personFromPipedrive', () => {
  it('maps identity, names, e-mails, phones, owner and organization', () => {
    const p = personFromPipedrive(raw(), {}, webUrl);
    expect(p).toMatchObject({
      id: '42',
      firstName: 'Ada',
      lastName: 'Lovelace',
      name: 'Ada Lovelace',
      emails: [
        { value: 'ada@example.com', label: 'work', primary: true },
        { value: 'home@example.com', label: 'home', primary: false },
      ],
      phones: [{ value: '+32 470 12 34 56', label: 'mobile', primary: true }],
      ownerId: '7',
      orgId: '9',
      hasPicture: false,
      updatedAt: '2025-03-01T10:00:00Z',
      webUrl: 'https://acme.pipedrive.com/person/42',
    });
  });

  it('C8/C9: reads the native contact-sync fields when the company has Pipedrive contact sync', () => {
    const p = personFromPipedrive(
      raw({
        job_title: ' CTO ',
        birthday: '1815-12-10',
        notes: 'hello',
        postal_address: { value: 'Kerkstraat 1, 9000 Gent, Belgium', route: 'Kerkstraat', street_number: '1', locality: 'Gent', admin_area_level_1: 'Oost-Vlaanderen', postal_code: '9000', country: 'Belgium' },
        im: [{ value: 'ada.l', label: 'skype', primary: true }],
      }),
      {},
      webUrl,
    );
    expect(p).toMatchObject({
      jobTitle: 'CTO',
      birthday: '1815-12-10',
      notes: 'hello',
      postalAddress: { street: 'Kerkstraat 1', city: 'Gent', region: 'Oost-Vlaanderen', postalCode: '9000', country: 'Belgium', formatted: 'Kerkstraat 1, 9000 Gent, Belgium' },
      ims: [{ value: 'ada.l', label: 'skype', primary: true }],
    });
  });

  it('C9: accepts the response name `ims` as well as `im`', () => {
    expect(personFromPipedrive(raw({ ims: [{ value: 'ada.l', label: 'skype' }] }), {}, webUrl).ims).toEqual([{ value: 'ada.l', label: 'skype', primary: false }]);
  });

  it('C9: with a field map, reads our own custom fields and ignores the native ones', () => {
    const p = personFromPipedrive(
      raw({
        job_title: 'native title',
        notes: 'native notes',
        custom_fields: {
          [KEYS.jobTitle]: 'Engineer',
          [KEYS.birthday]: '1815-12-10',
          [KEYS.postalAddress]: ' Kerkstraat 1, 9000 Gent ',
          [KEYS.notes]: 'custom notes',
          [KEYS.im]: 'ada.l',
        },
      }),
      KEYS,
      webUrl,
    );
    expect(p).toMatchObject({
      jobTitle: 'Engineer',
      birthday: '1815-12-10',
      postalAddress: { formatted: 'Kerkstraat 1, 9000 Gent' },
      notes: 'custom notes',
      ims: [{ value: 'ada.l', label: 'other' }],
    });
  });

  it('C9: a custom address field holding a structured value (v2 address type) is read structurally', () => {
    const p = personFromPipedrive(raw({ custom_fields: { [KEYS.postalAddress]: { value: 'Kerkstraat 1, Gent', route: 'Kerkstraat', street_number: '1', locality: 'Gent' } } }), KEYS, webUrl);
    expect(p.postalAddress).toEqual({ street: 'Kerkstraat 1', city: 'Gent', region: undefined, postalCode: undefined, country: undefined, formatted: 'Kerkstraat 1, Gent' });
  });

  it('C9: a field map entry whose custom field is missing or empty gives null, not the native value', () => {
    const p = personFromPipedrive(raw({ job_title: 'native', custom_fields: { [KEYS.notes]: '   ' } }), KEYS, webUrl);
    expect(p).toMatchObject({ jobTitle: null, notes: null, birthday: null, postalAddress: null, ims: [] });
  });

  it('missing and null values become null / empty lists; blank entries are dropped; missing labels become "other"', () => {
    const p = personFromPipedrive(
      ZPdPerson.parse({
        id: 1,
        name: null,
        first_name: '  ',
        emails: [{ value: '' }, { value: ' a@b.c ', label: null }],
        phones: null,
        postal_address: { value: null, route: null },
        owner_id: null,
        org_id: null,
        update_time: null,
        picture_id: 5,
      }),
      {},
      webUrl,
    );
    expect(p).toMatchObject({
      firstName: null,
      lastName: null,
      name: null,
      emails: [{ value: 'a@b.c', label: 'other', primary: false }],
      phones: [],
      ownerId: null,
      orgId: null,
      jobTitle: null,
      notes: null,
      birthday: null,
      postalAddress: null,
      ims: [],
      hasPicture: true,
      updatedAt: new Date(0).toISOString(),
    });
  });

  it('the zod schema rejects a payload without a numeric id and keeps unknown fields', () => {
    expect(ZPdPerson.safeParse({ name: 'x' }).success).toBe(false);
    expect(ZPdPerson.safeParse({ id: '42' }).success).toBe(false);
    expect(ZPdPerson.parse({ id: 1, visible_to: 3 })).toMatchObject({ visible_to: 3 });
  });

  it('organization and users/me schemas', () => {
    expect(ZPdOrganization.parse({ id: 9, name: 'ACME', phone: null })).toMatchObject({ id: 9, name: 'ACME' });
    expect(ZPdOrganization.safeParse({ id: 9 }).success).toBe(false);
    expect(ZPdUserMe.parse({ id: 1, name: 'A', company_id: 2, company_name: 'C', is_admin: 1 }).is_admin).toBe(true);
    expect(ZPdUserMe.parse({ id: 1, name: 'A', company_id: 2, company_name: 'C' }).is_admin).toBe(false);
  });
});

describe('personToPipedrive', () => {
  const input: PersonInput = {
    firstName: 'Ada',
    lastName: 'Lovelace',
    emails: [
      { value: 'ada@example.com', label: 'work' },
      { value: 'home@example.com', label: '' },
    ],
    phones: [{ value: '+32 470 12 34 56', label: 'mobile', primary: true }],
    orgId: '9',
    visibleTo: 3,
    jobTitle: 'Engineer',
    notes: 'hello',
    birthday: '1815-12-10',
    postalAddress: { street: 'Kerkstraat 1', postalCode: '9000', city: 'Gent', country: 'Belgium' },
    ims: [{ value: 'ada.l', label: 'skype' }],
  };

  it('C8/C9: writes native contact-sync fields when there is no field map', () => {
    expect(personToPipedrive(input, {})).toEqual({
      first_name: 'Ada',
      last_name: 'Lovelace',
      name: 'Ada Lovelace',
      emails: [
        { value: 'ada@example.com', label: 'work', primary: true },
        { value: 'home@example.com', label: 'work', primary: false },
      ],
      phones: [{ value: '+32 470 12 34 56', label: 'mobile', primary: true }],
      org_id: 9,
      visible_to: 3,
      job_title: 'Engineer',
      notes: 'hello',
      birthday: '1815-12-10',
      postal_address: { value: 'Kerkstraat 1, 9000 Gent, Belgium' },
      im: [{ value: 'ada.l', label: 'skype', primary: true }],
    });
  });

  it('C9: writes the contact-sync fields into our custom fields when mapped (address and IMs as text)', () => {
    const body = personToPipedrive(input, KEYS);
    expect(body).not.toHaveProperty('job_title');
    expect(body).not.toHaveProperty('notes');
    expect(body).not.toHaveProperty('birthday');
    expect(body).not.toHaveProperty('postal_address');
    expect(body).not.toHaveProperty('im');
    expect(body.custom_fields).toEqual({
      [KEYS.jobTitle]: 'Engineer',
      [KEYS.notes]: 'hello',
      [KEYS.birthday]: '1815-12-10',
      [KEYS.postalAddress]: 'Kerkstraat 1, 9000 Gent, Belgium',
      [KEYS.im]: 'ada.l',
    });
  });

  it('C9: a partial field map mixes native and custom fields', () => {
    const body = personToPipedrive({ jobTitle: 'CTO', notes: 'n' }, { notes: KEYS.notes });
    expect(body).toEqual({ job_title: 'CTO', custom_fields: { [KEYS.notes]: 'n' } });
  });

  it('only sends what the input contains (undefined = leave alone); null clears', () => {
    expect(personToPipedrive({}, KEYS)).toEqual({});
    expect(personToPipedrive({ notes: null, jobTitle: null, postalAddress: null, orgId: null }, {})).toEqual({ notes: null, job_title: null, postal_address: null, org_id: null });
    expect(personToPipedrive({ notes: null, birthday: null, ims: [] }, KEYS)).toEqual({ custom_fields: { [KEYS.notes]: null, [KEYS.birthday]: null, [KEYS.im]: null } });
  });

  it('a formatted-only address is written as is', () => {
    expect(personToPipedrive({ postalAddress: { formatted: 'Somewhere 1' } }, {})).toEqual({ postal_address: { value: 'Somewhere 1' } });
  });

  it('the name falls back to the non-empty name part; a missing name part is sent as an empty string', () => {
    expect(personToPipedrive({ firstName: null, lastName: 'Lovelace' }, {})).toEqual({ first_name: '', last_name: 'Lovelace', name: 'Lovelace' });
    expect(personToPipedrive({ name: 'ACME Buyer' }, {})).toEqual({ name: 'ACME Buyer' });
  });

  it('a null visibility is not sent (Pipedrive applies the user default, C7)', () => {
    expect(personToPipedrive({ visibleTo: null }, {})).toEqual({});
  });

  it('C8: a birthday without a year (--MM-DD from Google) is not sent — Pipedrive only accepts YYYY-MM-DD', () => {
    expect(personToPipedrive({ birthday: '--12-10' }, {})).toEqual({});
    expect(personToPipedrive({ birthday: '--12-10' }, KEYS)).toEqual({});
    expect(personToPipedrive({ birthday: 'around Easter', notes: 'x' }, {})).toEqual({ notes: 'x' });
  });

  it('round trip: what we write is what we read back (native fields)', () => {
    const body = personToPipedrive(input, {});
    const back = personFromPipedrive(ZPdPerson.parse({ id: 42, ...body, update_time: '2025-01-01T00:00:00Z' }), {}, webUrl);
    expect(back).toMatchObject({
      firstName: 'Ada',
      lastName: 'Lovelace',
      jobTitle: 'Engineer',
      notes: 'hello',
      birthday: '1815-12-10',
      ims: [{ value: 'ada.l', label: 'skype' }],
      postalAddress: { formatted: 'Kerkstraat 1, 9000 Gent, Belgium' },
    });
  });

  it('C9 round trip through our custom fields', () => {
    const body = personToPipedrive(input, KEYS);
    const back = personFromPipedrive(ZPdPerson.parse({ id: 42, ...body }), KEYS, webUrl);
    expect(back).toMatchObject({ jobTitle: 'Engineer', notes: 'hello', birthday: '1815-12-10', ims: [{ value: 'ada.l', label: 'other' }], postalAddress: { formatted: 'Kerkstraat 1, 9000 Gent, Belgium' } });
  });
});

describe('organizationPhone', () => {
  const KEY = 'a'.repeat(40);
  it('C11: reads the company phone from the organization custom field of type phone (v2 custom_fields)', () => {
    expect(organizationPhone({ id: 1, name: 'Acme', custom_fields: { [KEY]: ' +32 9 123 45 67 ' } }, [KEY])).toBe('+32 9 123 45 67');
  });
  it('C11: accepts v1 root-level keys and labelled lists, skipping empty phone fields', () => {
    const OTHER = 'b'.repeat(40);
    expect(organizationPhone({ id: 1, [KEY]: [{ value: '', primary: true }, { value: '+44 20 1' }] }, [OTHER, KEY])).toBe('+44 20 1');
  });
  it('C11: no phone field or an empty one gives no company phone', () => {
    expect(organizationPhone({ id: 1, custom_fields: { [KEY]: null } }, [KEY])).toBeNull();
    expect(organizationPhone({ id: 1, custom_fields: { [KEY]: '+1 555' } }, [])).toBeNull();
  });
});
